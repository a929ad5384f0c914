package io.raftkv.node.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Arrays;

/**
 * The fixed Prometheus histogram buckets of the node's latency timers. Every timer publishes
 * {@code _bucket{le=…}} series at exactly these boundaries (plus {@code +Inf}), {@code _count} and
 * {@code _sum}: aggregatable across pods and over any window with {@code histogram_quantile(q,
 * sum by (le) (rate(…_bucket[5m])))}, unlike percentiles computed in the process. A fixed, short
 * list keeps the series per timer (and per method/code/peer tag) few.
 *
 * <p>Boundaries are chosen so that the thresholds the alerts and runbooks use are bucket edges:
 * 10 ms, 100 ms, 250 ms, 500 ms, 1 s (etcd's fsync and apply warnings sit at 1 s and 100 ms).
 */
public final class LatencyBuckets {
    private LatencyBuckets() {}

    /** Requests, fsyncs, applies, ReadIndex, peer round trips: 100 µs to 10 s. */
    public static final Duration[] FAST =
            millis(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000);

    /**
     * Raft persists, where the question is "did a Ready ever take longer than 20 ms" (the
     * steadiness target of the benchmarks): 100 µs to 10 s with bounds at 20 and 200 ms.
     */
    public static final Duration[] PERSIST =
            millis(0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_500, 5_000, 10_000);

    /** Snapshots (create, send, receive, download): 10 ms to 10 min. */
    public static final Duration[] SLOW =
            millis(10, 50, 100, 500, 1_000, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000);

    private static Duration[] millis(double... ms) {
        return Arrays.stream(ms)
                .mapToObj(m -> Duration.ofNanos(Math.round(m * 1_000_000)))
                .toArray(Duration[]::new);
    }

    /** A timer for {@code meter} with {@code tags}, publishing {@code buckets} (nothing else). */
    public static Timer timer(MeterRegistry registry, RaftKvMeters.Meter meter, Tags tags, Duration[] buckets) {
        return Timer.builder(meter.name())
                .description(meter.description())
                .tags(tags)
                .serviceLevelObjectives(buckets)
                .register(registry);
    }
}
