package io.raftkv.node.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.raftkv.node.storage.WriterStats;
import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Storage meters, read at scrape time from the group-commit writer's {@link WriterStats} and from
 * two RocksDB properties. The suppliers are called on the scrape thread, which the client server
 * keeps off the event loop; they must still be quick (the RocksDB properties
 * {@code rocksdb.live-sst-files-size} and {@code rocksdb.estimate-pending-compaction-bytes} are
 * in-memory reads).
 *
 * <p>Fsync latency is published as gauges of the writer's own histogram (p50, p99, max since
 * start) rather than as a Micrometer timer, because the writer thread must not call into metrics
 * code on its hot path; its histogram already is lock-free.
 */
public final class StorageMetrics extends MeterGroup {
    /** Strong reference to the source of the function counters (they hold it weakly). */
    private final Supplier<WriterStats> writerStats;

    private static final double MICROS_PER_SECOND = 1_000_000.0;

    /**
     * @param writerStats             the writer's counters (a fresh snapshot per call)
     * @param dbSizeBytes             the database's size on disk, bytes
     * @param pendingCompactionBytes  RocksDB's estimate of bytes compaction still has to rewrite, or
     *                                null when storage cannot tell (the meter is then not published,
     *                                rather than published as a made-up 0)
     */
    public StorageMetrics(MeterRegistry registry, Supplier<WriterStats> writerStats, LongSupplier dbSizeBytes,
                          LongSupplier pendingCompactionBytes) {
        super(registry);
        Objects.requireNonNull(writerStats, "writerStats");
        Objects.requireNonNull(dbSizeBytes, "dbSizeBytes");
        // FunctionCounters hold their source weakly: keep the supplier alive as long as we are.
        this.writerStats = writerStats;
        counter(RaftKvMeters.FSYNCS, writerStats, WriterStats::fsyncs, null);
        counter(RaftKvMeters.ENTRIES_WRITTEN, writerStats, WriterStats::entries, null);
        counter(RaftKvMeters.BYTES_WRITTEN, writerStats, WriterStats::bytes, "bytes");
        gauge(RaftKvMeters.ENTRIES_PER_FSYNC, null, null, () -> writerStats.get().entriesPerFsync());
        gauge(RaftKvMeters.FSYNC_LATENCY, "p50", "seconds", () -> writerStats.get().fsyncP50Micros() / MICROS_PER_SECOND);
        gauge(RaftKvMeters.FSYNC_LATENCY, "p99", "seconds", () -> writerStats.get().fsyncP99Micros() / MICROS_PER_SECOND);
        gauge(RaftKvMeters.FSYNC_LATENCY, "max", "seconds", () -> writerStats.get().fsyncMaxMicros() / MICROS_PER_SECOND);
        gauge(RaftKvMeters.WRITER_QUEUE_DEPTH, null, null, () -> writerStats.get().queueDepth());
        gauge(RaftKvMeters.STORAGE_FAILED, null, null, () -> writerStats.get().failed() ? 1 : 0);
        gauge(RaftKvMeters.DB_SIZE, null, "bytes", dbSizeBytes::getAsLong);
        if (pendingCompactionBytes != null) {
            gauge(RaftKvMeters.PENDING_COMPACTION, null, "bytes", pendingCompactionBytes::getAsLong);
        }
    }

    private void counter(RaftKvMeters.Meter meter, Supplier<WriterStats> stats, ToDoubleFunction<WriterStats> f,
                         String unit) {
        track(FunctionCounter.builder(meter.name(), stats, s -> f.applyAsDouble(s.get()))
                .description(meter.description())
                .baseUnit(unit)
                .register(registry));
    }

    private void gauge(RaftKvMeters.Meter meter, String stat, String unit, Supplier<Number> value) {
        Gauge.Builder<Supplier<Number>> b = Gauge.builder(meter.name(), value)
                .description(meter.description())
                .baseUnit(unit)
                .strongReference(true);
        if (stat != null) {
            b.tag("stat", stat);
        }
        track(b.register(registry));
    }
}
