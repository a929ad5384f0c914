package io.raftkv.bench.load;

/**
 * One progress report, about the last interval.
 *
 * @param elapsedSeconds since the load started (warm-up included)
 * @param totalSeconds   warm-up plus measured duration
 * @param warmingUp      whether the window has not started yet
 * @param opsPerSecond   successes per second in the interval
 * @param p50Ms          interval median latency
 * @param p99Ms          interval 99th percentile latency
 * @param errors         errors so far (warm-up included)
 */
public record Progress(
        double elapsedSeconds,
        double totalSeconds,
        boolean warmingUp,
        double opsPerSecond,
        double p50Ms,
        double p99Ms,
        long errors) {
    private static final int BAR_WIDTH = 20;

    /** e.g. {@code [########------------]   8/20 s   12,345 op/s  p50 1.20 ms  p99 4.50 ms  errors 0}. */
    public String line(String label) {
        int filled = (int) Math.min(BAR_WIDTH, Math.round(BAR_WIDTH * elapsedSeconds / totalSeconds));
        return String.format(
                java.util.Locale.ROOT,
                "%-28s [%s%s] %4.0f/%.0f s %10.0f op/s  p50 %8.2f ms  p99 %8.2f ms  errors %d%s",
                label,
                "#".repeat(filled),
                "-".repeat(BAR_WIDTH - filled),
                elapsedSeconds,
                totalSeconds,
                opsPerSecond,
                p50Ms,
                p99Ms,
                errors,
                warmingUp ? "  (warm-up)" : "");
    }
}
