package io.raftkv.node.storage;

/**
 * A write could not be made durable, or was refused because an earlier one could not (the error
 * latch has tripped). Nothing reported through this exception was acknowledged; the node must stop
 * acknowledging and report itself unhealthy.
 */
public final class StorageFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StorageFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
