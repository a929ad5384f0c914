package io.raftkv.node.transport;

import io.raftkv.raft.Message;
import java.io.IOException;

/**
 * Receives a snapshot's data from the leader. The transport verifies every chunk's CRC-32C and the
 * total before calling {@link IncomingSnapshot#finish}; the sink installs atomically (the old state
 * stays until the new one is complete).
 */
public interface SnapshotSink {

    /**
     * Starts receiving the snapshot announced by {@code snap} (a SNAP message). Blocking: called on a
     * worker thread.
     *
     * @throws IOException if it cannot be received now (one already in progress, disk error)
     * @throws IllegalStateException if the snapshot is not newer than the local state
     */
    IncomingSnapshot begin(Message snap, String format, long totalBytes) throws IOException;

    /**
     * Bytes a snapshot being received may take on disk now (usable space minus a safety margin);
     * a larger declared total is refused before anything is written. Cheap; any thread.
     */
    default long usableBytes() {
        return Long.MAX_VALUE;
    }

    /** One snapshot being received. All methods blocking, called in order on one worker. */
    interface IncomingSnapshot {
        void write(long offset, byte[] data) throws IOException;

        /** All data arrived and was verified by the transport: install it durably and atomically. */
        void finish(long totalBytes, int crc32c) throws IOException;

        /** Discards everything received; the previous state stays. Never throws. */
        void abort();
    }
}
