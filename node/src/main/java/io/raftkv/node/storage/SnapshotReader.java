package io.raftkv.node.storage;

import io.raftkv.raft.SnapshotMetadata;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.NoSuchElementException;

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
    private long offset;
    private SnapshotChunk next;
    private boolean closed;

    SnapshotReader(SnapshotManifest manifest, InputStream stream, int chunkBytes, Runnable release) {
        this.manifest = manifest;
        this.stream = stream;
        this.chunkBytes = chunkBytes;
        this.release = release;
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
        return manifest.streamBytes();
    }

    /** CRC-32C of the whole stream, known before reading; pass it to {@link SnapshotWriter#finish}. */
    public int checksum() {
        return manifest.streamCrc32c();
    }

    /** @throws UncheckedIOException if the snapshot files cannot be read */
    @Override
    public boolean hasNext() {
        if (next == null && !closed && offset < manifest.streamBytes()) {
            try {
                byte[] buf = stream.readNBytes((int) Math.min(chunkBytes, manifest.streamBytes() - offset));
                if (buf.length == 0) {
                    throw new IOException("snapshot stream ended at byte " + offset + " of " + manifest.streamBytes());
                }
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
