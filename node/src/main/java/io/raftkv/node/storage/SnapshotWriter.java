package io.raftkv.node.storage;

import io.raftkv.raft.SnapshotMetadata;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Receives one snapshot stream into a private temporary directory. Nothing becomes visible until
 * {@link #finish} has verified the whole stream and renamed the unpacked snapshot into place; the
 * state machine keeps its old state until the core's Ready records the snapshot in the log (see
 * {@link RaftLogStorage#persist}). Blocking (disk I/O); one thread at a time.
 */
public final class SnapshotWriter implements AutoCloseable {
    private final SnapshotStore store;
    private final SnapshotMetadata metadata;
    private final Path tmpDir;
    private final Path streamFile;
    private final OutputStream out;
    private final CRC32C crc = new CRC32C();
    private long received;
    private boolean done;

    SnapshotWriter(SnapshotStore store, SnapshotMetadata metadata, Path tmpDir) throws IOException {
        this.store = store;
        this.metadata = metadata;
        this.tmpDir = tmpDir;
        this.streamFile = tmpDir.resolve("stream");
        Files.createDirectories(tmpDir);
        this.out = Files.newOutputStream(streamFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }

    public SnapshotMetadata metadata() {
        return metadata;
    }

    /**
     * Appends a chunk after checking its CRC and that it starts where the previous one ended.
     *
     * @throws IllegalArgumentException if the chunk is corrupt or out of order (nothing written)
     */
    public void write(SnapshotChunk chunk) throws IOException {
        if (!chunk.intact()) {
            throw new IllegalArgumentException("snapshot chunk at offset " + chunk.offset() + " fails its CRC");
        }
        write(chunk.offset(), chunk.bytes());
    }

    /** Appends bytes whose integrity the caller has checked; {@code offset} must continue the stream. */
    public void write(long offset, byte[] bytes) throws IOException {
        requireOpen();
        if (offset != received) {
            throw new IllegalArgumentException("snapshot chunk at offset " + offset + ", expected " + received);
        }
        out.write(bytes);
        crc.update(bytes);
        received += bytes.length;
    }

    /** {@link #finish(long, int)} without a length check. */
    public SnapshotMetadata finish(int expectedCrc32c) throws IOException {
        return finish(received, expectedCrc32c);
    }

    /**
     * Verifies the stream (length, CRC-32C, every file's CRC, the SHA-256 trailer, the metadata),
     * unpacks it, syncs it and renames it into place as a complete snapshot.
     *
     * @throws CorruptSnapshotException if anything does not verify; the writer is then aborted
     */
    public SnapshotMetadata finish(long expectedBytes, int expectedCrc32c) throws IOException {
        requireOpen();
        done = true;
        try {
            out.close();
            if (received != expectedBytes) {
                throw new CorruptSnapshotException(
                        "snapshot stream has " + received + " bytes, sender announced " + expectedBytes);
            }
            if ((int) crc.getValue() != expectedCrc32c) {
                throw new CorruptSnapshotException(
                        "snapshot stream CRC-32C " + Integer.toHexString((int) crc.getValue())
                                + " differs from the sender's " + Integer.toHexString(expectedCrc32c));
            }
            store.completeReceived(metadata, tmpDir, streamFile);
            return metadata;
        } catch (CorruptRecordException e) {
            abortQuietly();
            throw new CorruptSnapshotException(e.getMessage());
        } catch (IOException | RuntimeException e) {
            abortQuietly();
            throw e;
        }
    }

    /** Discards everything received. Never throws. */
    public void abort() {
        done = true;
        abortQuietly();
    }

    private void abortQuietly() {
        try {
            out.close();
        } catch (IOException ignored) {
            // discarding anyway
        }
        try {
            StorageLayout.deleteRecursively(tmpDir);
        } catch (IOException ignored) {
            // a leftover tmp directory is removed at the next open
        }
    }

    @Override
    public void close() {
        if (!done) {
            abort();
        }
    }

    private void requireOpen() {
        if (done) {
            throw new IllegalStateException("snapshot writer for " + metadata + " is finished or aborted");
        }
    }

    /** A received snapshot stream failed verification; nothing was installed. */
    public static final class CorruptSnapshotException extends IOException {
        private static final long serialVersionUID = 1L;

        public CorruptSnapshotException(String message) {
            super(message);
        }
    }
}
