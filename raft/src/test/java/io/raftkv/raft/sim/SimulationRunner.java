package io.raftkv.raft.sim;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs a range of seeds, each an independent single-threaded {@link Simulation}, spread over a few
 * worker threads (runs share nothing, so the result of a seed does not depend on the threads),
 * and merges their counters.
 */
final class SimulationRunner {
    /** Failure messages kept in full; the rest are only counted. */
    private static final int MAX_REPORTED_FAILURES = 5;

    /**
     * Merged outcome of a range of seeds.
     *
     * @param failureKinds failure message shape (digits elided) → {count, first seed}
     */
    record Outcome(
            SimStats stats,
            List<String> failures,
            Map<String, long[]> failureKinds,
            long elapsedMillis,
            long cpuMillis) {
        String summary() {
            StringBuilder b = new StringBuilder(stats.summary())
                    .append(" elapsedMs=")
                    .append(elapsedMillis)
                    .append(" cpuMs=")
                    .append(cpuMillis);
            failureKinds.forEach((k, v) -> b.append("\n  ")
                    .append(v[0])
                    .append(" x (first seed ")
                    .append(v[1])
                    .append("): ")
                    .append(k));
            return b.toString();
        }
    }

    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private SimulationRunner() {}

    static Outcome run(long firstSeed, long seeds, int faultTicks, int threads) {
        long start = System.nanoTime();
        SimStats total = new SimStats();
        List<String> failures = new ArrayList<>();
        Map<String, long[]> kinds = new TreeMap<>();
        AtomicLong cpuNanos = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            int chunks = threads * 8;
            List<Future<List<Simulation.Result>>> parts = new ArrayList<>();
            for (int c = 0; c < chunks; c++) {
                int chunk = c;
                parts.add(pool.submit(() -> {
                    long cpuStart = CPU.getCurrentThreadCpuTime();
                    List<Simulation.Result> out = new ArrayList<>();
                    for (long s = firstSeed + chunk; s < firstSeed + seeds; s += chunks) {
                        out.add(Simulation.run(s, faultTicks, false));
                    }
                    cpuNanos.addAndGet(CPU.getCurrentThreadCpuTime() - cpuStart);
                    return out;
                }));
            }
            List<Simulation.Result> results = new ArrayList<>();
            for (Future<List<Simulation.Result>> f : parts) {
                results.addAll(f.get());
            }
            results.sort((a, b) -> Long.compare(a.seed(), b.seed()));
            for (Simulation.Result r : results) {
                total.merge(r.stats());
                if (r.failed()) {
                    if (failures.size() < MAX_REPORTED_FAILURES) {
                        failures.add(r.failure());
                    }
                    long[] k = kinds.computeIfAbsent(shape(r.failure()), x -> new long[] {0, r.seed()});
                    k[0]++;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a simulation worker crashed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
        return new Outcome(total, failures, kinds, (System.nanoTime() - start) / 1_000_000, cpuNanos.get() / 1_000_000);
    }

    /** The second line of a failure (what went wrong), numbers elided, to group failures. */
    private static String shape(String failure) {
        String[] lines = failure.split("\n", 3);
        String what = lines.length > 1 ? lines[1].trim() : lines[0];
        what = what.replaceAll("\\d+", "#");
        return what.length() > 160 ? what.substring(0, 160) : what;
    }

    /** Worker threads: one per core, at most {@code max}. */
    static int threads(int max) {
        return Math.max(1, Math.min(max, Runtime.getRuntime().availableProcessors()));
    }
}
