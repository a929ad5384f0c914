package io.raftkv.node.storage;

/**
 * A bounded queue in front of the storage is full. Nothing was written and the storage is still
 * healthy; the caller slows down (a gRPC server maps this to RESOURCE_EXHAUSTED).
 */
public final class StorageBackpressureException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StorageBackpressureException(String message) {
        super(message, null, false, false);
    }
}
