package io.raftkv.node.driver;

/**
 * A bounded queue is full (in-flight proposals, pending reads, the storage writer). Maps to
 * RESOURCE_EXHAUSTED; the message names the limit so an operator knows which flag to raise.
 */
public final class BackpressureException extends RaftNodeException {
    private static final long serialVersionUID = 1L;

    public BackpressureException(String message) {
        super(Code.RESOURCE_EXHAUSTED, message);
    }
}
