package io.raftkv.node.transport;

import io.raftkv.api.net.FlushCoalescing;
import io.raftkv.api.peer.v1.MessageBatch;
import io.raftkv.api.peer.v1.RaftPeerGrpcService;
import io.raftkv.api.peer.v1.SendAck;
import io.raftkv.api.peer.v1.SnapshotAck;
import io.raftkv.api.peer.v1.SnapshotChunk;
import io.raftkv.node.net.ConnectionGuard;
import io.raftkv.node.net.HostPort;
import io.raftkv.node.security.PeerTls;
import io.raftkv.raft.Message;
import io.raftkv.raft.MessageType;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import io.vertx.grpc.server.GrpcServerRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peer port: a gRPC server for {@code RaftPeer.Stream}, {@code RaftPeer.Send} and
 * {@code RaftPeer.InstallSnapshot}.
 *
 * <p>A batch is accepted only if its cluster id and destination match this node and every message
 * is well formed and from the batch's sender; otherwise the whole batch is refused
 * (FAILED_PRECONDITION / INVALID_ARGUMENT) and nothing reaches the core. Accepted batches hop to the
 * driver's context; at most {@link PeerTransportOptions#maxInboundBatchesPending()} may wait there,
 * beyond which the server answers RESOURCE_EXHAUSTED (the sender reports us unreachable and Raft
 * retransmits), so a slow driver cannot make this queue grow without bound.
 */
final class PeerServer {
    private static final Logger LOG = LoggerFactory.getLogger(PeerServer.class);
    /**
     * Concurrent HTTP/2 streams a peer connection may open by default (a bare {@code new
     * Http2Settings()} means unlimited). A member uses at most two long-lived streams (appends,
     * control), its unary fallbacks ({@link PeerTransportOptions#maxBatchesInFlightPerPeer()} per
     * lane) and a snapshot.
     */
    static final int MAX_STREAMS_PER_CONNECTION = PeerPortLimits.defaults().maxStreamsPerConnection();

    private final Vertx vertx;
    private final Context driverContext;
    private final long selfId;
    private final long clusterId;
    private final PeerAddressResolver addresses;
    private final PeerInbound inbound;
    private final SnapshotSink snapshotSink;
    private final WorkerExecutor worker;
    private final TransportStats stats;
    private final PeerTransportOptions options;
    /** Mutual TLS and the member rules of io.raftkv.node.security; null when the port is plaintext. */
    private final PeerTls tls;

    private final AtomicInteger pendingBatches = new AtomicInteger();
    /** Refusals a remote host can cause at will are logged at most once a second. */
    private final WarningThrottle refusalWarnings = new WarningThrottle(1_000);

    private volatile PeerPortLimits limits = PeerPortLimits.defaults();
    /** Where members' alarm requests go; null: refused UNIMPLEMENTED. */
    private volatile AlarmReports alarmReports;

    private final StateHashHandlers stateHashes;

    private volatile ConnectionGuard guard;
    /** At most one snapshot is received at a time: this one. */
    private final AtomicReference<SnapshotReceiver> receiving = new AtomicReference<>();

    private HttpServer http;

    PeerServer(
            Vertx vertx,
            Context driverContext,
            long selfId,
            long clusterId,
            PeerAddressResolver addresses,
            PeerInbound inbound,
            SnapshotSink snapshotSink,
            WorkerExecutor worker,
            TransportStats stats,
            PeerTransportOptions options,
            PeerTls tlsOrNull) {
        this.vertx = vertx;
        this.tls = tlsOrNull;
        this.driverContext = driverContext;
        this.selfId = selfId;
        this.clusterId = clusterId;
        this.addresses = addresses;
        this.inbound = inbound;
        this.snapshotSink = snapshotSink;
        this.worker = worker;
        this.stats = stats;
        this.stateHashes = new StateHashHandlers(this, selfId);
        this.options = options;
    }

    /** Sets the port's limits; before {@link #listen} for the connection limits to apply. */
    void limits(PeerPortLimits limits) {
        this.limits = limits.validate();
    }

    PeerPortLimits limits() {
        return limits;
    }

    /** The peer port's connection admission (null before {@link #listen}). */
    ConnectionGuard guard() {
        return guard;
    }

