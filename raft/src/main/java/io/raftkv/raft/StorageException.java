package io.raftkv.raft;

/**
 * A named storage failure the core knows how to handle. Any other exception thrown by a
 * {@link Storage} is fatal: the core does not catch it.
 */
public abstract class StorageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    protected StorageException(String message) {
        super(message, null, false, false);
    }

    /** The requested index is older than the first index: it was compacted into a snapshot. */
    public static final class Compacted extends StorageException {
        private static final long serialVersionUID = 1L;

        public Compacted(long index, long firstIndex) {
            super("index " + index + " is compacted (first index " + firstIndex + ")");
        }
    }

    /** The requested index is newer than the last index. */
    public static final class Unavailable extends StorageException {
        private static final long serialVersionUID = 1L;

        public Unavailable(long index, long lastIndex) {
            super("index " + index + " is unavailable (last index " + lastIndex + ")");
        }
    }

    /** A snapshot is being prepared; the core retries later. */
    public static final class SnapshotTemporarilyUnavailable extends StorageException {
        private static final long serialVersionUID = 1L;

        public SnapshotTemporarilyUnavailable() {
            super("snapshot temporarily unavailable");
        }
    }
}
