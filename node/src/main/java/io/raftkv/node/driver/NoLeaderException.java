package io.raftkv.node.driver;

/**
 * The node refused the request before proposing it because it cannot reach a leader now: none is
 * known (an election is in progress), leadership is being transferred, or a new leader has not yet
 * committed an entry in its term. Nothing was proposed, so nothing was applied: a client may repeat
 * any request, writes included. Maps to UNAVAILABLE with reason {@code NO_LEADER}.
 */
public final class NoLeaderException extends RaftNodeException {
    private static final long serialVersionUID = 1L;

    public NoLeaderException(String message) {
        super(Code.NO_LEADER, message);
    }
}
