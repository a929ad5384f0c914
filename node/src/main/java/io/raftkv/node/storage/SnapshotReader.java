package io.raftkv.node.storage;

import io.raftkv.raft.SnapshotMetadata;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.zip.CRC32C;

/**
 * A complete local snapshot read as a stream of checksummed chunks. Reads block on disk (use a
 * worker thread). While open, the snapshot's files are not deleted; {@link #close()} releases them.
 * Not thread-safe: one consumer.
 */
public final class SnapshotReader implements Iterator<SnapshotChunk>, AutoCloseable {
    private final SnapshotManifest manifest;
    private final InputStream stream;
    private final int chunkBytes;
    private final Runnable release;
    private final long totalBytes;
    private final CRC32C crc = new CRC32C();
    private long offset;
    private SnapshotChunk next;
    private boolean closed;

    SnapshotReader(SnapshotManifest manifest, InputStream stream, int chunkBytes, Runnable release) {
        this.manifest = manifest;
        this.stream = stream;
        this.chunkBytes = chunkBytes;
        this.release = release;
        this.totalBytes = SnapshotStreamFormat.streamBytes(manifest);
    }

    public SnapshotMetadata metadata() {
        return manifest.metadata();
    }

    /** Name and version of the stream format, {@value SnapshotStreamFormat#FORMAT}. */
    public String format() {
        return SnapshotStreamFormat.FORMAT;
    }

    /** Exact length of the stream in bytes. */
    public long totalBytes() {
        return totalBytes;
    }

    /**
     * CRC-32C of the whole stream, computed as it is read; pass it to {@link SnapshotWriter#finish}.
     *
     * @throws IllegalStateException if the stream has not been read to its end
     */
    public int checksum() {
        if (offset < totalBytes || next != null) {
            throw new IllegalStateException("snapshot stream read to byte " + offset + " of " + totalBytes
                    + ": its checksum is known only at the end");
        }
        return (int) crc.getValue();
    }

    /** @throws UncheckedIOException if the snapshot files cannot be read */
    @Override
    public boolean hasNext() {
        if (next == null && !closed && offset < totalBytes) {
            try {
                byte[] buf = stream.readNBytes((int) Math.min(chunkBytes, totalBytes - offset));
                if (buf.length == 0) {
                    throw new IOException("snapshot stream ended at byte " + offset + " of " + totalBytes);
                }
                crc.update(buf);
                next = SnapshotChunk.of(offset, buf);
                offset += buf.length;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return next != null;
    }

    @Override
    public SnapshotChunk next() {
        if (!hasNext()) {
            throw new NoSuchElementException("snapshot stream fully read");
        }
        SnapshotChunk c = next;
        next = null;
        return c;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            stream.close();
        } catch (IOException ignored) {
            // read-only stream: nothing to lose
        } finally {
            release.run();
        }
    }
}
