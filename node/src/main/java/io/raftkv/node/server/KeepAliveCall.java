package io.raftkv.node.server;

import io.raftkv.api.ErrorTrailers;
import io.raftkv.api.v1.LeaseGrpcService;
import io.raftkv.api.v1.LeaseKeepAliveRequest;
import io.raftkv.api.v1.LeaseKeepAliveResponse;
import io.raftkv.node.lease.LeaseKeeper;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServerRequest;
import java.util.ArrayDeque;

/**
 * One {@code Lease.KeepAlive} stream: each request renews one lease on the leader's
 * {@link LeaseKeeper} and is answered by one response, in order. Requests are served one at a
 * time; at most {@link #MAX_QUEUED} wait, beyond that the stream stops reading (HTTP/2 flow
 * control then holds the client back), and it stops reading as well while the response cannot be
 * written. So a stream never buffers more than a few small messages.
 *
 * <p>A renewal that fails (this node is not the leader: NOT_LEADER with the leader hint; a new
 * leader still catching up: UNAVAILABLE) ends the stream with that status, so the client reconnects
 * to the leader; an unknown or expired lease is an answer (ttl = 0), not an error. Each message is
 * checked by the server's size limit and authorization like a unary call.
 *
 * <p>Confined to the context that received the stream.
 */
final class KeepAliveCall {
    static final int MAX_QUEUED = 16;
    private static final String METHOD = LeaseGrpcService.KeepAlive.fullMethodName();

    private final CallRunner calls;
    private final GrpcServerRequest<LeaseKeepAliveRequest, LeaseKeepAliveResponse> request;
    private final LeaseKeeper keeper;
    private final Context context;
    private final long startNanos = System.nanoTime();
    private final ArrayDeque<LeaseKeepAliveRequest> queue = new ArrayDeque<>();
    private boolean serving;
    private boolean reading = true;
    private boolean writeBlocked;
    private boolean clientEnded;
    private boolean closed;

    KeepAliveCall(
            CallRunner calls,
            GrpcServerRequest<LeaseKeepAliveRequest, LeaseKeepAliveResponse> request,
            LeaseKeeper keeper) {
        this.calls = calls;
        this.request = request;
        this.keeper = keeper;
        this.context = Vertx.currentContext();
    }

    void start() {
        request.handler(this::onMessage);
        request.endHandler(v -> {
            clientEnded = true;
            endIfDone();
        });
        request.exceptionHandler(err -> onReset());
        request.errorHandler(err -> onReset());
        request.response().drainHandler(v -> {
            writeBlocked = false;
            next();
        });
    }

    private void onMessage(LeaseKeepAliveRequest message) {
        if (closed) {
            return;
        }
        try {
            calls.checkRequestSize(message);
            calls.authorize(request, METHOD, message);
        } catch (RuntimeException e) {
            fail(e);
            return;
        }
        queue.add(message);
        next();
    }

    /** Serves the next queued request if none is being served and the response can take more. */
    private void next() {
        if (!closed && !serving && !writeBlocked && !queue.isEmpty()) {
            serving = true;
            LeaseKeepAliveRequest r = queue.poll();
            keeper.keepAlive(r.getId())
                    .onComplete(ar -> context.runOnContext(v -> {
                        serving = false;
                        if (closed) {
                            return;
                        }
                        if (ar.failed()) {
                            fail(ar.cause());
                            return;
                        }
                        request.response()
                                .write(LeaseKeepAliveResponse.newBuilder()
                                        .setHeader(Protos.header(keeperStatus(), 0))
                                        .setId(r.getId())
                                        .setTtl(ar.result())
                                        .build());
                        writeBlocked = request.response().writeQueueFull();
                        next();
                        endIfDone();
                    }));
        }
        updateReading();
    }

    private io.raftkv.node.driver.NodeStatus keeperStatus() {
        return keeper.status();
    }

    private void updateReading() {
        boolean read = !closed && queue.size() < MAX_QUEUED && !writeBlocked;
        if (read != reading) {
            reading = read;
            if (read) {
                request.resume();
            } else {
                request.pause();
            }
        }
    }

    private void endIfDone() {
        if (!closed && clientEnded && !serving && queue.isEmpty()) {
            closed = true;
            calls.record(METHOD, GrpcStatus.OK, startNanos);
            request.response().end();
        }
    }

    private void fail(Throwable error) {
        if (closed) {
            return;
        }
        closed = true;
        var e = GrpcErrors.toRaftKvException(error);
        calls.record(METHOD, e.status(), startNanos);
        ErrorTrailers.fail(request.response(), e);
    }

    private void onReset() {
        if (!closed) {
            closed = true;
            calls.record(METHOD, GrpcStatus.CANCELLED, startNanos);
        }
    }
}
