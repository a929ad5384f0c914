package io.raftkv.node.server;

import io.raftkv.api.ErrorReason;
import io.raftkv.api.RaftKvException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where state-machine reads run: a dedicated Vert.x worker pool of
 * {@link ServerLimits#readThreads()} threads, so a RocksDB read never blocks an event loop and a
 * burst of slow reads cannot starve Vert.x's shared worker pool. Vert.x's worker queue is
 * unbounded, so admission is bounded here: at most {@link ServerLimits#maxConcurrentReads()}
 * reads are queued or running; the next one fails at once with RESOURCE_EXHAUSTED.
 *
 * <p>Reads run unordered ({@code ordered = false}): they are independent, and each already
 * waited for its own read barrier.
 */
public final class ReadPool implements AutoCloseable {
    private final WorkerExecutor executor;
    private final int maxConcurrentReads;
    private final AtomicInteger pending = new AtomicInteger();

    public ReadPool(Vertx vertx, ServerLimits limits) {
        this.executor = vertx.createSharedWorkerExecutor("raftkv-client-reads", limits.readThreads());
        this.maxConcurrentReads = limits.maxConcurrentReads();
    }

    /** Runs {@code read} on the pool; the future completes on the caller's context. */
    public <T> Future<T> submit(Callable<T> read) {
        int n = pending.incrementAndGet();
        if (n > maxConcurrentReads) {
            pending.decrementAndGet();
            return Future.failedFuture(RaftKvException.of(
                    ErrorReason.OVERLOADED,
                    "more than " + maxConcurrentReads + " state-machine reads queued (maxConcurrentReads)"));
        }
        return executor.executeBlocking(read, false).andThen(ar -> pending.decrementAndGet());
    }

    /** Reads queued or running now. */
    public int pending() {
        return pending.get();
    }

    @Override
    public void close() {
        executor.close();
    }
}