    Future<Integer> listen(HostPort bind, Context servingContext) {
        PeerPortLimits limits = this.limits;
        guard = limits.connections().guard(vertx, "peer port");
        GrpcServer grpc =
                GrpcServer.server(vertx, new GrpcServerOptions().setMaxMessageSize(options.maxInboundMessageBytes()));
        grpc.callHandler(RaftPeerGrpcService.Send, this::handleSend);
        grpc.callHandler(RaftPeerGrpcService.Stream, this::handleStream);
        grpc.callHandler(RaftPeerGrpcService.InstallSnapshot, this::handleInstallSnapshot);
        grpc.callHandler(RaftPeerGrpcService.RaiseAlarm, this::handleRaiseAlarm);
        grpc.callHandler(RaftPeerGrpcService.StateHashAt, stateHashes::hashAt);
        grpc.callHandler(RaftPeerGrpcService.CorruptCheck, stateHashes::corruptCheck);
        HttpServerOptions httpOptions = new HttpServerOptions(); // idle connections: closed by the guard
        if (tls != null) {
            tls.secure(httpOptions);
        }
        http = vertx.createHttpServer(httpOptions
                .setHost(bind.host())
                .setPort(bind.port())
                .setTcpNoDelay(true)
                .setInitialSettings(new Http2Settings()
                        .setInitialWindowSize(PeerTransport.STREAM_WINDOW_BYTES)
                        .setMaxConcurrentStreams(limits.maxStreamsPerConnection()))
                .setHttp2ConnectionWindowSize(PeerTransport.CONNECTION_WINDOW_BYTES)
                .setHttp2ClearTextEnabled(true));
        // Listen from the serving context: Vert.x then serves every peer connection on that loop (the
        // node gives the port a loop of its own; never a client loop, so client load cannot delay it).
        Promise<Integer> bound = Promise.promise();
        http.connectionHandler(connection -> {
            if (guard.admit(connection)) {
                FlushCoalescing.install(connection);
                connection.closeHandler(v -> guard.closed(connection));
            }
        });
        servingContext.runOnContext(v -> http.requestHandler(req -> {
                    guard.requestSeen(req.connection());
                    grpc.handle(req);
                })
                .listen()
                .compose(server -> guard.attach(server).map(server.actualPort()))
                .onComplete(bound));
        return bound.future();
    }

    Future<Void> close() {
        return http == null ? Future.succeededFuture() : http.close();
    }

    private void handleSend(GrpcServerRequest<MessageBatch, SendAck> req) {
        PeerTls.Binding peer = tls == null ? null : tls.bind(req.connection());
        req.last().onSuccess(batch -> {
            Refusal refusal = accept(peer, batch);
            if (refusal != null) {
                reject(req, refusal.status(), refusal.message());
                return;
            }
            req.response().end(SendAck.newBuilder().setMemberId(selfId).build());
        });
    }

    void stateHashes(StateHashes port) {
        stateHashes.port(port);
    }

    void alarmReports(AlarmReports reports) {
        this.alarmReports = reports;
    }

    /**
     * A member asks this node, as leader, to raise an alarm for it: checked like a batch (member
     * binding under TLS, cluster id, destination), then proposed; answered once applied, or with
     * the error ({@link AlarmReports.Refused}'s status, else UNAVAILABLE).
     */
    private void handleRaiseAlarm(
            GrpcServerRequest<io.raftkv.api.peer.v1.RaiseAlarmRequest, io.raftkv.api.peer.v1.RaiseAlarmResponse> req) {
        PeerTls.Binding peer = tls == null ? null : tls.bind(req.connection());
        Context serving = Vertx.currentContext();
        req.last().onSuccess(r -> {
            String unauthorized = peer == null ? null : peer.refusal(r.getFrom());
            if (unauthorized != null) {
                reject(req, GrpcStatus.PERMISSION_DENIED, unauthorized);
                return;
            }
            String problem = checkHeader(r.getClusterId(), r.getTo());
            if (problem != null) {
                reject(req, GrpcStatus.FAILED_PRECONDITION, problem);
                return;
            }
            AlarmReports reports = alarmReports;
            if (reports == null) {
                reject(req, GrpcStatus.UNIMPLEMENTED, "member " + selfId + " takes no alarm reports");
                return;
            }
            Future<Void> raised;
            try {
                raised = reports.raise(r.getFrom(), r.getAlarmType());
            } catch (RuntimeException e) {
                raised = Future.failedFuture(e);
            }
            raised.onComplete(ar -> serving.runOnContext(v -> {
                if (ar.succeeded()) {
                    req.response()
                            .end(io.raftkv.api.peer.v1.RaiseAlarmResponse.newBuilder()
                                    .setMemberId(selfId)
                                    .build());
                } else if (ar.cause() instanceof AlarmReports.Refused refused) {
                    req.response()
                            .status(refused.status())
                            .statusMessage(refused.getMessage())
                            .end();
                } else {
                    req.response()
                            .status(GrpcStatus.UNAVAILABLE)
                            .statusMessage(String.valueOf(ar.cause().getMessage()))
                            .end();
                }
            }));
        });
    }

