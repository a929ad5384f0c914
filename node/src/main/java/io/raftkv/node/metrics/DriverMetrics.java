package io.raftkv.node.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.raftkv.node.driver.DriverObserver;
import io.raftkv.node.storage.KvStateMachine;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Meters recorded where things happen in the Raft driver and the state machine, rather than sampled:
 * leader changes (etcd's {@code leader_changes_seen_total}), ReadIndex latency, LEASE reads by path
 * (lease or ReadIndex fallback), apply latency per
 * batch and slow applies, the time each Ready took to become durable, and the driver's own stall counters (late ticks, slow persists).
 *
 * <p>Wiring: {@code driver.setObserver(m)}, {@code stateMachine.setApplyObserver(m)}. Thread-safe:
 * leader changes and reads arrive on the driver's context, applies on the apply thread; Micrometer's
 * counters and timers are lock-free.
 */
public final class DriverMetrics extends MeterGroup implements DriverObserver, KvStateMachine.ApplyObserver {
    /** An apply batch slower than this is counted as slow (etcd's apply warning threshold). */
    public static final long SLOW_APPLY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final Counter leaderChanges;
    private final Timer readIndex;
    private final Timer apply;
    private final Timer persist;
    private final Counter slowApplies;
    private final Counter leaseReadsFromLease;
    private final Counter leaseReadsFallback;
    /** Strong references for the function counters, which hold their sources weakly. */
    private final LongSupplier loopStalls;

    private final LongSupplier slowPersists;

    /**
     * @param loopStalls   the driver's late-tick count ({@code RaftDriver::loopStalls})
     * @param slowPersists the driver's slow-persist count ({@code RaftDriver::slowPersists})
     */
    public DriverMetrics(MeterRegistry registry, LongSupplier loopStalls, LongSupplier slowPersists) {
        super(registry);
        this.loopStalls = Objects.requireNonNull(loopStalls, "loopStalls");
        this.slowPersists = Objects.requireNonNull(slowPersists, "slowPersists");
        leaderChanges = counter(RaftKvMeters.LEADER_CHANGES);
        slowApplies = counter(RaftKvMeters.SLOW_APPLIES);
        leaseReadsFromLease = counter(RaftKvMeters.LEASE_READS, "path", "lease");
        leaseReadsFallback = counter(RaftKvMeters.LEASE_READS, "path", "read_index");
        readIndex = track(
                LatencyBuckets.timer(registry, RaftKvMeters.READ_INDEX_DURATION, Tags.empty(), LatencyBuckets.FAST));
        apply = track(LatencyBuckets.timer(registry, RaftKvMeters.APPLY_DURATION, Tags.empty(), LatencyBuckets.FAST));
        persist = track(
                LatencyBuckets.timer(registry, RaftKvMeters.PERSIST_DURATION, Tags.empty(), LatencyBuckets.PERSIST));
        functionCounter(RaftKvMeters.LOOP_STALLS, this.loopStalls);
        functionCounter(RaftKvMeters.SLOW_PERSISTS, this.slowPersists);
    }

    private Counter counter(RaftKvMeters.Meter meter, String... tags) {
        return track(Counter.builder(meter.name())
                .description(meter.description())
                .tags(tags)
                .register(registry));
    }

    private void functionCounter(RaftKvMeters.Meter meter, LongSupplier source) {
        track(FunctionCounter.builder(meter.name(), source, s -> (double) s.getAsLong())
                .description(meter.description())
                .register(registry));
    }

    @Override
    public void leaderChanged(long newLeaderId) {
        leaderChanges.increment();
    }

    @Override
    public void readIndexServed(long nanos) {
        readIndex.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void leaseReads(int reads, boolean fromLease) {
        (fromLease ? leaseReadsFromLease : leaseReadsFallback).increment(reads);
    }

    /** LEASE reads answered from the lease ({@code true}) or by ReadIndex ({@code false}) so far. */
    public double leaseReads(boolean fromLease) {
        return (fromLease ? leaseReadsFromLease : leaseReadsFallback).count();
    }

    @Override
    public void persisted(long nanos) {
        persist.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void applied(int entries, long nanos) {
        apply.record(nanos, TimeUnit.NANOSECONDS);
        if (nanos > SLOW_APPLY_NANOS) {
            slowApplies.increment();
        }
    }

    /** Leader changes counted so far. */
    public double leaderChanges() {
        return leaderChanges.count();
    }

    /** Slow apply batches counted so far. */
    public double slowApplies() {
        return slowApplies.count();
    }

    /** Apply batches timed so far. */
    public long applies() {
        return apply.count();
    }

    /** ReadIndex barriers timed so far. */
    public long readIndexes() {
        return readIndex.count();
    }
}
