package io.raftkv.node.driver;

/**
 * The operation must run on the leader and this node is not it. The server answers
 * FAILED_PRECONDITION carrying the hint (or forwards the request to {@link #leaderClientAddress()}).
 */
public final class NotLeaderException extends RaftNodeException {
    private static final long serialVersionUID = 1L;

    private final long leaderId;
    private final String leaderClientAddress;

    /**
     * @param leaderId            the leader this node knows of, or 0 when none is known
     * @param leaderClientAddress its client address ({@code host:port}), or "" when unknown
     */
    public NotLeaderException(long leaderId, String leaderClientAddress) {
        super(
                Code.NOT_LEADER,
                leaderId == 0
                        ? "not the leader; no leader is known"
                        : "not the leader; leader is " + leaderId
                                + (leaderClientAddress.isEmpty() ? "" : " at " + leaderClientAddress));
        this.leaderId = leaderId;
        this.leaderClientAddress = leaderClientAddress == null ? "" : leaderClientAddress;
    }

    /** The known leader's id, or 0. */
    public long leaderId() {
        return leaderId;
    }

    /** The known leader's client address, or "" when unknown. */
    public String leaderClientAddress() {
        return leaderClientAddress;
    }
}
