package io.raftkv.node.transport;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of the peer transport, read by the metrics binder (thread-safe: updated on the driver's
 * context and on peer-server threads). An optional {@link SendObserver} sees every {@code Send}
 * call's latency, for a per-peer latency timer.
 */
public final class TransportStats {
    /** Per-call hook for latency metrics; called on the driver's context, must not block. */
    @FunctionalInterface
    public interface SendObserver {
        void onSend(long peerId, long latencyNanos, boolean succeeded);
    }

    public final LongAdder messagesSent = new LongAdder();
    public final LongAdder messagesDropped = new LongAdder();
    public final LongAdder sendFailures = new LongAdder();
    /** {@code RaftPeer.Stream} calls opened to peers (one per peer while healthy). */
    public final LongAdder streamsOpened = new LongAdder();

    public final LongAdder batchesReceived = new LongAdder();
    public final LongAdder batchesRejected = new LongAdder();
    public final LongAdder snapshotsSent = new LongAdder();
    public final LongAdder snapshotsSendFailed = new LongAdder();
    public final LongAdder snapshotBytesSent = new LongAdder();
    public final LongAdder snapshotsReceived = new LongAdder();
    public final LongAdder snapshotsReceiveFailed = new LongAdder();
    public final LongAdder snapshotBytesReceived = new LongAdder();

    /** Per-heartbeat round trip hook; called on the driver's context, must not block. */
    @FunctionalInterface
    public interface RoundTripObserver {
        void onRoundTrip(long peerId, long nanos);
    }

    /** Per-snapshot hook (sent to or received from a peer); must not block. */
    @FunctionalInterface
    public interface SnapshotObserver {
        void onSnapshot(boolean sent, long bytes, long nanos, boolean succeeded);
    }

    private volatile SendObserver observer = (peer, nanos, ok) -> {};
    private volatile RoundTripObserver roundTrips = (peer, nanos) -> {};
    private volatile SnapshotObserver snapshots = (sent, bytes, nanos, ok) -> {};

    public void setRoundTripObserver(RoundTripObserver observer) {
        this.roundTrips = observer == null ? (peer, nanos) -> {} : observer;
    }

    public void setSnapshotObserver(SnapshotObserver observer) {
        this.snapshots = observer == null ? (sent, bytes, nanos, ok) -> {} : observer;
    }

    void observeRoundTrip(long peerId, long nanos) {
        roundTrips.onRoundTrip(peerId, nanos);
    }

    void observeSnapshot(boolean sent, long bytes, long nanos, boolean succeeded) {
        snapshots.onSnapshot(sent, bytes, nanos, succeeded);
    }

    public void setSendObserver(SendObserver observer) {
        this.observer = observer == null ? (peer, nanos, ok) -> {} : observer;
    }

    void observeSend(long peerId, long latencyNanos, boolean succeeded) {
        if (!succeeded) {
            sendFailures.increment();
        }
        observer.onSend(peerId, latencyNanos, succeeded);
    }
}
