package io.raftkv.node.etcd;

import io.raftkv.api.ErrorTrailers;
import io.raftkv.api.RaftKvException;
import io.raftkv.etcd.api.LeaseGrpcClient;
import io.raftkv.etcd.api.LeaseGrpcService;
import io.raftkv.etcd.api.LeaseKeepAliveRequest;
import io.raftkv.etcd.api.LeaseKeepAliveResponse;
import io.raftkv.node.driver.RaftNodeApi;
import io.raftkv.node.kv.KvReader;
import io.raftkv.node.lease.LeaseKeeper;
import io.raftkv.node.server.CallRunner;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.client.GrpcClientResponse;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServerRequest;
import java.util.ArrayDeque;

/**
 * One {@code etcdserverpb.Lease/LeaseKeepAlive} stream. On the leader each request renews its
 * lease on the {@link LeaseKeeper} and is answered with the granted TTL (0 for a lease unknown or
 * expired, as etcd); on a follower the stream is relayed to the leader's client port (one upstream
 * stream per client stream, {@link EtcdForwarder#openToLeader}), as etcd forwards renewals to its
 * leader.
 *
 * <p><b>Bounded.</b> Requests are served one at a time locally; at most {@link #MAX_QUEUED} wait,
 * beyond that the stream stops reading (HTTP/2 flow control holds the client back), as it does
 * while the response, or the relay's request, cannot take more; a relay's answers stop being read
 * while the client's response cannot take them.
 *
 * <p><b>Failures</b> end the stream UNAVAILABLE ({@code leader changed}, or the leader's own
 * UNAVAILABLE), which etcd's clients answer by opening a new keep-alive stream: a renewal on a
 * member that lost leadership, a relay whose leader went away, a leader still applying its log.
 * Each message is checked by the size limit and authorization like a unary call.
 *
 * <p>Confined to the context that received the stream.
 */
final class EtcdKeepAlive {
    static final int MAX_QUEUED = 16;
    private static final String METHOD = LeaseGrpcService.LeaseKeepAlive.fullMethodName();

    private final CallRunner calls;
    private final GrpcServerRequest<LeaseKeepAliveRequest, LeaseKeepAliveResponse> request;
    private final RaftNodeApi node;
    private final KvReader reader;
    private final LeaseKeeper keeper;
    private final EtcdForwarder forwarder;
    private final EtcdForwarder.Origin origin;
    private final Context context;
    private final long startNanos = System.nanoTime();
    private final ArrayDeque<LeaseKeepAliveRequest> queue = new ArrayDeque<>();
    private GrpcClientRequest<LeaseKeepAliveRequest, LeaseKeepAliveResponse> relay;
    private GrpcClientResponse<LeaseKeepAliveRequest, LeaseKeepAliveResponse> relayResponse;
    /** A local renewal or the relay's opening is in progress. */
    private boolean serving;

    private boolean reading = true;
    private boolean writeBlocked;
    private boolean relayBlocked;
    private boolean clientEnded;
    /** The relay's request side has been ended (after the client ended ours). */
    private boolean relayHalfClosed;

    private boolean closed;

    EtcdKeepAlive(
            CallRunner calls,
            GrpcServerRequest<LeaseKeepAliveRequest, LeaseKeepAliveResponse> request,
            RaftNodeApi node,
            KvReader reader,
            LeaseKeeper keeper,
            EtcdForwarder forwarder) {
        this.calls = calls;
        this.request = request;
        this.node = node;
        this.reader = reader;
        this.keeper = keeper;
        this.forwarder = forwarder;
        this.origin = forwarder.origin(request.headers(), request.connection());
        this.context = Vertx.currentContext();
    }

