package io.raftkv.node.storage;

import java.nio.file.Path;

/**
 * The data directory holds state the node must not serve: a checksum mismatch, a record that does
 * not decode, or durable state that contradicts itself (for example a commit index past the last
 * log entry). The message names the directory and what is wrong; the node refuses to start.
 */
public final class StorageCorruptedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Path dataDir;

    public StorageCorruptedException(Path dataDir, String problem) {
        this(dataDir, problem, null);
    }

    public StorageCorruptedException(Path dataDir, String problem, Throwable cause) {
        super("storage in " + dataDir + " is unusable: " + problem, cause);
        this.dataDir = dataDir;
    }

    public Path dataDir() {
        return dataDir;
    }
}
