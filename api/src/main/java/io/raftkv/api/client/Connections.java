package io.raftkv.api.client;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.raftkv.api.net.FlushCoalescing;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.internal.VertxInternal;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * M independent gRPC clients, each holding at most one HTTP/2 connection per node. Calls are spread
 * over them round-robin, so a benchmark that wants N concurrent calls over M connections builds a
 * client with {@code connections(M)} and issues N calls at once (HTTP/2 multiplexes the streams).
 *
 * <p>Each client is bound to an event-loop context of its own, spread over Vert.x's event loops,
 * and its calls are issued from that context. Vert.x binds a connection to the context that opened
 * it, and an application thread always gets the same context, so without this every connection of
 * a client built and called from one thread would share a single event loop.
 */
final class Connections {
    /**
     * One connection slot: the gRPC client, the context its calls are issued from, its pipeline
     * streams (one per node, used on that context only), and its {@link ConnectionOpener} openings
     * per node (succeeded: open; incomplete: queued or in flight; absent: not known to be open).
     */
    record Slot(GrpcClient client, Context context, PipelineStreams pipelines, Map<Endpoint, Future<Void>> opened) {
        Slot(GrpcClient client, Context context, Map<Endpoint, Future<Void>> opened) {
            this(client, context, new PipelineStreams(context, client), opened);
        }

        boolean isOpenTo(Endpoint node) {
            Future<Void> f = opened.get(node);
            return f != null && f.succeeded();
        }

        @Override
        public boolean equals(Object o) {
            return this == o;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(this);
        }
    }

    private final List<Slot> clients;
    /** The slots of each context (immutable after construction). */
    private final Map<Context, List<Slot>> byContext;

    private final AtomicInteger next = new AtomicInteger();
    private final ConnectionOpener opener;
    private final int connectTimeoutMillis;
    /** Whether calls wait for bounded openings (more slots than openings in flight at once). */
    private final boolean bounded;

    Connections(Vertx vertx, int count, int connectTimeoutMillis, long maxMessageBytes) {
        this(vertx, count, connectTimeoutMillis, maxMessageBytes, null, RaftKvClient.CONNECT_PARALLELISM);
    }

    /** As above, over TLS with {@code credentialsOrNull} when given. */
    Connections(
            Vertx vertx,
            int count,
            int connectTimeoutMillis,
            long maxMessageBytes,
            ClientCredentials credentialsOrNull,
            int parallel) {
        if (count < 1 || count > 1024) {
            throw new IllegalArgumentException("connections must be within 1..1024, got " + count);
        }
        List<Slot> list = new ArrayList<>(count);
        List<Context> loops = eventLoopContexts(vertx);
        // Loaded once for all the connections (see ClientCredentials.load: per connection it cost seconds).
        ClientCredentials.Loaded tls = credentialsOrNull == null ? null : credentialsOrNull.load(vertx);
        for (int i = 0; i < count; i++) {
            HttpClientOptions http = new HttpClientOptions()
                    .setProtocolVersion(HttpVersion.HTTP_2)
                    .setHttp2ClearTextUpgrade(false)
                    .setConnectTimeout(connectTimeoutMillis)
                    .setTcpNoDelay(true);
            GrpcClientOptions grpc = new GrpcClientOptions().setMaxMessageSize(maxMessageBytes);
            Map<Endpoint, Future<Void>> opened = new ConcurrentHashMap<>();
            // A closed connection (node restarted, idle close): its slot is opened again, boundedly, before
            // calls use it. Which node's connection closed is not known here, so none of the slot's count as open.
            io.vertx.core.Handler<HttpConnection> onConnect =
                    conn -> conn.closeHandler(v -> opened.values().removeIf(Future::succeeded));
            GrpcClient client;
            if (credentialsOrNull == null) {
                client = FlushCoalescing.grpcClient(vertx, grpc, http, onConnect);
            } else {
                client = credentialsOrNull.authorize(
                        FlushCoalescing.grpcClient(vertx, grpc, tls.secure(http), onConnect));
            }
            list.add(new Slot(client, loops.get(i % loops.size()), opened));
        }
        this.clients = List.copyOf(list);
        Map<Context, List<Slot>> grouped = new HashMap<>();
        for (Slot slot : clients) {
            grouped.computeIfAbsent(slot.context(), c -> new ArrayList<>()).add(slot);
        }
        grouped.replaceAll((c, slots) -> List.copyOf(slots));
        this.byContext = Map.copyOf(grouped);
        this.opener = new ConnectionOpener(vertx, parallel);
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.bounded = count > parallel;
    }

