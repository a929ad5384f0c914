package io.raftkv.e2e.history;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Appends completed operations to a JSON-lines history, safely from many client threads.
 *
 * <p>Memory is bounded: at most {@code maxBufferedLines} encoded lines wait in memory; the
 * {@code maxBufferedLines}-th append writes them through to the underlying writer and flushes it,
 * so a crashed harness loses at most that many operations. Lines are encoded outside the lock and
 * appended under it, so a line is never interleaved with another.
 *
 * <p>After the first I/O error every later call fails with that error: a history with a silent
 * hole in it would be checked as if the missing operations never happened.
 */
public final class HistoryWriter implements Closeable, Flushable {
    /** Default number of lines held in memory before they are written through. */
    public static final int DEFAULT_MAX_BUFFERED_LINES = 1024;

    private final ReentrantLock lock = new ReentrantLock();
    private final Writer out;
    private final int maxBufferedLines;
    private final StringBuilder pending = new StringBuilder();
    // Guarded by lock.
    private int pendingLines;
    private long linesWritten;
    private boolean closed;
    private IOException failure;

    /**
     * Wraps {@code out}; this writer owns it and closes it on {@link #close()}.
     *
     * @param maxBufferedLines lines held in memory before a write-through, at least 1
     */
    public HistoryWriter(Writer out, int maxBufferedLines) {
        if (maxBufferedLines < 1) {
            throw new IllegalArgumentException("maxBufferedLines must be >= 1, got " + maxBufferedLines);
        }
        this.out = out;
        this.maxBufferedLines = maxBufferedLines;
    }

    /**
     * Creates a new history file; fails if it exists, because a history is evidence and must not
     * be overwritten by a later run.
     */
    public static HistoryWriter create(Path file) throws IOException {
        BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW);
        return new HistoryWriter(w, DEFAULT_MAX_BUFFERED_LINES);
    }

    /**
     * Records one completed operation.
     *
     * @throws IllegalStateException if the writer is closed
     * @throws UncheckedIOException  if this or an earlier write failed
     */
    public void append(Operation op) {
        String line = HistoryCodec.encode(op);
        lock.lock();
        try {
            ensureUsable();
            pending.append(line).append('\n');
            pendingLines++;
            if (pendingLines >= maxBufferedLines) {
                writeThrough();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Writes every buffered line to the underlying writer and flushes it. */
    @Override
    public void flush() {
        lock.lock();
        try {
            ensureUsable();
            writeThrough();
        } finally {
            lock.unlock();
        }
    }

    /** Number of operations appended so far (buffered or written). */
    public long operationsAppended() {
        lock.lock();
        try {
            return linesWritten + pendingLines;
        } finally {
            lock.unlock();
        }
    }

    /** Flushes and closes; idempotent. Throws if the final flush fails. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            try {
                if (failure == null) {
                    writeThroughUnchecked();
                }
            } finally {
                try {
                    out.close();
                } catch (IOException e) {
                    if (failure == null) {
                        failure = e;
                    }
                }
            }
            if (failure != null) {
                throw new UncheckedIOException("history writer failed", failure);
            }
        } finally {
            lock.unlock();
        }
    }

    private void ensureUsable() {
        if (failure != null) {
            throw new UncheckedIOException("history writer failed earlier", failure);
        }
        if (closed) {
            throw new IllegalStateException("history writer is closed");
        }
    }

    private void writeThrough() {
        writeThroughUnchecked();
        if (failure != null) {
            throw new UncheckedIOException("history write failed", failure);
        }
    }

    private void writeThroughUnchecked() {
        try {
            out.write(pending.toString());
            out.flush();
            linesWritten += pendingLines;
            pending.setLength(0);
            pendingLines = 0;
        } catch (IOException e) {
            failure = e;
        }
    }
}
