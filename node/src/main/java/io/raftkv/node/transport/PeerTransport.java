package io.raftkv.node.transport;

import io.raftkv.api.net.FlushCoalescing;
import io.raftkv.api.peer.v1.MessageBatch;
import io.raftkv.api.peer.v1.RaftPeerGrpcClient;
import io.raftkv.node.net.HostPort;
import io.raftkv.node.security.PeerTls;
import io.raftkv.raft.Message;
import io.raftkv.raft.MessageType;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Node-to-node Raft transport over Vert.x gRPC ({@code raftkv.peer.v1.RaftPeer}).
 *
 * <p>Outbound: {@link #send(List)} is called on the driver's context and hands the messages to the outbound context (below); each goes to its
 * peer's {@link PeerChannel} (bounded queue, batches pipelined over one long-lived {@code Stream}
 * call per peer, each batch with a deadline for its ack), except SNAP messages, whose snapshot data is streamed by {@link SnapshotStreamer}.
 * Inbound: {@link PeerServer} listens on the peer port, checks cluster id and destination, and
 * hands messages to {@link PeerInbound} on the driver's context.
 *
 * <p>Threading: every outbound structure ({@link PeerChannel}, {@link PeerStream},
 * {@link SnapshotStreamer}) is confined to the <b>outbound context</b>, so nothing here is locked.
 * A node gives it an event loop of its own ({@link #useOutboundContext}), so the Raft loop does no
 * peer I/O: {@link #send} only hands the messages over (a bounded hand-off of
 * {@link PeerTransportOptions#maxQueuedMessagesPerPeer()} messages in transit; beyond it they are
 * dropped and their peers reported unreachable, and Raft retransmits), and the outbound loop
 * encodes, frames, writes and takes the acknowledgements; what the driver must hear
 * (unreachable peers, snapshot outcomes) hops back to the driver's context. gRPC calls run their
 * callbacks on the context that made them, the outbound one. Without {@code useOutboundContext}
 * the outbound context is the driver's (as in unit tests).
 */
public final class PeerTransport {
    /**
     * HTTP/2 flow-control windows of peer connections, both directions. All appends to a peer share
     * one stream, so its window (HTTP/2's default is 64 KiB) would otherwise cap a catching-up
     * follower at 64 KiB per round trip; 1 MiB allows ~1 GB/s at a 1 ms round trip. Not larger:
     * what a window admits may sit in buffers on both nodes (4 MiB windows showed no gain in the
     * benchmarks). The connection window also admits a snapshot stream.
     */
    static final int STREAM_WINDOW_BYTES = 1 << 20;

    static final int CONNECTION_WINDOW_BYTES = 2 << 20;

    private final Vertx vertx;
    private final Context driverContext;
    private final long selfId;
    private final long clusterId;
    private final String advertisedPeerAddress;
    private final PeerAddressResolver addresses;
    private final PeerInbound inbound;
    private final PeerTransportOptions options;
    private final TransportStats stats = new TransportStats();
    private final HeartbeatRoundTrips roundTrips = new HeartbeatRoundTrips(stats);
    /** Per peer: appends and everything else that may be large or bulky. */
    private final Map<Long, PeerChannel> channels = new HashMap<>();
    /**
     * Per peer: the small messages whose delay costs elections or read latency ({@link #isControl}),
     * on a stream and in-flight window of their own, so they never wait behind megabytes of appends
     * (etcd's rafthttp keeps its "message" stream apart from its "msgappv2" stream the same way).
     */
    private final Map<Long, PeerChannel> controlChannels = new HashMap<>();

    private final GrpcClient client;
    private final WorkerExecutor snapshotWorker;
    private final SnapshotStreamer snapshotStreamer;
    private final PeerServer server;
    private volatile boolean closed;
    /** Where outbound traffic runs; the driver's context unless {@link #useOutboundContext} says otherwise. */
    private volatile Context outbound;
    /** Messages handed from the driver to the outbound context and not yet queued there. */
    private final java.util.concurrent.atomic.AtomicInteger inTransit = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * @param driverContext         the context owning the Raft core; all callbacks run there
     * @param advertisedPeerAddress this node's peer address as others should dial it ("" if unknown)
     */
    public PeerTransport(
            Vertx vertx,
            Context driverContext,
            long selfId,
            long clusterId,
            String advertisedPeerAddress,
            PeerAddressResolver addresses,
            PeerInbound inbound,
            SnapshotSource snapshotSource,
            SnapshotSink snapshotSink,
            PeerTransportOptions options) {
        this(
                vertx,
                driverContext,
                selfId,
                clusterId,
                advertisedPeerAddress,
                addresses,
                inbound,
                snapshotSource,
                snapshotSink,
                options,
                null);
    }

    /** As above, over mutual TLS when {@code tlsOrNull} is given (see {@link PeerTls}). */
    public PeerTransport(
            Vertx vertx,
            Context driverContext,
            long selfId,
            long clusterId,
            String advertisedPeerAddress,
            PeerAddressResolver addresses,
            PeerInbound inbound,
            SnapshotSource snapshotSource,
            SnapshotSink snapshotSink,
            PeerTransportOptions options,
            PeerTls tlsOrNull) {
        this.vertx = Objects.requireNonNull(vertx);
        this.driverContext = Objects.requireNonNull(driverContext);
        this.selfId = selfId;
        this.clusterId = clusterId;
        this.advertisedPeerAddress = advertisedPeerAddress == null ? "" : advertisedPeerAddress;
        this.addresses = Objects.requireNonNull(addresses);
        this.inbound = timingHeartbeats(Objects.requireNonNull(inbound));
        this.options = Objects.requireNonNull(options);
        this.outbound = driverContext;
        HttpClientOptions http = new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false)
                .setConnectTimeout(options.connectTimeoutMs())
                .setHttp2KeepAliveTimeout(60)
                .setInitialSettings(new Http2Settings().setInitialWindowSize(STREAM_WINDOW_BYTES))
                .setHttp2ConnectionWindowSize(CONNECTION_WINDOW_BYTES)
                .setTcpNoDelay(true);
        if (tlsOrNull != null) {
            tlsOrNull.secure(http);
        }
        this.client = FlushCoalescing.grpcClient(
                vertx,
                new GrpcClientOptions()
                        .setScheduleDeadlineAutomatically(true)
                        .setMaxMessageSize(options.maxBatchBytes() * 2 + (1 << 20)),
                http);
        this.snapshotWorker = vertx.createSharedWorkerExecutor("raftkv-snapshot-transfer-" + selfId, 2);
        this.snapshotStreamer = new SnapshotStreamer(this, snapshotSource, snapshotWorker, options);
        this.server = new PeerServer(
                vertx,
                driverContext,
                selfId,
                clusterId,
                addresses,
                this.inbound,
                snapshotSink,
                snapshotWorker,
                stats,
                options,
                tlsOrNull);
    }

    /** {@code inbound}, with heartbeat responses timed against the heartbeats sent ({@link HeartbeatRoundTrips}). */
    private PeerInbound timingHeartbeats(PeerInbound inbound) {
        return new PeerInbound() {
            @Override
            public void onMessages(List<Message> messages) {
                roundTrips.onReceived(messages, System.nanoTime());
                inbound.onMessages(messages);
            }

            @Override
            public void onUnreachable(long peerId) {
                inbound.onUnreachable(peerId);
            }

            @Override
            public void onSnapshotSent(long peerId, boolean succeeded) {
                inbound.onSnapshotSent(peerId, succeeded);
            }

            @Override
            public void onSnapshotInstalled(Message snap) {
                inbound.onSnapshotInstalled(snap);
            }
        };
    }

    /**
     * Runs all outbound peer traffic on {@code context} (an event loop other than the driver's),
     * so the Raft loop only hands messages over; call before the first {@link #send}.
     */
    public PeerTransport useOutboundContext(Context context) {
        this.outbound = Objects.requireNonNull(context, "context");
        return this;
    }

    /** The context outbound peer traffic runs on. */
    public Context outboundContext() {
        return outbound;
    }

    /** Sets the peer port's limits (the flags'); call before {@link #start}. */
    public PeerTransport withPortLimits(PeerPortLimits limits) {
        server.limits(limits);
        return this;
    }

    /** Starts the peer server on {@code bind}, served on the driver's context; completes with the bound port. */
    public Future<Integer> start(HostPort bind) {
        return server.listen(bind, driverContext);
    }

    /**
     * Starts the peer server on {@code bind}, served on {@code servingContext} (an event loop other
     * than the driver's: received batches are decoded and checked there and only their messages hop
     * to the driver); completes with the bound port (useful with port 0).
     */
    public Future<Integer> start(HostPort bind, Context servingContext) {
        return server.listen(bind, servingContext);
    }

    /**
     * Queues messages for delivery. Must be called on the driver's context. Never blocks; a message
     * that cannot be queued is dropped and its peer reported unreachable.
     */
    public void send(List<Message> messages) {
        if (closed) {
            return;
        }
        long now = System.nanoTime();
        for (Message m : messages) {
            roundTrips.onSent(m, now);
            if (m.to() == selfId) {
                throw new IllegalStateException("message to self reached the transport: " + m);
            }
        }
        Context out = outbound;
        if (out == driverContext) {
            deliver(messages);
            return;
        }
        int n = messages.size();
        if (inTransit.addAndGet(n) > options.maxQueuedMessagesPerPeer()) {
            inTransit.addAndGet(-n);
            stats.messagesDropped.add(n);
            messages.stream().mapToLong(Message::to).distinct().forEach(inbound::onUnreachable);
            return;
        }
        List<Message> handed = List.copyOf(messages);
        out.runOnContext(v -> {
            inTransit.addAndGet(-n);
            if (!closed) {
                deliver(handed);
            }
        });
    }

    /** Messages handed to the outbound context and not yet queued there (bounded, see {@link #send}). */
    public int inTransit() {
        return inTransit.get();
    }

    /** Queues {@code messages} on their peers' channels, or streams a snapshot; outbound context. */
    private void deliver(List<Message> messages) {
        for (Message m : messages) {
            if (m.type() == MessageType.SNAP) {
                snapshotStreamer.stream(m);
            } else {
                (isControl(m.type()) ? controlChannels : channels)
                        .computeIfAbsent(m.to(), id -> new PeerChannel(id, this, options))
                        .enqueue(m);
            }
        }
    }

    /** Heartbeats, votes, leadership transfer and ReadIndex: small, and late only at a price. */
    static boolean isControl(MessageType type) {
        return switch (type) {
            case HEARTBEAT,
                    HEARTBEAT_RESP,
                    PRE_VOTE,
                    PRE_VOTE_RESP,
                    VOTE,
                    VOTE_RESP,
                    TIMEOUT_NOW,
                    READ_INDEX,
                    READ_INDEX_RESP -> true;
            default -> false;
        };
    }

    /** Forgets a removed member: its queued messages are dropped. Driver context only. */
    public void removePeer(long peerId) {
        roundTrips.forget(peerId);
        onOutbound(() -> {
            for (Map<Long, PeerChannel> lane : List.of(channels, controlChannels)) {
                PeerChannel c = lane.remove(peerId);
                if (c != null) {
                    c.close();
                }
            }
        });
    }

    /** Runs {@code action} on the outbound context (at once when already there). */
    private void onOutbound(Runnable action) {
        Context out = outbound;
        if (io.vertx.core.Vertx.currentContext() == out) {
            action.run();
        } else {
            out.runOnContext(v -> action.run());
        }
    }

    /** Messages waiting for {@code peerId} (both lanes); for status and tests. Outbound context only. */
    public int queuedFor(long peerId) {
        PeerChannel c = channels.get(peerId);
        PeerChannel control = controlChannels.get(peerId);
        return (c == null ? 0 : c.queued()) + (control == null ? 0 : control.queued());
    }

    /** For tests: shorter snapshot receive timeouts (chunk deadline, stall before preemption). */
    void snapshotReceiveTimeouts(long chunkDeadlineMs, long stallMs) {
        server.snapshotTimeouts(chunkDeadlineMs, stallMs);
    }

    /** Where members' requests to raise an alarm go ({@code RaftPeer.RaiseAlarm}); unset: UNIMPLEMENTED. */
    public PeerTransport onAlarmReports(AlarmReports reports) {
        server.alarmReports(reports);
        return this;
    }

    /**
     * Asks member {@code leaderId} (the leader) to raise alarm {@code alarmCode} for this member,
     * on the outbound context and under the send deadline.
     *
     * @return completes once the leader applied it; fails with the leader's status otherwise
     */
    public Future<Void> raiseAlarmAt(long leaderId, int alarmCode) {
        io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
        onOutbound(() -> {
            String address = addresses.peerAddress(leaderId);
            if (address == null || closed) {
                done.fail(new IllegalStateException("no peer address known for member " + leaderId));
                return;
            }
            io.raftkv.api.peer.v1.RaiseAlarmRequest request = io.raftkv.api.peer.v1.RaiseAlarmRequest.newBuilder()
                    .setClusterId(clusterId)
                    .setFrom(selfId)
                    .setTo(leaderId)
                    .setAlarmType(alarmCode)
                    .build();
            try {
                client.request(HostPort.parse(address).toSocketAddress(), RaftPeerGrpcClient.RaiseAlarm)
                        .compose(req -> {
                            req.timeout(options.sendDeadlineMs(), java.util.concurrent.TimeUnit.MILLISECONDS);
                            return req.send(request).compose(io.vertx.grpc.client.GrpcClientResponse::last);
                        })
                        .<Void>mapEmpty()
                        .onComplete(done);
            } catch (RuntimeException e) {
                done.fail(e); // the client closed under us, or a bad address
            }
        });
        return done.future();
    }

    /** Where the corruption check's calls go ({@code RaftPeer.StateHashAt}, {@code CorruptCheck}); unset: UNIMPLEMENTED. */
    public PeerTransport onStateHashes(StateHashes port) {
        server.stateHashes(port);
        return this;
    }

    /**
     * Member {@code memberId}'s state hash right after entry {@code index} (a hash point of the
     * corruption check), under {@code deadlineMs}; on the outbound context.
     */
    public Future<Long> stateHashAt(long memberId, long index, long deadlineMs) {
        return call(
                        memberId,
                        RaftPeerGrpcClient.StateHashAt,
                        io.raftkv.api.peer.v1.StateHashAtRequest.newBuilder()
                                .setClusterId(clusterId)
                                .setFrom(selfId)
                                .setTo(memberId)
                                .setIndex(index)
                                .build(),
                        deadlineMs)
                .map(io.raftkv.api.peer.v1.StateHashAtResponse::getHash);
    }

    /** Asks leader {@code leaderId} to run the corruption check now, under {@code deadlineMs}. */
    public Future<StateHashes.Outcome> requestCorruptCheck(long leaderId, long deadlineMs) {
        return call(
                        leaderId,
                        RaftPeerGrpcClient.CorruptCheck,
                        io.raftkv.api.peer.v1.CorruptCheckRequest.newBuilder()
                                .setClusterId(clusterId)
                                .setFrom(selfId)
                                .setTo(leaderId)
                                .build(),
                        deadlineMs)
                .map(r -> new StateHashes.Outcome(r.getIndex(), r.getCorruptList(), r.getCompared()));
    }

    private <Q, A> Future<A> call(
            long memberId, io.vertx.grpc.common.ServiceMethod<A, Q> method, Q request, long deadlineMs) {
        io.vertx.core.Promise<A> done = io.vertx.core.Promise.promise();
        onOutbound(() -> {
            String address = addresses.peerAddress(memberId);
            if (address == null || closed) {
                done.fail(new IllegalStateException("no peer address known for member " + memberId));
                return;
            }
            try {
                client.request(HostPort.parse(address).toSocketAddress(), method)
                        .compose(req -> {
                            req.timeout(deadlineMs, java.util.concurrent.TimeUnit.MILLISECONDS);
                            return req.send(request).compose(io.vertx.grpc.client.GrpcClientResponse::last);
                        })
                        .onComplete(done);
            } catch (RuntimeException e) {
                done.fail(e); // the client closed under us, or a bad address
            }
        });
        return done.future();
    }

    /** The peer port's connection admission, for its metrics (null before {@link #start}). */
    public io.raftkv.node.net.ConnectionGuard connectionGuard() {
        return server.guard();
    }

    public TransportStats stats() {
        return stats;
    }

    /** Stops the server and the client; queued messages are dropped. */
    public Future<Void> close() {
        closed = true;
        io.vertx.core.Promise<Void> channelsClosed = io.vertx.core.Promise.promise();
        onOutbound(() -> {
            channels.values().forEach(PeerChannel::close);
            channels.clear();
            controlChannels.values().forEach(PeerChannel::close);
            controlChannels.clear();
            channelsClosed.complete();
        });
        return channelsClosed
                .future()
                .eventually(server::close)
                .eventually(client::close)
                .eventually(snapshotWorker::close)
                .mapEmpty();
    }

    // --- used by PeerChannel and SnapshotStreamer (outbound context) ---

    /** Tells the driver, on its context, that {@code peerId} could not be reached. */
    void reportUnreachable(long peerId) {
        onDriver(() -> inbound.onUnreachable(peerId));
    }

    void reportSnapshotSent(long peerId, boolean succeeded) {
        onDriver(() -> inbound.onSnapshotSent(peerId, succeeded));
    }

    private void onDriver(Runnable report) {
        if (closed) {
            return;
        }
        if (io.vertx.core.Vertx.currentContext() == driverContext) {
            report.run();
        } else {
            driverContext.runOnContext(v -> {
                if (!closed) {
                    report.run();
                }
            });
        }
    }

    MessageBatch.Builder batchHeader(long to) {
        return MessageBatch.newBuilder()
                .setClusterId(clusterId)
                .setFrom(selfId)
                .setTo(to)
                .setFromAddress(advertisedPeerAddress);
    }

    long clusterId() {
        return clusterId;
    }

    long selfId() {
        return selfId;
    }

    GrpcClient client() {
        return client;
    }

    PeerAddressResolver addresses() {
        return addresses;
    }

    Context driverContext() {
        return driverContext;
    }

    Vertx vertx() {
        return vertx;
    }
}