    /**
     * A long-lived stream of batches from one peer: each accepted batch is answered with one ack, in
     * order; the first refused batch ends the stream with the status {@code Send} would return, and
     * anything the peer writes after it is ignored.
     */
    private void handleStream(GrpcServerRequest<MessageBatch, SendAck> req) {
        long[] accepted = {0};
        boolean[] ended = {false};
        PeerTls.Binding peer = tls == null ? null : tls.bind(req.connection());
        req.handler(batch -> {
            if (ended[0]) {
                return;
            }
            Refusal refusal = accept(peer, batch);
            if (refusal != null) {
                ended[0] = true;
                reject(req, refusal.status(), refusal.message());
                return;
            }
            req.response()
                    .write(SendAck.newBuilder()
                            .setMemberId(selfId)
                            .setBatchesAccepted(++accepted[0])
                            .build());
        });
        req.endHandler(v -> {
            if (!ended[0]) {
                ended[0] = true;
                req.response().end();
            }
        });
        req.exceptionHandler(err -> {
            ended[0] = true; // reset by the sender (cancelled, deadline) or the connection closed
            LOG.debug("peer stream ended: {}", err.toString());
        });
    }

    private record Refusal(GrpcStatus status, String message) {}

    /**
     * Checks a received batch and hands its messages to the driver; null when accepted, else why it
     * was refused (nothing of a refused batch reaches the core).
     */
    private Refusal accept(PeerTls.Binding peer, MessageBatch batch) {
        String unauthorized = peer == null ? null : peer.refusal(batch.getFrom());
        if (unauthorized != null) {
            return new Refusal(GrpcStatus.PERMISSION_DENIED, unauthorized);
        }
        String problem = checkHeader(batch.getClusterId(), batch.getTo());
        if (problem != null) {
            return new Refusal(GrpcStatus.FAILED_PRECONDITION, problem);
        }
        List<Message> messages;
        try {
            messages = decode(batch);
        } catch (IllegalArgumentException e) {
            return new Refusal(GrpcStatus.INVALID_ARGUMENT, "batch from " + batch.getFrom() + ": " + e.getMessage());
        }
        if (pendingBatches.incrementAndGet() > options.maxInboundBatchesPending()) {
            pendingBatches.decrementAndGet();
            return new Refusal(
                    GrpcStatus.RESOURCE_EXHAUSTED,
                    "node " + selfId + " has " + options.maxInboundBatchesPending()
                            + " received batches waiting for its Raft loop");
        }
        stats.batchesReceived.increment();
        long from = batch.getFrom();
        String fromAddress = batch.getFromAddress();
        driverContext.runOnContext(v -> {
            pendingBatches.decrementAndGet();
            if (!fromAddress.isEmpty()) {
                addresses.announced(from, fromAddress);
            }
            inbound.onMessages(messages);
        });
        return null;
    }

    /** Null when {@code req}'s connection may speak for member {@code from} (always, without TLS), else why not. */
    String peerRefusal(GrpcServerRequest<?, ?> req, long from) {
        return tls == null ? null : tls.bind(req.connection()).refusal(from);
    }

    /** Null when a snapshot stream is for this node of this cluster, else why not. */
    String checkHeaderFor(long chunkClusterId, long to) {
        return checkHeader(chunkClusterId, to);
    }

    /** Null when the batch is for this node of this cluster, else why not. */
    private String checkHeader(long batchClusterId, long to) {
        if (batchClusterId != clusterId) {
            return "cluster id " + batchClusterId + " does not match this node's cluster id " + clusterId;
        }
        if (to != selfId) {
            return "batch addressed to member " + to + " reached member " + selfId;
        }
        return null;
    }

