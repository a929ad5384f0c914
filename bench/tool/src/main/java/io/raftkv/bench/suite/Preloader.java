package io.raftkv.bench.suite;

import io.raftkv.bench.load.Measurement;
import io.raftkv.bench.spi.Target;
import io.raftkv.bench.workload.Workload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes every key of a workload's key space once, so reads find data. {@code writers} concurrent
 * writers, each taking the next key index when its previous write completes; a failed write is
 * retried up to {@link #ATTEMPTS_PER_KEY} times, after which the preload fails naming the codes.
 */
public final class Preloader {
    static final int ATTEMPTS_PER_KEY = 5;

    private Preloader() {}

    /**
     * @return the number of keys written
     * @throws IllegalStateException if a key could not be written or {@code timeout} passed
     */
    public static long preload(Target target, Workload workload, int writers, Duration timeout) {
        long keys = workload.spec().keySpace();
        AtomicLong next = new AtomicLong();
        Map<String, Long> errors = new ConcurrentHashMap<>();
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (int i = 0; i < Math.min(writers, keys); i++) {
            CompletableFuture<Void> writerDone = new CompletableFuture<>();
            done.add(writerDone);
            writeNext(target, workload, next, keys, errors, writerDone);
        }
        try {
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("preload interrupted");
        } catch (Exception e) {
            throw new IllegalStateException(
                    "preload of " + keys + " keys failed after " + Math.min(next.get(), keys)
                            + " started; errors by code: " + new TreeMap<>(errors),
                    e);
        }
        return keys;
    }

    private static void writeNext(
            Target target,
            Workload workload,
            AtomicLong next,
            long keys,
            Map<String, Long> errors,
            CompletableFuture<Void> writerDone) {
        long index = next.getAndIncrement();
        if (index >= keys) {
            writerDone.complete(null);
            return;
        }
        write(target, workload, index, 1, next, keys, errors, writerDone);
    }

    private static void write(
            Target target,
            Workload workload,
            long index,
            int attempt,
            AtomicLong next,
            long keys,
            Map<String, Long> errors,
            CompletableFuture<Void> writerDone) {
        target.put(workload.key(index), workload.value()).whenComplete((v, e) -> {
            if (e == null) {
                writeNext(target, workload, next, keys, errors, writerDone);
                return;
            }
            errors.merge(Measurement.codeOf(e), 1L, Long::sum);
            if (attempt >= ATTEMPTS_PER_KEY) {
                writerDone.completeExceptionally(e);
            } else {
                write(target, workload, index, attempt + 1, next, keys, errors, writerDone);
            }
        });
    }
}
