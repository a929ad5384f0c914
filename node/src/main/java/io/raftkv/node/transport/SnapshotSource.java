package io.raftkv.node.transport;

import io.raftkv.raft.SnapshotMetadata;
import java.io.IOException;

/** Opens local snapshots for streaming to a follower. */
public interface SnapshotSource {

    /**
     * Opens the durable snapshot described by {@code metadata}. Blocking: the transport calls it on a
     * worker thread, never on an event loop.
     *
     * @throws IOException if that snapshot is not (or no longer) available
     */
    OutgoingSnapshot open(SnapshotMetadata metadata) throws IOException;

    /** A snapshot's data as a sequence of chunks. Blocking reads; close releases the files. */
    interface OutgoingSnapshot extends AutoCloseable {
        /** Name and version of the data format, e.g. {@code raftkv-checkpoint/1}. */
        String format();

        /** Total data bytes, or 0 when unknown in advance. */
        long totalBytes();

        /** The next chunk, or null at the end. */
        byte[] nextChunk() throws IOException;

        @Override
        void close();
    }
}