    private List<Message> decode(MessageBatch batch) {
        List<Message> out = new ArrayList<>(batch.getMessagesCount());
        for (var w : batch.getMessagesList()) {
            Message m = PeerMessageCodec.decode(w);
            // Requests the core relays to the leader (a follower forwarding a READ_INDEX, PROP or
            // TRANSFER_LEADER it received) keep their original sender, so the leader answers that
            // member directly; every other message must come from the batch's sender.
            boolean relayed = m.type() == MessageType.READ_INDEX
                    || m.type() == MessageType.PROP
                    || m.type() == MessageType.TRANSFER_LEADER;
            if ((m.from() != batch.getFrom() && !relayed) || m.to() != selfId) {
                throw new IllegalArgumentException(
                        "message " + m + " does not match batch " + batch.getFrom() + "->" + batch.getTo());
            }
            out.add(m);
        }
        return out;
    }

    void reject(GrpcServerRequest<?, ?> req, GrpcStatus status, String message) {
        stats.batchesRejected.increment();
        warnRefused("refused peer request", status, message);
        req.response().status(status).statusMessage(message).end();
    }

    /** Logs a refusal of a peer request, at most once a second (with how many were left out). */
    void warnRefused(String what, GrpcStatus status, String message) {
        long leftOut = refusalWarnings.admit();
        if (leftOut == 0) {
            LOG.warn("{}: {} {}", what, status, message);
        } else if (leftOut > 0) {
            LOG.warn("{}: {} {} ({} more refusals since the last one logged)", what, status, message, leftOut);
        }
    }

    /**
     * An InstallSnapshot stream. While a transfer that is not stalled holds the receive slot, the
     * stream is refused UNAVAILABLE as it opens, before any of it is read or decoded: a host that
     * holds the slot with a forged header and floods the port with more streams costs the peer
     * loop (which also carries the members' heartbeats and acks) as little as possible per stream.
     */
    private void handleInstallSnapshot(GrpcServerRequest<SnapshotChunk, SnapshotAck> req) {
        SnapshotReceiver current = receiving.get();
        if (current != null && current.stalledMillis() < snapshotStallMs()) {
            stats.snapshotsReceiveFailed.increment();
            String busy = busyMessage(current);
            warnRefused("snapshot transfer refused", GrpcStatus.UNAVAILABLE, busy);
            req.response().status(GrpcStatus.UNAVAILABLE).statusMessage(busy).end();
            return;
        }
        new SnapshotReceiver(req, this).start();
    }

    private String busyMessage(SnapshotReceiver current) {
        return "member " + selfId + " is already receiving a snapshot (last chunk " + current.stalledMillis()
                + " ms ago)";
    }

    // --- for SnapshotReceiver ---

    /**
     * Gives the receive slot to {@code r}, whose header passed every check: null when it has it,
     * else why not. A transfer stalled for {@link #snapshotStallMs()} or more is preempted.
     */
    String claimSnapshotSlot(SnapshotReceiver r) {
        while (true) {
            SnapshotReceiver current = receiving.get();
            if (current == null) {
                if (receiving.compareAndSet(null, r)) {
                    return null;
                }
            } else if (current.stalledMillis() >= snapshotStallMs()) {
                if (receiving.compareAndSet(current, r)) {
                    LOG.warn("a snapshot transfer stalled for {} ms gives way to a newer one", current.stalledMillis());
                    current.preempt();
                    return null;
                }
            } else {
                return busyMessage(current);
            }
        }
    }

    void snapshotFinished(SnapshotReceiver r) {
        receiving.compareAndSet(r, null);
    }

    /** Longest wait for the next chunk of a snapshot being received. */
    long snapshotChunkDeadlineMs() {
        return limits.snapshotChunkDeadline().toMillis();
    }

    /** A transfer without a chunk for this long gives its slot to a newer one. */
    long snapshotStallMs() {
        return limits.snapshotStall().toMillis();
    }

    /** For tests: shorter snapshot receive timeouts. */
    void snapshotTimeouts(long chunkDeadlineMs, long stallMs) {
        limits(limits.withSnapshotTimeouts(
                java.time.Duration.ofMillis(chunkDeadlineMs), java.time.Duration.ofMillis(stallMs)));
    }

    Vertx vertx() {
        return vertx;
    }

    long selfId() {
        return selfId;
    }

    Context driverContext() {
        return driverContext;
    }

    PeerInbound inbound() {
        return inbound;
    }

    SnapshotSink snapshotSink() {
        return snapshotSink;
    }

    WorkerExecutor worker() {
        return worker;
    }

    TransportStats stats() {
        return stats;
    }
}
