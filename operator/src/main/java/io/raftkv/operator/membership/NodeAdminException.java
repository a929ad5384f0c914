package io.raftkv.operator.membership;

/**
 * A {@link NodeAdmin} call failed. {@link #reason()} says why in terms the orchestration acts
 * on; for {@link Reason#NOT_LEADER} the leader hint travels along.
 */
public final class NodeAdminException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why a call failed. */
    public enum Reason {
        /** The node does not lead; {@link #leaderId()} / {@link #leaderAddress()} may say who does. */
        NOT_LEADER,
        /** A learner cannot be promoted yet: it lags the leader. */
        LEARNER_NOT_CAUGHT_UP,
        /** Another membership change is still being applied: one at a time. */
        CHANGE_IN_PROGRESS,
        /** No member with the id. */
        UNKNOWN_MEMBER,
        /** No leader, no quorum, or the node cannot be reached. */
        UNAVAILABLE,
        /**
         * The deadline passed first, or a leader change dropped the proposal: the change may or may
         * not have happened. The next reconciliation reads the membership and decides again.
         */
        OUTCOME_UNKNOWN,
        /** The node refused the request as invalid. */
        INVALID_REQUEST,
        /** Anything else (a bug, corruption, an unexpected status). */
        OTHER
    }

    private final Reason reason;
    private final long leaderId;
    private final String leaderAddress;

    public NodeAdminException(Reason reason, String message) {
        this(reason, message, 0, "", null);
    }

    public NodeAdminException(Reason reason, String message, long leaderId, String leaderAddress, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.leaderId = leaderId;
        this.leaderAddress = leaderAddress == null ? "" : leaderAddress;
    }

    public Reason reason() {
        return reason;
    }

    /** The leader's member id for NOT_LEADER, 0 when unknown. */
    public long leaderId() {
        return leaderId;
    }

    /** The leader's client address for NOT_LEADER, empty when unknown. */
    public String leaderAddress() {
        return leaderAddress;
    }
}
