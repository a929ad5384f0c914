package io.raftkv.bench.suite;

import io.raftkv.bench.cluster.ClusterMetrics;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Reads the servers' total CPU time when a scenario's measured window opens (after the warm-up) and
 * when it closes, on a timer thread of its own, so the CPU the servers spent on the window's
 * operations can be divided by their number; and samples the largest member's resident set size
 * once a second in the window; and scrapes the members' steadiness metrics ({@link ClusterMetrics})
 * when the window opens and closes. Closing it cancels readings not yet taken.
 */
final class ServerCpuProbe implements AutoCloseable {
    private final ScheduledExecutorService timer;
    private volatile long atOpen = -1;
    private volatile long atClose = -1;
    private volatile long maxRssBytes = -1;
    private volatile ClusterMetrics.Snapshot metricsAtOpen;
    private volatile ClusterMetrics.Snapshot metricsAtClose;
    private volatile String loadAtClose;
    private Supplier<ClusterMetrics.Snapshot> closingMetrics = () -> null;

    private ServerCpuProbe(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    /** Starts the two readings, {@code warmup} and {@code warmup + duration} from now. */
    static ServerCpuProbe schedule(
            LongSupplier cpuNanos,
            LongSupplier rssBytes,
            Supplier<ClusterMetrics.Snapshot> metrics,
            Duration warmup,
            Duration duration) {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bench-server-cpu");
            t.setDaemon(true);
            return t;
        });
        ServerCpuProbe probe = new ServerCpuProbe(timer);
        long openNanos = warmup.toNanos();
        timer.schedule(
                () -> {
                    probe.atOpen = cpuNanos.getAsLong();
                    probe.metricsAtOpen = metrics.get();
                },
                openNanos,
                TimeUnit.NANOSECONDS);
        timer.schedule(
                () -> probe.atClose = cpuNanos.getAsLong(), openNanos + duration.toNanos(), TimeUnit.NANOSECONDS);
        probe.closingMetrics = metrics;
        long second = TimeUnit.SECONDS.toNanos(1);
        for (long at = openNanos; at <= openNanos + duration.toNanos(); at += second) {
            timer.schedule(
                    () -> probe.maxRssBytes = Math.max(probe.maxRssBytes, rssBytes.getAsLong()),
                    at,
                    TimeUnit.NANOSECONDS);
        }
        return probe;
    }

    /** Server CPU microseconds per operation in the window; null if a reading is missing or unknown. */
    Double microsPerOp(long operations) {
        long open = atOpen;
        long close = atClose;
        if (open < 0 || close < open || operations <= 0) {
            return null;
        }
        return (close - open) / 1_000.0 / operations;
    }

    /** The largest member RSS seen in the window, in MiB; null if never read. */
    Double maxRssMiB() {
        long v = maxRssBytes;
        return v < 0 ? null : v / (1024.0 * 1024.0);
    }

    /** Leader changes and the slowest persist in the window; unknown figures are null. */
    ClusterMetrics.Window steadiness() {
        return ClusterMetrics.between(metricsAtOpen, metricsAtClose);
    }

    /** The load averages when the window closed, or null if it never closed. */
    String loadAverage() {
        return loadAtClose;
    }

    /**
     * Stops the readings. The members' metrics and the load average are read here, once the load has
     * stopped (a scrape takes a while on a busy machine; on the timer it raced the end of the run),
     * and only if the window opened.
     */
    @Override
    public void close() {
        timer.shutdownNow();
        if (metricsAtOpen != null) {
            metricsAtClose = closingMetrics.get();
        }
        loadAtClose = Machine.loadAverage();
    }
}
