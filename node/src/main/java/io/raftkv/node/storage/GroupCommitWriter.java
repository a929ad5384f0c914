package io.raftkv.node.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only thread that writes the Raft log. Requests wait in a bounded queue; the writer takes
 * every request that is waiting (up to {@code maxRequestsPerBatch}), folds them into ONE
 * {@link WriteBatch} in submission order and writes it with {@code sync=true}: one fsync for many
 * Readys (group commit). A request's future completes, on this thread, only after that fsync.
 *
 * <p><b>Error latch.</b> The first failure (RocksDB error, or any exception while building a batch)
 * trips the latch: the batch's requests, everything queued and everything submitted later fail with
 * {@link StorageFailedException}. The writer never retries and never acknowledges anything after a
 * failure, because after a failed fsync the kernel may have dropped the dirty pages, so a retry
 * that "succeeds" would acknowledge data that is not on disk.
 *
 * <p>Invariant: {@link #completedSeq()} is the sequence number of the last request whose batch is
 * durable; requests complete in sequence order.
 */
final class GroupCommitWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCommitWriter.class);

    /** Adds one request's operations to the shared batch. */
    @FunctionalInterface
    interface BatchFiller {
        void fill(WriteBatch batch) throws RocksDBException;
    }

    private record Request(long seq, BatchFiller filler, int entries, CompletableFuture<Void> done) {}

    private static final Request STOP = new Request(-1, null, 0, null);

    private final RocksDB db;
    private final String name;
    private final int maxRequestsPerBatch;
    private final BlockingQueue<Request> queue;
    private final Thread thread;
    private final ReentrantLock submitLock = new ReentrantLock();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Runnable onFailure;
    private long nextSeq = 1;
    private volatile long completedSeq;
    private volatile boolean closed;

    private final AtomicLong fsyncs = new AtomicLong();
    private final AtomicLong requestCount = new AtomicLong();
    private final AtomicLong entryCount = new AtomicLong();
    private final AtomicLong byteCount = new AtomicLong();
    private final AtomicLong fsyncMaxMicros = new AtomicLong();
    private final LatencyHistogram fsyncLatency = new LatencyHistogram();
    /** Sees every synced write's latency in nanoseconds, on the writer thread (a metrics timer). */
    private volatile LongConsumer fsyncObserver = nanos -> {};

    /**
     * @param onFailure runs once, on the writer thread, when the latch trips
     */
    GroupCommitWriter(RocksDB db, String name, int queueCapacity, int maxRequestsPerBatch, Runnable onFailure) {
        this.db = db;
        this.name = name;
        this.maxRequestsPerBatch = maxRequestsPerBatch;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.onFailure = onFailure;
        this.thread = new Thread(this::run, "raftkv-log-writer-" + name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Submission outcome: the request's sequence number and its durability future. */
    record Submitted(long seq, CompletableFuture<Void> durable) {}

    /**
     * Enqueues a request without blocking.
     *
     * @param entries log entries it carries (statistics only)
     * @return a future that fails at once if the latch has tripped, the writer is closed or the
     *         queue is full ({@link StorageBackpressureException}); otherwise completes after fsync
     */
    Submitted submit(BatchFiller filler, int entries) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        submitLock.lock();
        try {
            Throwable failed = failure.get();
            if (failed != null) {
                done.completeExceptionally(latchError(failed));
                return new Submitted(-1, done);
            }
            if (closed) {
                done.completeExceptionally(new StorageFailedException("log writer " + name + " is closed", null));
                return new Submitted(-1, done);
            }
            long seq = nextSeq;
            if (!queue.offer(new Request(seq, filler, entries, done))) {
                done.completeExceptionally(new StorageBackpressureException(
                        "log writer queue full (" + queue.size() + " requests waiting)"));
                return new Submitted(-1, done);
            }
            nextSeq++;
            return new Submitted(seq, done);
        } finally {
            submitLock.unlock();
        }
    }

    long completedSeq() {
        return completedSeq;
    }

    boolean failed() {
        return failure.get() != null;
    }

    /** Trips the latch from outside the writer (e.g. a read found corruption). */
    void trip(Throwable cause) {
        if (failure.compareAndSet(null, cause)) {
            LOG.error("log writer {}: error latch tripped; no further writes will be acknowledged", name, cause);
            onFailure.run();
        }
    }

    /**
     * Hands every synced write's latency (nanoseconds) to {@code observer}, on the writer thread,
     * right after the write returned: it must not block (a Micrometer timer's record is a few
     * atomic adds, nothing against the fsync it measures). {@code null} removes it.
     */
    void setFsyncObserver(LongConsumer observer) {
        this.fsyncObserver = observer == null ? nanos -> {} : observer;
    }

    WriterStats stats() {
        return new WriterStats(
                fsyncs.get(),
                requestCount.get(),
                entryCount.get(),
                byteCount.get(),
                fsyncLatency.quantileMicros(0.50),
                fsyncLatency.quantileMicros(0.99),
                fsyncMaxMicros.get(),
                queue.size(),
                failed());
    }

    private StorageFailedException latchError(Throwable cause) {
        return new StorageFailedException("log writer " + name + " has failed earlier; nothing is acknowledged", cause);
    }

    private void run() {
        List<Request> batch = new ArrayList<>(maxRequestsPerBatch);
        try (WriteOptions sync = new WriteOptions().setSync(true)) {
            boolean stopping = false;
            while (!stopping) {
                batch.clear();
                try {
                    batch.add(queue.take());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    trip(new StorageFailedException("log writer " + name + " interrupted", e));
                    return;
                }
                queue.drainTo(batch, maxRequestsPerBatch - 1);
                int stopAt = batch.indexOf(STOP);
                if (stopAt >= 0) {
                    stopping = true;
                    batch.subList(stopAt, batch.size()).clear();
                }
                if (!batch.isEmpty()) {
                    writeBatch(batch, sync);
                }
            }
        }
    }

    private void writeBatch(List<Request> batch, WriteOptions synced) {
        Throwable failed = failure.get();
        if (failed != null) {
            batch.forEach(r -> r.done.completeExceptionally(latchError(failed)));
            return;
        }
        try (WriteBatch wb = new WriteBatch()) {
            int entries = 0;
            for (Request r : batch) {
                r.filler.fill(wb);
                entries += r.entries;
            }
            long bytes = wb.getDataSize();
            long start = System.nanoTime();
            db.write(synced, wb);
            long nanos = System.nanoTime() - start;
            fsyncObserver.accept(nanos);
            long micros = nanos / 1_000;
            fsyncLatency.recordMicros(micros);
            fsyncMaxMicros.accumulateAndGet(micros, Math::max);
            fsyncs.incrementAndGet();
            requestCount.addAndGet(batch.size());
            entryCount.addAndGet(entries);
            byteCount.addAndGet(bytes);
        } catch (Throwable t) {
            trip(t);
            StorageFailedException err = new StorageFailedException("log write failed in " + name, t);
            batch.forEach(r -> r.done.completeExceptionally(err));
            return;
        }
        completedSeq = batch.get(batch.size() - 1).seq;
        for (Request r : batch) {
            r.done.complete(null);
        }
    }

    /**
     * Writes what is queued, then stops the thread. Requests submitted after this fail. Blocks
     * until the writer has finished (call off the event loop).
     */
    @Override
    public void close() {
        submitLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
        } finally {
            submitLock.unlock();
        }
        try {
            queue.put(STOP);
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
