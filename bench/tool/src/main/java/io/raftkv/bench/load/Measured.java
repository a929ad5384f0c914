package io.raftkv.bench.load;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a run measured in its window.
 *
 * @param seconds       window length
 * @param successes     operations that succeeded in the window
 * @param errors        failures in the window, by gRPC status code name
 * @param warmupErrors  failures outside the window — during warm-up, or while draining after it —
 *                      by code (not part of the result; shown so that a broken target is not
 *                      mistaken for a slow one)
 * @param latency       latency of the window's successes
 * @param unfinished    operations still open when the run gave up waiting for them (should be 0)
 * @param clientCpuShare share of the machine's CPU the benchmark process itself used during the run
 *                      (0 to 1; NaN if unknown): the load generator and the systems under test share
 *                      the CPUs, so a high share means the figures are partly the client's limit
 * @param errorSamples  the first message seen for each error code (warm-up included)
 */
public record Measured(
        double seconds,
        long successes,
        Map<String, Long> errors,
        Map<String, Long> warmupErrors,
        LatencySummary latency,
        long unfinished,
        double clientCpuShare,
        Map<String, String> errorSamples) {
    public Measured {
        errorSamples = Collections.unmodifiableMap(new TreeMap<>(errorSamples));
        errors = Collections.unmodifiableMap(new TreeMap<>(errors));
        warmupErrors = Collections.unmodifiableMap(new TreeMap<>(warmupErrors));
    }

    public double throughput() {
        return successes / seconds;
    }

    public long errorCount() {
        return errors.values().stream().mapToLong(Long::longValue).sum();
    }
}
