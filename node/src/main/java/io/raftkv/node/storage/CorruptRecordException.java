package io.raftkv.node.storage;

/**
 * One stored record failed its checksum or did not decode. Internal: the component that knows the
 * data directory turns it into a {@link StorageCorruptedException}.
 */
final class CorruptRecordException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CorruptRecordException(String message) {
        super(message, null, false, false);
    }
}
