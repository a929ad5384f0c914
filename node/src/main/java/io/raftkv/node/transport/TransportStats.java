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

    private volatile SendObserver observer = (peer, nanos, ok) -> { };

    public void setSendObserver(SendObserver observer) {
        this.observer = observer == null ? (peer, nanos, ok) -> { } : observer;
    }

    void observeSend(long peerId, long latencyNanos, boolean succeeded) {
        if (!succeeded) {
            sendFailures.increment();
        }
        observer.onSend(peerId, latencyNanos, succeeded);
    }
}
