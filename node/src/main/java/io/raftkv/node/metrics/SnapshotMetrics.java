package io.raftkv.node.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Counts, sizes and durations of snapshots: created locally (log compaction), sent to or received
 * from a peer (InstallSnapshot), and downloaded by a client (Cluster.Snapshot backups). The count
 * is the timer's {@code _count}, split by outcome.
 *
 * <p>Thread-safe; every meter is registered up front, so recording never allocates a series.
 */
public final class SnapshotMetrics extends MeterGroup {
    /** What happened to a snapshot. */
    public enum Kind {
        CREATED,
        SENT,
        RECEIVED,
        DOWNLOADED
    }

    private final Map<Kind, Timer> ok = new EnumMap<>(Kind.class);
    private final Map<Kind, Timer> error = new EnumMap<>(Kind.class);
    private final Map<Kind, Counter> bytes = new EnumMap<>(Kind.class);

    public SnapshotMetrics(MeterRegistry registry) {
        super(registry);
        for (Kind k : Kind.values()) {
            String kind = k.name().toLowerCase(Locale.ROOT);
            ok.put(k, timer(kind, "ok"));
            error.put(k, timer(kind, "error"));
            bytes.put(
                    k,
                    track(Counter.builder(RaftKvMeters.SNAPSHOT_BYTES.name())
                            .description(RaftKvMeters.SNAPSHOT_BYTES.description())
                            .baseUnit("bytes")
                            .tag("kind", kind)
                            .register(registry)));
        }
    }

    private Timer timer(String kind, String outcome) {
        return track(LatencyBuckets.timer(
                registry,
                RaftKvMeters.SNAPSHOT_DURATION,
                Tags.of("kind", kind, "outcome", outcome),
                LatencyBuckets.SLOW));
    }

    /**
     * Records one snapshot operation.
     *
     * @param bytes     data bytes moved or written (ignored for failures)
     * @param nanos     how long it took
     * @param succeeded whether it completed
     */
    public void record(Kind kind, long bytes, long nanos, boolean succeeded) {
        if (bytes < 0 || nanos < 0) {
            throw new IllegalArgumentException("bytes and nanos must be ≥ 0, got " + bytes + " and " + nanos);
        }
        (succeeded ? ok : error).get(kind).record(nanos, TimeUnit.NANOSECONDS);
        if (succeeded) {
            this.bytes.get(kind).increment(bytes);
        }
    }

    /** Operations of {@code kind} recorded with the given outcome. */
    public long count(Kind kind, boolean succeeded) {
        return (succeeded ? ok : error).get(kind).count();
    }

    /** Bytes recorded for successful operations of {@code kind}. */
    public double bytes(Kind kind) {
        return bytes.get(kind).count();
    }
}
