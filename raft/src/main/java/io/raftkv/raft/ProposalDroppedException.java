package io.raftkv.raft;

/**
 * A proposal, conf change, read-index request or transfer the core refused, with the reason. The
 * driver maps it to a client-visible error (NOT_LEADER with {@link #leaderHint()}, or UNAVAILABLE /
 * RESOURCE_EXHAUSTED).
 */
public final class ProposalDroppedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why the core refused. */
    public enum Reason {
        NOT_LEADER,
        NO_LEADER,
        LEADERSHIP_TRANSFER_IN_PROGRESS,
        CONF_CHANGE_PENDING,
        UNCOMMITTED_LIMIT_EXCEEDED,
        NOT_COMMITTED_IN_TERM,
        INVALID,
        /** The leader already has the maximum number of read-index requests waiting. */
        TOO_MANY_PENDING_READS
    }

    private final Reason reason;
    private final long leaderHint;

    public ProposalDroppedException(Reason reason, long leaderHint, String message) {
        super(message, null, false, false);
        this.reason = reason;
        this.leaderHint = leaderHint;
    }

    public Reason reason() {
        return reason;
    }

    /** The leader this node knows of, or {@link Raft#NONE}. */
    public long leaderHint() {
        return leaderHint;
    }
}
