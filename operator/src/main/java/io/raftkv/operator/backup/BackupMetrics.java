package io.raftkv.operator.backup;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Backup metrics on the operator's Prometheus endpoint, per cluster (labels {@code namespace},
 * {@code cluster}):
 * <ul>
 *   <li>{@code raftkv_backup_last_success_timestamp_seconds}: completion time of the newest
 *       successful backup (restored from the RaftKvBackups' status after an operator restart);</li>
 *   <li>{@code raftkv_backup_last_duration_seconds}, {@code raftkv_backup_last_size_bytes}: of that backup;</li>
 *   <li>{@code raftkv_backup_failures_total}, {@code raftkv_backup_successes_total}: backups that
 *       ended so, counted when this operator saw them end.</li>
 * </ul>
 */
public final class BackupMetrics {

    private final MeterRegistry registry;
    private final Map<String, Last> last = new ConcurrentHashMap<>();

    private record Last(AtomicLong completionSeconds, AtomicLong durationMillis, AtomicLong bytes) {}

    public BackupMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** A successful backup completed at {@code completionEpochSeconds}; kept if it is the newest. */
    public void success(
            String namespace, String cluster, long completionEpochSeconds, double durationSeconds, long bytes) {
        Last l = last.computeIfAbsent(namespace + "/" + cluster, k -> register(namespace, cluster));
        synchronized (l) {
            if (completionEpochSeconds >= l.completionSeconds().get()) {
                l.completionSeconds().set(completionEpochSeconds);
                l.durationMillis().set(Math.round(durationSeconds * 1000));
                l.bytes().set(bytes);
            }
        }
    }

    /** Counts a backup that this operator saw end. */
    public void ended(String namespace, String cluster, boolean succeeded) {
        Counter.builder(succeeded ? "raftkv_backup_successes_total" : "raftkv_backup_failures_total")
                .description(succeeded ? "Backups that succeeded" : "Backups that failed")
                .tag("namespace", namespace)
                .tag("cluster", cluster)
                .register(registry)
                .increment();
    }

    private Last register(String namespace, String cluster) {
        Last l = new Last(new AtomicLong(), new AtomicLong(), new AtomicLong());
        Gauge.builder("raftkv_backup_last_success_timestamp_seconds", l.completionSeconds(), AtomicLong::get)
                .description("Completion time (Unix seconds) of the newest successful backup")
                .tag("namespace", namespace)
                .tag("cluster", cluster)
                .register(registry);
        Gauge.builder("raftkv_backup_last_duration_seconds", l.durationMillis(), m -> m.get() / 1000.0)
                .description("Duration of the newest successful backup")
                .tag("namespace", namespace)
                .tag("cluster", cluster)
                .register(registry);
        Gauge.builder("raftkv_backup_last_size_bytes", l.bytes(), AtomicLong::get)
                .description("Size of the newest successful backup")
                .tag("namespace", namespace)
                .tag("cluster", cluster)
                .register(registry);
        return l;
    }
}
