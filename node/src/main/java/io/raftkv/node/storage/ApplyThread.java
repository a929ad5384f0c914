package io.raftkv.node.storage;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state machine's one apply thread ({@code raftkv-apply}) and its bounded queue: every apply,
 * snapshot install and checkpoint runs here, in submission order. A full queue refuses at once
 * ({@link StorageBackpressureException}); after the state machine failed, every task fails.
 */
final class ApplyThread {
    private static final Logger LOG = LoggerFactory.getLogger(ApplyThread.class);
    private final ThreadPoolExecutor executor;
    private final Supplier<Throwable> failure;

    /** {@code failure} gives the state machine's failure, or null while it is healthy. */
    ApplyThread(int queueCapacity, Supplier<Throwable> failure) {
        this.failure = failure;
        this.executor =
                new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(queueCapacity), r -> {
                    Thread t = new Thread(r, "raftkv-apply");
                    t.setDaemon(true);
                    return t;
                });
    }

    /** Runs {@code task} on the apply thread, in order with everything submitted before. Never blocks. */
    <T> CompletableFuture<T> submit(Callable<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                Throwable failed = failure.get();
                if (failed != null) {
                    result.completeExceptionally(
                            new StorageFailedException("state machine has failed earlier", failed));
                    return;
                }
                try {
                    result.complete(task.call());
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(
                    executor.isShutdown()
                            ? new StorageFailedException("state machine is closed", e)
                            : new StorageBackpressureException(
                                    "apply queue full (" + executor.getQueue().size() + " batches waiting)"));
        }
        return result;
    }

    /** Refuses new tasks without waiting for queued ones. */
    void shutdown() {
        executor.shutdown();
    }

    /** Refuses new tasks and waits up to 30 s for the queued ones to finish. Blocking. */
    void finish() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("apply thread did not finish within 30 s; closing anyway");
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
