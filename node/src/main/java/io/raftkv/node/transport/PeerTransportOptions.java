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
 * @param maxMessageBytes           the largest single Raft message this cluster sends, encoded: an
 *                                  append carries at most the core's bytes per message, or one entry
 *                                  however large, and an entry is at most a client request
 *                                  ({@code --max-request-bytes}) plus its command framing. The peer
 *                                  port refuses gRPC messages larger than {@link #maxInboundMessageBytes()}
 */
public record PeerTransportOptions(
        int maxQueuedMessagesPerPeer,
        int maxBatchesInFlightPerPeer,
        long maxBatchBytes,
        long sendDeadlineMs,
        int connectTimeoutMs,
        long snapshotDeadlineMs,
        int maxInboundBatchesPending,
        long maxMessageBytes) {

    /** Framing beyond the messages themselves: batch header, per-message and per-entry overhead. */
    static final long FRAMING_SLACK_BYTES = 64 * 1024;
    /** What a default node sends at most in one message: a 4 MiB request's entry plus framing. */
    public static final long DEFAULT_MAX_MESSAGE_BYTES = (4L << 20) + FRAMING_SLACK_BYTES;

    public static final PeerTransportOptions DEFAULTS =
            new PeerTransportOptions(8192, 4, 4L << 20, 2_000, 1_000, 600_000, 4096);

    /** With {@link #DEFAULT_MAX_MESSAGE_BYTES}. */
    public PeerTransportOptions(
            int maxQueuedMessagesPerPeer,
            int maxBatchesInFlightPerPeer,
            long maxBatchBytes,
            long sendDeadlineMs,
            int connectTimeoutMs,
            long snapshotDeadlineMs,
            int maxInboundBatchesPending) {
        this(
                maxQueuedMessagesPerPeer,
                maxBatchesInFlightPerPeer,
                maxBatchBytes,
                sendDeadlineMs,
                connectTimeoutMs,
                snapshotDeadlineMs,
                maxInboundBatchesPending,
                DEFAULT_MAX_MESSAGE_BYTES);
    }

    /** These options for a node whose clients may send requests of up to {@code maxRequestBytes}. */
    public PeerTransportOptions forMaxRequestBytes(long maxRequestBytes, long maxSizePerMsgBytes) {
        return new PeerTransportOptions(
                maxQueuedMessagesPerPeer,
                maxBatchesInFlightPerPeer,
                maxBatchBytes,
                sendDeadlineMs,
                connectTimeoutMs,
                snapshotDeadlineMs,
                maxInboundBatchesPending,
                Math.max(maxRequestBytes, maxSizePerMsgBytes) + FRAMING_SLACK_BYTES);
    }

    /**
     * The largest gRPC message the peer port accepts: a batch is at most {@link #maxBatchBytes()}
     * of encoded messages, or one larger message alone (at most {@link #maxMessageBytes()}), plus
     * the batch's header.
     */
    public long maxInboundMessageBytes() {
        return Math.max(maxBatchBytes, maxMessageBytes) + FRAMING_SLACK_BYTES;
    }

    public PeerTransportOptions {
        requirePositive("maxQueuedMessagesPerPeer", maxQueuedMessagesPerPeer);
        requirePositive("maxBatchesInFlightPerPeer", maxBatchesInFlightPerPeer);
        requirePositive("maxBatchBytes", maxBatchBytes);
        requirePositive("sendDeadlineMs", sendDeadlineMs);
        requirePositive("connectTimeoutMs", connectTimeoutMs);
        requirePositive("snapshotDeadlineMs", snapshotDeadlineMs);
        requirePositive("maxInboundBatchesPending", maxInboundBatchesPending);
        requirePositive("maxMessageBytes", maxMessageBytes);
    }

    private static void requirePositive(String name, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, got " + value);
        }
    }
}
