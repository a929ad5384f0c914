package io.raftkv.node.etcd;

import com.google.protobuf.ByteString;
import io.raftkv.api.ErrorTrailers;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.v1.WatchCreateRequest;
import io.raftkv.api.v1.WatchResponse;
import io.raftkv.etcd.api.KeyValue;
import io.raftkv.etcd.api.LeaderRequest;
import io.raftkv.etcd.api.LeaderResponse;
import io.raftkv.etcd.api.RangeResponse;
import io.raftkv.node.server.CallRunner;
import io.raftkv.node.watch.WatchHub;
import io.raftkv.node.watch.WatchSink;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import java.util.Objects;

/**
 * One {@code Election.Observe} stream: the current leader of the election (when there is one),
 * then the leader again each time it changes (another candidate leads, or the leader proclaims a
 * new value), as etcd's {@code Election.Observe} sends them. A watcher on the election's keys
 * (from the revision of the first read) wakes the stream, which then reads the leader again (one
 * read at a time; events that arrive meanwhile cause one more read) and sends it when its key or
 * mod revision differs from the last one sent.
 *
 * <p>The stream holds one of the server's in-flight call slots while it lasts. It ends when the
 * client cancels it, or with an error when a read fails, the member cancels the watcher, or the
 * client does not read what it is sent (RESOURCE_EXHAUSTED).
 */
final class EtcdObserveCall {
    static final String METHOD = "v3electionpb.Election/Observe";

    /** Starts the stream of each Observe call. */
    static final class Factory {
        private final Vertx vertx;
        private final CallRunner calls;
        private final EtcdRecipes recipes;
        private final WatchHub hub;

        Factory(Vertx vertx, CallRunner calls, EtcdRecipes recipes, WatchHub hub) {
            this.vertx = Objects.requireNonNull(vertx, "vertx");
            this.calls = Objects.requireNonNull(calls, "calls");
            this.recipes = Objects.requireNonNull(recipes, "recipes");
            this.hub = Objects.requireNonNull(hub, "hub");
        }

        void handle(GrpcServerRequest<LeaderRequest, LeaderResponse> request) {
            long start = System.nanoTime();
            if (!calls.tryEnter()) {
                request.handler(msg -> {});
                calls.record(METHOD, GrpcStatus.RESOURCE_EXHAUSTED, start);
                ErrorTrailers.fail(request.response(), EtcdErrors.TOO_MANY_REQUESTS);
                return;
            }
            new EtcdObserveCall(this, request, start).begin();
        }
    }

    private final Factory f;
    private final GrpcServerRequest<LeaderRequest, LeaderResponse> request;
    private final GrpcServerResponse<LeaderRequest, LeaderResponse> response;
    private final long startNanos;
    private final Context context;
    // ---- confined to context ----
    private boolean done;
    private boolean started;
    private boolean reading;
    private boolean dirty;
    private ByteString prefix;
    private KeyValue last;
    private WatchSink sink;

    private EtcdObserveCall(Factory f, GrpcServerRequest<LeaderRequest, LeaderResponse> request, long startNanos) {
        this.f = f;
        this.request = request;
        this.response = request.response();
        this.startNanos = startNanos;
        this.context = f.vertx.getOrCreateContext();
    }

    private void begin() {
        request.exceptionHandler(e -> finish(null));
        request.errorHandler(e -> finish(null));
        request.handler(this::onRequest);
    }

    private void onRequest(LeaderRequest r) {
        if (done || started) {
            return;
        }
        started = true;
        try {
            f.calls.authorize(request, METHOD, r);
            if (r.getName().isEmpty()) {
                throw EtcdErrors.invalid("raftkv: an election needs a name");
            }
        } catch (RuntimeException e) {
            finish(e);
            return;
        }
        prefix = EtcdRecipes.prefix(r.getName());
        reading = true;
        f.recipes
                .first(prefix)
                .onComplete(ar -> context.runOnContext(v -> {
                    reading = false;
                    if (ar.failed()) {
                        finish(ar.cause());
                        return;
                    }
                    offer(ar.result());
                    watchFrom(ar.result().getHeader().getRevision() + 1);
                }));
    }

    private void watchFrom(long revision) {
        if (done) {
            return;
        }
        sink = new WatchSink() {
            @Override
            public void send(WatchResponse w) {
                if (w.getCanceled()) {
                    context.runOnContext(v -> finish(RaftKvException.of(
                            GrpcStatus.UNAVAILABLE, "etcdserver: watch canceled: " + w.getCancelReason())));
                } else if (w.getEventsCount() > 0) {
                    context.runOnContext(v -> refresh());
                }
            }

            @Override
            public long pendingBytes() {
                return 0;
            }
        };
        byte[] start = prefix.toByteArray();
        f.hub.create(
                sink,
                WatchCreateRequest.newBuilder()
                        .setKey(prefix)
                        .setPrefix(true)
                        .setStartRevision(revision)
                        .build(),
                start,
                EtcdRecipes.prefixEnd(prefix).toByteArray());
    }

    private void refresh() {
        if (done) {
            return;
        }
        if (reading) {
            dirty = true;
            return;
        }
        reading = true;
        f.recipes
                .first(prefix)
                .onComplete(ar -> context.runOnContext(v -> {
                    reading = false;
                    if (ar.failed()) {
                        finish(ar.cause());
                        return;
                    }
                    offer(ar.result());
                    if (dirty) {
                        dirty = false;
                        refresh();
                    }
                }));
    }

    /** Sends the leader {@code read} shows, unless it is the one sent last. */
    private void offer(RangeResponse read) {
        if (done || read.getKvsCount() == 0) {
            return;
        }
        KeyValue kv = read.getKvs(0);
        if (last != null && last.getKey().equals(kv.getKey()) && last.getModRevision() == kv.getModRevision()) {
            return;
        }
        if (response.writeQueueFull()) {
            finish(RaftKvException.of(
                    GrpcStatus.RESOURCE_EXHAUSTED, "raftkv: the observer does not read the leader changes sent"));
            return;
        }
        last = kv;
        response.write(LeaderResponse.newBuilder()
                .setHeader(read.getHeader())
                .setKv(kv)
                .build());
    }

    /** Ends the stream: {@code error} null when the client went away. */
    private void finish(Throwable error) {
        if (done) {
            return;
        }
        done = true;
        if (sink != null) {
            f.hub.closed(sink);
        }
        f.calls.exit();
        if (error == null) {
            f.calls.record(METHOD, GrpcStatus.CANCELLED, startNanos);
            return;
        }
        RaftKvException e = EtcdErrors.of(error);
        f.calls.record(METHOD, e.status(), startNanos);
        try {
            ErrorTrailers.fail(response, e);
        } catch (IllegalStateException gone) {
            // reset by the client under us
        }
    }
}
