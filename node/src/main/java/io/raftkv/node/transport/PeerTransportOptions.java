package io.raftkv.node.transport;

/**
 * Limits of the peer transport. Every queue is bounded and every call has a deadline.
 *
 * @param maxQueuedMessagesPerPeer  outbound messages waiting for one peer; beyond it new messages
 *                                  are dropped and the peer reported unreachable (Raft retransmits)
 * @param maxBatchesInFlightPerPeer {@code Send} calls outstanding to one peer (pipelining depth)
 * @param maxBatchBytes             approximate payload bytes per {@code Send} batch (at least one
 *                                  message is always sent, however large)
 * @param sendDeadlineMs            deadline of one {@code Send} call
 * @param connectTimeoutMs          TCP connect timeout
 * @param snapshotDeadlineMs        deadline of a whole InstallSnapshot stream
 * @param maxInboundBatchesPending  received batches handed to the driver but not yet stepped;
 *                                  beyond it the server answers RESOURCE_EXHAUSTED
 */
public record PeerTransportOptions(
        int maxQueuedMessagesPerPeer,
        int maxBatchesInFlightPerPeer,
        long maxBatchBytes,
        long sendDeadlineMs,
        int connectTimeoutMs,
        long snapshotDeadlineMs,
        int maxInboundBatchesPending) {

    public static final PeerTransportOptions DEFAULTS =
            new PeerTransportOptions(8192, 4, 4L << 20, 2_000, 1_000, 600_000, 4096);

    public PeerTransportOptions {
        requirePositive("maxQueuedMessagesPerPeer", maxQueuedMessagesPerPeer);
        requirePositive("maxBatchesInFlightPerPeer", maxBatchesInFlightPerPeer);
        requirePositive("maxBatchBytes", maxBatchBytes);
        requirePositive("sendDeadlineMs", sendDeadlineMs);
        requirePositive("connectTimeoutMs", connectTimeoutMs);
        requirePositive("snapshotDeadlineMs", snapshotDeadlineMs);
        requirePositive("maxInboundBatchesPending", maxInboundBatchesPending);
    }

    private static void requirePositive(String name, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, got " + value);
        }
    }
}
