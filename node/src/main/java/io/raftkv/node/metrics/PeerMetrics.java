package io.raftkv.node.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.raftkv.node.transport.TransportStats;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Latency and errors of the Raft peer transport. The transport reports each batch it sends
 * through {@link #recordSend(long, long, boolean)}, which has the shape of
 * {@link TransportStats.SendObserver}, so wiring is one line:
 * {@code transportStats.setSendObserver(peerMetrics::recordSend)}. The transport's own counters are
 * bound with {@link #bindTransportStats(TransportStats)}.
 *
 * <p>Series are per peer id: bounded by the number of members the node has ever talked to since
 * start. Thread-safe; {@link #recordSend} does not block.
 */
public final class PeerMetrics extends MeterGroup {
    /** Strong reference to the stats the function counters read (they hold it weakly). */
    private TransportStats boundStats;

    private final Map<Long, PeerMeters> peers = new ConcurrentHashMap<>();

    private record PeerMeters(Timer ok, Timer error, Counter errors, Timer roundTrip) {}

    public PeerMetrics(MeterRegistry registry) {
        super(registry);
    }

    /**
     * Records one send to {@code peerId}.
     *
     * @param latencyNanos time from handing the batch to gRPC until its answer or failure
     * @param succeeded    whether the peer acknowledged it
     */
    public void recordSend(long peerId, long latencyNanos, boolean succeeded) {
        PeerMeters m = peers.computeIfAbsent(peerId, this::register);
        if (succeeded) {
            m.ok.record(latencyNanos, TimeUnit.NANOSECONDS);
        } else {
            m.error.record(latencyNanos, TimeUnit.NANOSECONDS);
            m.errors.increment();
        }
    }

    private PeerMeters register(long peerId) {
        String peer = Long.toUnsignedString(peerId);
        return new PeerMeters(
                timer(peer, "ok"),
                timer(peer, "error"),
                track(Counter.builder(RaftKvMeters.PEER_RPC_ERRORS.name())
                        .description(RaftKvMeters.PEER_RPC_ERRORS.description())
                        .tag("peer", peer)
                        .register(registry)),
                track(LatencyBuckets.timer(
                        registry, RaftKvMeters.PEER_ROUND_TRIP, Tags.of("peer", peer), LatencyBuckets.FAST)));
    }

    private Timer timer(String peer, String outcome) {
        return track(LatencyBuckets.timer(
                registry,
                RaftKvMeters.PEER_RPC_DURATION,
                Tags.of("peer", peer, "outcome", outcome),
                LatencyBuckets.FAST));
    }

    /**
     * Records one heartbeat round trip to {@code peerId}; the shape of
     * {@link TransportStats.RoundTripObserver}.
     */
    public void recordRoundTrip(long peerId, long nanos) {
        peers.computeIfAbsent(peerId, this::register).roundTrip.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Heartbeat round trips to {@code peerId} recorded so far. */
    public long roundTripCount(long peerId) {
        PeerMeters m = peers.get(peerId);
        return m == null ? 0 : m.roundTrip.count();
    }

    /** Publishes the transport's counters (read at scrape time). */
    public PeerMetrics bindTransportStats(TransportStats stats) {
        // FunctionCounters only hold their source weakly: keep the stats alive as long as we are.
        this.boundStats = stats;
        stats.setRoundTripObserver(this::recordRoundTrip);
        counter(RaftKvMeters.PEER_MESSAGES_SENT, stats.messagesSent, null);
        counter(RaftKvMeters.PEER_MESSAGES_DROPPED, stats.messagesDropped, null);
        counter(RaftKvMeters.PEER_STREAMS_OPENED, stats.streamsOpened, null);
        counter(RaftKvMeters.PEER_BATCHES_RECEIVED, stats.batchesReceived, null);
        counter(RaftKvMeters.PEER_BATCHES_REJECTED, stats.batchesRejected, null);
        counter(RaftKvMeters.PEER_SNAPSHOTS, stats.snapshotsSent, new String[] {"direction", "sent", "outcome", "ok"});
        counter(RaftKvMeters.PEER_SNAPSHOTS, stats.snapshotsSendFailed, new String[] {
            "direction", "sent", "outcome", "error"
        });
        counter(RaftKvMeters.PEER_SNAPSHOTS, stats.snapshotsReceived, new String[] {
            "direction", "received", "outcome", "ok"
        });
        counter(RaftKvMeters.PEER_SNAPSHOTS, stats.snapshotsReceiveFailed, new String[] {
            "direction", "received", "outcome", "error"
        });
        bytesCounter(stats.snapshotBytesSent, "sent");
        bytesCounter(stats.snapshotBytesReceived, "received");
        return this;
    }

    private void counter(RaftKvMeters.Meter meter, LongAdder adder, String[] tags) {
        FunctionCounter.Builder<LongAdder> b = FunctionCounter.builder(meter.name(), adder, LongAdder::doubleValue)
                .description(meter.description());
        if (tags != null) {
            b.tags(tags);
        }
        track(b.register(registry));
    }

    private void bytesCounter(LongAdder adder, String direction) {
        track(FunctionCounter.builder(RaftKvMeters.PEER_SNAPSHOT_BYTES.name(), adder, LongAdder::doubleValue)
                .description(RaftKvMeters.PEER_SNAPSHOT_BYTES.description())
                .baseUnit("bytes")
                .tag("direction", direction)
                .register(registry));
    }

    /** Failed sends to {@code peerId} recorded so far. */
    public double errorCount(long peerId) {
        PeerMeters m = peers.get(peerId);
        return m == null ? 0 : m.errors.count();
    }

    /** Successful sends to {@code peerId} recorded so far. */
    public long okCount(long peerId) {
        PeerMeters m = peers.get(peerId);
        return m == null ? 0 : m.ok.count();
    }
}
