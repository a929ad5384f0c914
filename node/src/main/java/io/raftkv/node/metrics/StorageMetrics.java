package io.raftkv.node.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.raftkv.node.storage.KvStateMachine;
import io.raftkv.node.storage.WriterStats;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Storage meters: counters and gauges read at scrape time from the group-commit writer's
 * {@link WriterStats}, the storage's size on disk and RocksDB's estimates of live data and keys,
 * plus the fsync latency histogram, which the writer feeds through {@link #recordFsync(long)}.
 *
 * <p>The suppliers are called on the scrape thread, which the client server keeps off the event
 * loop; they must still be quick (the size on disk is a volatile read of a background
 * measurement, the RocksDB estimates are in-memory properties).
 */
public final class StorageMetrics extends MeterGroup {
    /** Strong reference to the source of the function counters (they hold it weakly). */
    private final Supplier<WriterStats> writerStats;

    private final Timer fsync;

    /**
     * @param writerStats             the writer's counters (a fresh snapshot per call)
     * @param dbSizeBytes             the storage's size on disk, bytes (allocated)
     * @param estimates               RocksDB's live-data and key-count estimates, or null when
     *                                storage cannot tell (those meters are then not published,
     *                                rather than published as a made-up 0)
     * @param pendingCompactionBytes  RocksDB's estimate of bytes compaction still has to rewrite, or
     *                                null when storage cannot tell (the meter is then not published)
     */
    public StorageMetrics(
            MeterRegistry registry,
            Supplier<WriterStats> writerStats,
            LongSupplier dbSizeBytes,
            Supplier<KvStateMachine.DataEstimates> estimates,
            LongSupplier pendingCompactionBytes) {
        super(registry);
        Objects.requireNonNull(writerStats, "writerStats");
        Objects.requireNonNull(dbSizeBytes, "dbSizeBytes");
        // FunctionCounters hold their source weakly: keep the supplier alive as long as we are.
        this.writerStats = writerStats;
        counter(RaftKvMeters.FSYNCS, writerStats, WriterStats::fsyncs, null);
        counter(RaftKvMeters.ENTRIES_WRITTEN, writerStats, WriterStats::entries, null);
        counter(RaftKvMeters.BYTES_WRITTEN, writerStats, WriterStats::bytes, "bytes");
        gauge(RaftKvMeters.ENTRIES_PER_FSYNC, null, () -> writerStats.get().entriesPerFsync());
        gauge(RaftKvMeters.WRITER_QUEUE_DEPTH, null, () -> writerStats.get().queueDepth());
        gauge(RaftKvMeters.STORAGE_FAILED, null, () -> writerStats.get().failed() ? 1 : 0);
        gauge(RaftKvMeters.DB_SIZE, "bytes", dbSizeBytes::getAsLong);
        if (estimates != null) {
            gauge(RaftKvMeters.DB_SIZE_IN_USE, "bytes", () -> estimates.get().liveBytes());
            gauge(RaftKvMeters.KEYS, null, () -> estimates.get().keys());
        }
        if (pendingCompactionBytes != null) {
            gauge(RaftKvMeters.PENDING_COMPACTION, "bytes", pendingCompactionBytes::getAsLong);
        }
        fsync = track(LatencyBuckets.timer(registry, RaftKvMeters.FSYNC_DURATION, Tags.empty(), LatencyBuckets.FAST));
    }

    /** Records one synced write of the Raft log; the shape of {@code NodeStorage.setFsyncObserver}. */
    public void recordFsync(long nanos) {
        fsync.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Synced writes timed so far. */
    public long fsyncCount() {
        return fsync.count();
    }

    private void counter(
            RaftKvMeters.Meter meter, Supplier<WriterStats> stats, ToDoubleFunction<WriterStats> f, String unit) {
        track(FunctionCounter.builder(meter.name(), stats, s -> f.applyAsDouble(s.get()))
                .description(meter.description())
                .baseUnit(unit)
                .register(registry));
    }

    private void gauge(RaftKvMeters.Meter meter, String unit, Supplier<Number> value) {
        track(Gauge.builder(meter.name(), value)
                .description(meter.description())
                .baseUnit(unit)
                .strongReference(true)
                .register(registry));
    }
}