    /**
     * The slot for the next call to {@code target}: {@link #next()}'s, if its connection to
     * {@code target} is open. A client with more connections than {@link ConnectionOpener} opens at
     * once (so not the CLI's or the operator's single one) otherwise has that connection opened in
     * the background, boundedly, and the call goes over another slot already open to
     * {@code target}; when none is, it waits for the next opening to {@code target} to finish.
     *
     * <p>Why: a client that never calls {@link RaftKvClient#connect} opened its connections with its
     * first calls, all at once; with TLS on a loaded machine that was the stall
     * {@link #connectAll} describes. Now the first calls share the first connections while the others
     * open a few at a time, and the same holds after a node restart closes them all.
     */
    Future<Slot> next(Endpoint target) {
        Slot slot = next();
        if (!bounded || slot.isOpenTo(target)) {
            return Future.succeededFuture(slot);
        }
        opener.open(slot, target, connectTimeoutMillis);
        Slot other = openTo(target);
        if (other != null) {
            return Future.succeededFuture(other);
        }
        return opener.nextOpened(target, slot, () -> openTo(target));
    }

    /** A slot open to {@code target}, preferring the caller's context; null if none. */
    private Slot openTo(Endpoint target) {
        Context current = Vertx.currentContext();
        List<Slot> own = current == null ? null : byContext.get(current);
        if (own != null) {
            for (Slot s : own) {
                if (s.isOpenTo(target)) {
                    return s;
                }
            }
        }
        int start = Math.floorMod(next.get(), clients.size());
        for (int i = 0; i < clients.size(); i++) {
            Slot s = clients.get((start + i) % clients.size());
            if (s.isOpenTo(target)) {
                return s;
            }
        }
        return null;
    }

    /**
     * The next slot round-robin; a caller already on one of the slots' contexts (a completion
     * issuing the next call) stays on that context, so the call needs no hop between event loops.
     */
    Slot next() {
        int n = Math.floorMod(next.getAndIncrement(), clients.size());
        Context current = Vertx.currentContext();
        if (current != null) {
            List<Slot> own = byContext.get(current);
            if (own != null) {
                return own.get(n % own.size());
            }
        }
        return clients.get(n);
    }

    /** One context per event loop of {@code vertx}. */
    private static List<Context> eventLoopContexts(Vertx vertx) {
        VertxInternal internal = (VertxInternal) vertx;
        List<Context> contexts = new ArrayList<>();
        for (EventExecutor loop : internal.nettyEventLoopGroup()) {
            contexts.add(internal.contextBuilder()
                    .withThreadingModel(ThreadingModel.EVENT_LOOP)
                    .withEventLoop((EventLoop) loop)
                    .build());
        }
        return contexts;
    }

    int size() {
        return clients.size();
    }

    /**
     * Opens every slot's connection to each of {@code nodes} (TCP, the TLS handshake, HTTP/2) with
     * one {@code Status} call per connection, each within {@code timeoutMillis}, at most
     * {@code parallel} at a time to each node (the {@link ConnectionOpener}'s bound, shared with the
     * openings of {@link #next(Endpoint)}). Completes when every connection is open; fails with the first failure.
     *
     * <p>Why bounded: a slot otherwise connects on its first call, so a client with many connections
     * starts all its handshakes at once. With TLS on a loaded machine a cold client then took longer
     * than the node's first-request deadline ({@code --first-request-timeout-ms}, 10 s from accept,
     * handshake included) to finish each of them; the node closed them (metric
     * {@code raftkv_client_connections_closed_total{reason="no_request"}}), the client connected
     * again, and no call got through. A few handshakes at a time each finish in their own CPU time.
     */
    Future<Void> connectAll(List<Endpoint> nodes, long timeoutMillis) {
        List<Future<Void>> all = new ArrayList<>(clients.size() * nodes.size());
        for (Slot slot : clients) {
            for (Endpoint node : nodes) {
                all.add(opener.open(slot, node, timeoutMillis));
            }
        }
        return Future.all(all).mapEmpty();
    }

    Future<Void> close() {
        List<Future<Void>> closing = new ArrayList<>(clients.size());
        for (Slot c : clients) {
            closing.add(c.client().close());
        }
        return Future.join(closing).mapEmpty();
    }
}
