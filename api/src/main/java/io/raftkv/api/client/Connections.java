package io.raftkv.api.client;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.net.FlushCoalescing;
import io.raftkv.api.v1.ClusterGrpcClient;
import io.raftkv.api.v1.StatusRequest;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.internal.VertxInternal;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import io.vertx.grpc.client.GrpcClientResponse;
import io.vertx.grpc.common.GrpcStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
     * One connection slot: the gRPC client, the context its calls are issued from, and its
     * pipeline streams (one per node, used on that context only).
     */
    record Slot(GrpcClient client, Context context, PipelineStreams pipelines) {
        Slot(GrpcClient client, Context context) {
            this(client, context, new PipelineStreams(context, client));
        }
    }

    private final List<Slot> clients;
    /** The slots of each context (immutable after construction). */
    private final Map<Context, List<Slot>> byContext;

    private final AtomicInteger next = new AtomicInteger();

    Connections(Vertx vertx, int count, int connectTimeoutMillis, long maxMessageBytes) {
        this(vertx, count, connectTimeoutMillis, maxMessageBytes, null);
    }

    /** As above, over TLS with {@code credentialsOrNull} when given. */
    Connections(
            Vertx vertx,
            int count,
            int connectTimeoutMillis,
            long maxMessageBytes,
            ClientCredentials credentialsOrNull) {
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
            GrpcClient client;
            if (credentialsOrNull == null) {
                client = FlushCoalescing.grpcClient(vertx, grpc, http);
            } else {
                client = credentialsOrNull.authorize(FlushCoalescing.grpcClient(vertx, grpc, tls.secure(http)));
            }
            list.add(new Slot(client, loops.get(i % loops.size())));
        }
        this.clients = List.copyOf(list);
        Map<Context, List<Slot>> grouped = new HashMap<>();
        for (Slot slot : clients) {
            grouped.computeIfAbsent(slot.context(), c -> new ArrayList<>()).add(slot);
        }
        grouped.replaceAll((c, slots) -> List.copyOf(slots));
        this.byContext = Map.copyOf(grouped);
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
     * {@code parallel} at a time. Completes when every call succeeded; fails with the first failure.
     *
     * <p>Why bounded: a slot otherwise connects on its first call, so a client with many connections
     * starts all its handshakes at once. With TLS on a loaded machine a cold client then took longer
     * than the node's first-request deadline ({@code --first-request-timeout-ms}, 10 s from accept,
     * handshake included) to finish each of them; the node closed them (metric
     * {@code raftkv_client_connections_closed_total{reason="no_request"}}), the client connected
     * again, and no call got through. A few handshakes at a time each finish in their own CPU time.
     */
    Future<Void> connectAll(Vertx vertx, List<Endpoint> nodes, long timeoutMillis, int parallel) {
        java.util.ArrayDeque<Runnable> queue = new java.util.ArrayDeque<>();
        Promise<Void> all = Promise.promise();
        AtomicInteger left = new AtomicInteger(clients.size() * nodes.size());
        if (left.get() == 0) {
            return Future.succeededFuture();
        }
        Runnable[] next = new Runnable[1];
        next[0] = () -> {
            Runnable r;
            synchronized (queue) {
                r = queue.poll();
            }
            if (r != null) {
                r.run();
            }
        };
        for (Slot slot : clients) {
            for (Endpoint node : nodes) {
                queue.add(() -> statusOn(vertx, slot, node, timeoutMillis).onComplete(ar -> {
                    if (ar.failed()) {
                        all.tryFail(ar.cause());
                    } else if (left.decrementAndGet() == 0) {
                        all.tryComplete();
                    }
                    if (!all.future().isComplete()) {
                        next[0].run();
                    }
                }));
            }
        }
        for (int i = 0; i < Math.max(1, parallel); i++) {
            next[0].run();
        }
        return all.future();
    }

    /** One {@code Status} call to {@code node} over {@code slot}'s connection, within {@code timeoutMillis}. */
    private static Future<Void> statusOn(Vertx vertx, Slot slot, Endpoint node, long timeoutMillis) {
        Promise<Void> done = Promise.promise();
        long timer = vertx.setTimer(
                timeoutMillis,
                id -> done.tryFail(RaftKvException.local(
                        GrpcStatus.DEADLINE_EXCEEDED,
                        "no connection to " + node + " within " + timeoutMillis + " ms",
                        false,
                        null)));
        slot.context()
                .runOnContext(v -> slot.client()
                        .request(node.toSocketAddress(), ClusterGrpcClient.Status)
                        .compose(req -> {
                            req.timeout(timeoutMillis, TimeUnit.MILLISECONDS);
                            return req.send(StatusRequest.getDefaultInstance());
                        })
                        .compose(GrpcClientResponse::last)
                        .onComplete(ar -> {
                            vertx.cancelTimer(timer);
                            if (ar.succeeded()) {
                                done.tryComplete();
                            } else {
                                done.tryFail(ar.cause());
                            }
                        }));
        return done.future();
    }

    Future<Void> close() {
        List<Future<Void>> closing = new ArrayList<>(clients.size());
        for (Slot c : clients) {
            closing.add(c.client().close());
        }
        return Future.join(closing).mapEmpty();
    }
}
