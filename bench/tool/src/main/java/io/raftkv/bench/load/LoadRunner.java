package io.raftkv.bench.load;

import io.raftkv.bench.spi.Target;
import io.raftkv.bench.spi.TargetCallException;
import io.raftkv.bench.workload.Operation;
import io.raftkv.bench.workload.OperationKind;
import io.raftkv.bench.workload.Workload;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * Drives one {@link Target} with one {@link Workload} under one {@link LoadSpec} and measures it.
 * The same code drives every system: only the {@code Target} differs.
 *
 * <p>Closed loop: each client issues its next operation from the completion of the previous one
 * (on whatever thread completed it; targets promise non-blocking calls), so there are never more
 * than {@code clients} operations in flight and no thread per client. A target that completes
 * synchronously is handled by a loop, not by recursion.
 *
 * <p>Open loop: the calling thread issues operations at their due times and never waits for
 * answers; latency counts from the due time. At most {@code maxInFlight} are in flight.
 *
 * <p>After the window closes, no new operation is issued; the run waits up to
 * {@link #DRAIN_TIMEOUT} for the ones in flight (their results fall outside the window and are
 * ignored) so that the next run starts on a quiet system.
 */
public final class LoadRunner {
    public static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);
    private static final long PROGRESS_INTERVAL_MILLIS = 1_000;

    private final Target target;
    private final Workload workload;
    private final LoadSpec load;
    private final Consumer<Progress> progressListener;
    private final Duration drainTimeout;

    private volatile long stopAtNanos;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    private volatile boolean issuing = true;
    private final java.util.concurrent.atomic.AtomicBoolean started = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * @param progressListener called about once a second from a background thread; must not block
     */
    public LoadRunner(Target target, Workload workload, LoadSpec load, Consumer<Progress> progressListener) {
        this(target, workload, load, progressListener, DRAIN_TIMEOUT);
    }

    /** As above, with how long to wait for operations still in flight after the window. */
    LoadRunner(
            Target target,
            Workload workload,
            LoadSpec load,
            Consumer<Progress> progressListener,
            Duration drainTimeout) {
        if (workload.spec().reads() && !target.supports(workload.spec().readMode())) {
            throw new IllegalArgumentException(
                    target.describe() + " does not support " + workload.spec().readMode() + " reads");
        }
        this.target = target;
        this.workload = workload;
        this.load = load;
        this.progressListener = progressListener;
        this.drainTimeout = drainTimeout;
    }

    /**
     * Runs the load to completion on the calling thread; blocks for warm-up + duration (+ drain).
     * One run per instance.
     */
    public Measured run() {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("a LoadRunner runs once; create a new one");
        }
        long cpuStartNanos = processCpuNanos();
        long startNanos = System.nanoTime();
        long windowStart = startNanos + load.warmup().toNanos();
        long windowEnd = windowStart + load.duration().toNanos();
        stopAtNanos = windowEnd;
        Measurement m = new Measurement(windowStart, windowEnd);
        ScheduledExecutorService progressTimer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bench-progress");
            t.setDaemon(true);
            return t;
        });
        progressTimer.scheduleAtFixedRate(
                () -> reportProgress(m, startNanos, windowStart),
                PROGRESS_INTERVAL_MILLIS,
                PROGRESS_INTERVAL_MILLIS,
                TimeUnit.MILLISECONDS);
        try {
            if (load.mode() == LoadMode.CLOSED) {
                runClosed(m);
            } else {
                runOpen(m, startNanos, windowEnd);
            }
        } finally {
            progressTimer.shutdownNow();
        }
        Map<String, Long> warmupErrors = new HashMap<>(m.allErrors());
        m.windowErrors().forEach((code, n) -> warmupErrors.merge(code, -n, Long::sum));
        warmupErrors.values().removeIf(n -> n == 0);
        Histogram window = m.takeWindowHistogram();
        long cpuNanos = processCpuNanos() - cpuStartNanos;
        double cpuShare = cpuStartNanos < 0
                ? Double.NaN
                : cpuNanos
                        / ((double) (System.nanoTime() - startNanos)
                                * Runtime.getRuntime().availableProcessors());
        return new Measured(
                load.duration().toNanos() / 1e9,
                window.getTotalCount(),
                m.windowErrors(),
                warmupErrors,
                LatencySummary.of(window),
                inFlight.get(),
                cpuShare,
                m.errorSamples());
    }

    /** CPU time of this whole process so far, or -1 if the JVM does not tell. */
    private static long processCpuNanos() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    private void runClosed(Measurement m) {
        CountDownLatch finished = new CountDownLatch(load.clients());
        for (int i = 0; i < load.clients(); i++) {
            new ClosedLoopClient(workload.newStream(), m, finished).loop();
        }
        try {
            long waitNanos = stopAtNanos - System.nanoTime() + drainTimeout.toNanos();
            finished.await(Math.max(0, waitNanos), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void runOpen(Measurement m, long start, long windowEnd) {
        Workload.Stream ops = workload.newStream();
        double periodNanos = 1e9 / load.ratePerSecond();
        for (long i = 0; ; i++) {
            long due = start + (long) (i * periodNanos);
            if (due - windowEnd >= 0) {
                break;
            }
            long now;
            while ((now = System.nanoTime()) - due < 0) {
                LockSupport.parkNanos(due - now);
            }
            if (inFlight.get() >= load.maxInFlight()) {
                m.failure(Measurement.CLIENT_BACKLOG, due);
                continue;
            }
            inFlight.incrementAndGet();
            CompletableFuture<Void> f = issue(ops.next());
            f.whenComplete((v, e) -> {
                record(m, due, e);
                if (inFlight.decrementAndGet() == 0 && !issuing) {
                    drained.complete(null);
                }
            });
        }
        issuing = false;
        if (inFlight.get() == 0) {
            drained.complete(null);
        }
        try {
            drained.get(drainTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // Timed out: reported as `unfinished` in the result.
        }
    }

    private CompletableFuture<Void> issue(Operation op) {
        try {
            return (op.kind() == OperationKind.PUT
                            ? target.put(op.key(), workload.value())
                            : target.get(op.key(), workload.spec().readMode()))
                    .toCompletableFuture();
        } catch (RuntimeException e) {
            // A target must fail the stage, not throw; count it rather than lose a client.
            return CompletableFuture.failedFuture(new TargetCallException("INTERNAL", "target threw " + e, e));
        }
    }

    private static void record(Measurement m, long startNanos, Throwable error) {
        long end = System.nanoTime();
        if (error == null) {
            m.success(startNanos, end);
        } else {
            m.failure(error, end);
        }
    }

    private void reportProgress(Measurement m, long startNanos, long windowStart) {
        long now = System.nanoTime();
        Histogram interval = m.takeProgressInterval();
        double seconds = interval.getEndTimeStamp() > interval.getStartTimeStamp()
                ? (interval.getEndTimeStamp() - interval.getStartTimeStamp()) / 1e3
                : PROGRESS_INTERVAL_MILLIS / 1e3;
        LatencySummary s = LatencySummary.of(interval);
        progressListener.accept(new Progress(
                (now - startNanos) / 1e9,
                (load.warmup().toNanos() + load.duration().toNanos()) / 1e9,
                now - windowStart < 0,
                interval.getTotalCount() / seconds,
                s.p50Ms(),
                s.p99Ms(),
                m.progressErrorCount()));
    }

    /** One closed-loop client: at most one operation in flight, the next issued when it completes. */
    private final class ClosedLoopClient {
        private final Workload.Stream ops;
        private final Measurement m;
        private final CountDownLatch finished;

        ClosedLoopClient(Workload.Stream ops, Measurement m, CountDownLatch finished) {
            this.ops = ops;
            this.m = m;
            this.finished = finished;
        }

        void loop() {
            while (true) {
                long start = System.nanoTime();
                if (start - stopAtNanos >= 0) {
                    finished.countDown();
                    return;
                }
                CompletableFuture<Void> f = issue(ops.next());
                if (!f.isDone()) {
                    inFlight.incrementAndGet();
                    f.whenComplete((v, e) -> {
                        inFlight.decrementAndGet();
                        record(m, start, e);
                        loop();
                    });
                    return;
                }
                Throwable error =
                        f.isCompletedExceptionally() ? f.handle((v, e) -> e).join() : null;
                record(m, start, error);
            }
        }
    }
}