    void start() {
        request.handler(this::onMessage);
        request.endHandler(v -> {
            clientEnded = true;
            next();
        });
        request.exceptionHandler(err -> onReset());
        request.errorHandler(err -> onReset());
        request.response().drainHandler(v -> {
            writeBlocked = false;
            if (relayResponse != null) {
                relayResponse.resume();
            }
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
            fail(EtcdErrors.of(e));
            return;
        }
        queue.add(message);
        next();
    }

    /** Moves the queue on: into the relay, or the next local renewal; ends the stream when all is done. */
    private void next() {
        if (closed) {
            return;
        }
        if (relay != null) {
            while (!queue.isEmpty() && !relayBlocked) {
                relay.write(queue.poll());
                relayBlocked = relay.writeQueueFull();
            }
            if (clientEnded && queue.isEmpty() && !relayHalfClosed) {
                relayHalfClosed = true;
                relay.end(); // the leader ends its side, then ours ends (relayEnded)
            }
        } else if (!serving && !writeBlocked && !queue.isEmpty()) {
            if (node.status().isLeader() || !openRelay()) {
                renew(queue.peek());
            }
        } else if (!serving && clientEnded && queue.isEmpty()) {
            closed = true;
            calls.record(METHOD, GrpcStatus.OK, startNanos);
            request.response().end();
            return;
        }
        updateReading();
    }

    private void renew(LeaseKeepAliveRequest r) {
        serving = true;
        keeper.keepAlive(r.getID())
                .onComplete(ar -> context.runOnContext(v -> {
                    serving = false;
                    if (closed) {
                        return;
                    }
                    if (ar.failed()) {
                        RaftKvException e = EtcdErrors.of(ar.cause());
                        if (e == EtcdErrors.NOT_LEADER && openRelay()) {
                            return; // this request goes to the leader with the rest
                        }
                        fail(e);
                        return;
                    }
                    queue.poll();
                    request.response()
                            .write(LeaseKeepAliveResponse.newBuilder()
                                    .setHeader(EtcdProtos.header(
                                            node.status(), reader.revisions().current()))
                                    .setID(r.getID())
                                    .setTTL(ar.result())
                                    .build());
                    writeBlocked = request.response().writeQueueFull();
                    next();
                }));
    }

    /** Starts relaying to the leader; false when this stream is to be served here. */
    private boolean openRelay() {
        Future<GrpcClientRequest<LeaseKeepAliveRequest, LeaseKeepAliveResponse>> open =
                forwarder.openToLeader(origin, LeaseGrpcClient.LeaseKeepAlive);
        if (open == null) {
            return false;
        }
        serving = true;
        open.onComplete(ar -> {
            serving = false;
            if (ar.failed()) {
                fail(EtcdErrors.LEADER_CHANGED);
                return;
            }
            if (closed) {
                ar.result().cancel();
                return;
            }
            relay = ar.result();
            relay.drainHandler(x -> {
                relayBlocked = false;
                next();
            });
            relay.response().onComplete(this::relayStarted); // on this context: the relay was opened here
            next();
        });
        updateReading();
        return true;
    }

    private void relayStarted(
            io.vertx.core.AsyncResult<GrpcClientResponse<LeaseKeepAliveRequest, LeaseKeepAliveResponse>> ar) {
        if (ar.failed()) {
            fail(EtcdErrors.LEADER_CHANGED);
            return;
        }
        if (closed) {
            relay.cancel();
            return;
        }
        relayResponse = ar.result();
        relayResponse.handler(m -> {
            if (closed) {
                return;
            }
            request.response().write(m);
            if (request.response().writeQueueFull()) {
                writeBlocked = true;
                relayResponse.pause();
            }
        });
        relayResponse.exceptionHandler(e -> fail(EtcdErrors.LEADER_CHANGED));
        relayResponse.endHandler(v -> relayEnded(relayResponse.status(), relayResponse.statusMessage()));
    }

    /** The leader ended the relayed stream: ours ends the same way (an error as UNAVAILABLE, so the client retries). */
    private void relayEnded(GrpcStatus status, String message) {
        if (closed) {
            return;
        }
        if (status == GrpcStatus.OK && clientEnded) {
            closed = true;
            calls.record(METHOD, GrpcStatus.OK, startNanos);
            request.response().end();
        } else if (status == GrpcStatus.UNAVAILABLE) {
            fail(RaftKvException.of(GrpcStatus.UNAVAILABLE, message));
        } else if (status != null && status != GrpcStatus.OK && status != GrpcStatus.FAILED_PRECONDITION) {
            fail(RaftKvException.of(status, message));
        } else {
            fail(EtcdErrors.LEADER_CHANGED);
        }
    }

    private void updateReading() {
        boolean read = !closed && queue.size() < MAX_QUEUED && !writeBlocked && !relayBlocked;
        if (read != reading) {
            reading = read;
            if (read) {
                request.resume();
            } else {
                request.pause();
            }
        }
    }

    /** Ends the stream with {@code e}; NOT_LEADER becomes {@code leader changed} (UNAVAILABLE: clients reconnect). */
    private void fail(RaftKvException e) {
        if (closed) {
            return;
        }
        closed = true;
        RaftKvException error = e == EtcdErrors.NOT_LEADER ? EtcdErrors.LEADER_CHANGED : e;
        if (relay != null) {
            relay.cancel();
        }
        calls.record(METHOD, error.status(), startNanos);
        ErrorTrailers.fail(request.response(), error);
    }

    private void onReset() {
        if (!closed) {
            closed = true;
            if (relay != null) {
                relay.cancel();
            }
            calls.record(METHOD, GrpcStatus.CANCELLED, startNanos);
        }
    }
}
