package io.raftkv.node.driver;

/**
 * The node cannot serve the request now: no leader or quorum, storage failed (latch tripped), node
 * shutting down, or — for a write — leadership was lost before the outcome was known. Maps to
 * UNAVAILABLE; the message says which.
 */
public final class UnavailableException extends RaftNodeException {
    private static final long serialVersionUID = 1L;

    public UnavailableException(String message) {
        super(Code.UNAVAILABLE, message);
    }

    public UnavailableException(String message, Throwable cause) {
        super(Code.UNAVAILABLE, message, cause);
    }
}
