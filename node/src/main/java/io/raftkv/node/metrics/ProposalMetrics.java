package io.raftkv.node.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts client writes proposed to Raft, those still pending, and times each from proposal to
 * "committed and applied here" (the moment {@code RaftNodeApi.propose} completes, which is what the
 * client waits for). Every {@link #proposed} must be followed by one {@link #succeeded} or {@link #failed}.
 * Failures are counted by reason; reasons are the closed set of gRPC-level codes the driver
 * reports, so the series stay few.
 *
 * <p>Thread-safe: called from any event loop.
 */
public final class ProposalMetrics extends MeterGroup {
    /** The kinds of write a client proposes; one counter each. */
    public enum Kind {
        PUT,
        DELETE,
        COMPARE_AND_SET,
        TXN,
        COMPACT
    }

    private final Map<Kind, Counter> proposed = new ConcurrentHashMap<>();
    private final Map<String, Counter> failed = new ConcurrentHashMap<>();
    private final Timer duration;
    /** Proposed and not yet succeeded or failed; the gauge holds it weakly, this field strongly. */
    private final AtomicLong pending = new AtomicLong();

    public ProposalMetrics(MeterRegistry registry) {
        super(registry);
        for (Kind k : Kind.values()) {
            proposed.put(
                    k,
                    track(Counter.builder(RaftKvMeters.PROPOSALS.name())
                            .description(RaftKvMeters.PROPOSALS.description())
                            .tag("kind", k.name().toLowerCase(Locale.ROOT))
                            .register(registry)));
        }
        duration = track(
                LatencyBuckets.timer(registry, RaftKvMeters.PROPOSAL_DURATION, Tags.empty(), LatencyBuckets.FAST));
        track(Gauge.builder(RaftKvMeters.PROPOSALS_PENDING.name(), pending, AtomicLong::get)
                .description(RaftKvMeters.PROPOSALS_PENDING.description())
                .register(registry));
    }

    /** Counts one proposal and returns its start time for {@link #succeeded(long)}. */
    public long proposed(Kind kind) {
        proposed.get(kind).increment();
        pending.incrementAndGet();
        return System.nanoTime();
    }

    /** Records a proposal that was committed and applied, started at {@code startNanos}. */
    public void succeeded(long startNanos) {
        pending.decrementAndGet();
        duration.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Counts a failed proposal.
     *
     * @param reason a short code from a closed set (e.g. {@code not_leader}, {@code unavailable});
     *               never a free-form message, which would create unbounded series
     */
    public void failed(String reason) {
        pending.decrementAndGet();
        failed.computeIfAbsent(
                        reason,
                        r -> track(Counter.builder(RaftKvMeters.PROPOSAL_FAILURES.name())
                                .description(RaftKvMeters.PROPOSAL_FAILURES.description())
                                .tag("reason", r)
                                .register(registry)))
                .increment();
    }

    /** Proposals of {@code kind} counted so far. */
    public double proposedCount(Kind kind) {
        return proposed.get(kind).count();
    }

    /** Failures with {@code reason} counted so far. */
    public double failedCount(String reason) {
        Counter c = failed.get(reason);
        return c == null ? 0 : c.count();
    }

    /** Proposals counted by {@link #proposed} and not yet {@link #succeeded} or {@link #failed}. */
    public long pendingCount() {
        return pending.get();
    }

    /** Successful proposals timed so far. */
    public long succeededCount() {
        return duration.count();
    }
}
