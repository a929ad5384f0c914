package io.raftkv.node.compaction;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.raftkv.node.driver.NodeStatus;
import io.raftkv.node.driver.RaftNodeApi;
import io.raftkv.node.kv.ApplyResult;
import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.kv.Revisions;
import io.raftkv.node.metrics.MeterGroup;
import io.raftkv.node.metrics.RaftKvMeters;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link CompactionPolicy} on one Vert.x context (a client event loop, never the Raft loop):
 * every {@link CompactionPolicy#tickInterval()} it samples the member's applied revisions and, when
 * this member is the ready, healthy leader and the policy names a revision, proposes
 * {@code Command.Compact(revision)} — the same replicated command as {@code KV.Compact}, applied by
 * every member in one step while the old versions are deleted in the background. One proposal at a
 * time; a failed or refused one (leadership lost, someone compacted further by hand) is simply tried
 * again on a later tick with a fresh target.
 */
public final class AutoCompactor extends MeterGroup {
    private static final Logger LOG = LoggerFactory.getLogger(AutoCompactor.class);
    /** The driver answers every proposal (applied, or failed when leadership is lost); this bounds the wait anyway. */
    private static final Duration PROPOSAL_WAIT = Duration.ofSeconds(60);

    private final Vertx vertx;
    private final Context context;
    private final RaftNodeApi node;
    private final Supplier<Revisions> revisions;
    private final CompactionPolicy policy;
    private final LongSupplier clock;
    private final Counter compactions;
    private final Counter failures;
    private final long timerId;
    /** Confined to {@link #context}. */
    private boolean inFlight;

    private long inFlightSince;

    private boolean closed;

    /**
     * Starts the policy's timer on {@code context}; with a disabled policy it does nothing.
     *
     * @param revisions the member's applied revisions (the state machine's)
     */
    public static AutoCompactor start(
            Vertx vertx,
            Context context,
            RaftNodeApi node,
            Supplier<Revisions> revisions,
            CompactionPolicy policy,
            MeterRegistry registry) {
        AutoCompactor c = new AutoCompactor(vertx, context, node, revisions, policy, registry, System::nanoTime, true);
        LOG.info("auto-compaction: {}", policy.describe());
        return c;
    }

    /** With a clock of its own and no timer: the caller runs {@link #tick()} on {@code context}. */
    AutoCompactor(
            Vertx vertx,
            Context context,
            RaftNodeApi node,
            Supplier<Revisions> revisions,
            CompactionPolicy policy,
            MeterRegistry registry,
            LongSupplier clock,
            boolean timer) {
        super(registry);
        this.vertx = vertx;
        this.context = context;
        this.node = node;
        this.revisions = revisions;
        this.policy = policy;
        this.clock = clock;
        this.compactions = track(Counter.builder(RaftKvMeters.AUTO_COMPACTIONS.name())
                .description(RaftKvMeters.AUTO_COMPACTIONS.description())
                .register(registry));
        this.failures = track(Counter.builder(RaftKvMeters.AUTO_COMPACTION_FAILURES.name())
                .description(RaftKvMeters.AUTO_COMPACTION_FAILURES.description())
                .register(registry));
        this.timerId = timer && policy.enabled()
                ? vertx.setPeriodic(
                        Math.max(1, policy.tickInterval().toMillis()), t -> context.runOnContext(v -> tick()))
                : -1;
    }

    /** One step of the policy; must run on the compactor's context. */
    void tick() {
        if (closed || !policy.enabled()) {
            return;
        }
        Revisions r = revisions.get();
        if (r == null) {
            return;
        }
        long now = clock.getAsLong();
        long target = policy.target(now, r.current(), r.compacted());
        if (inFlight && now - inFlightSince > PROPOSAL_WAIT.toNanos()) {
            LOG.warn("auto-compaction: a proposal got no answer within {}; proposing again", PROPOSAL_WAIT);
            inFlight = false; // a late answer is harmless: it only counts and records the time
        }
        NodeStatus s = node.status();
        if (target == 0 || inFlight || !s.isLeader() || !s.healthy() || !node.healthy()) {
            return;
        }
        inFlight = true;
        inFlightSince = now;
        node.propose(CommandCodec.encode(Command.of(new Command.Compact(target))))
                .onComplete(ar -> context.runOnContext(v -> {
                    inFlight = false;
                    if (ar.succeeded() && ar.result().status() == ApplyResult.Status.APPLIED) {
                        policy.compacted(clock.getAsLong());
                        compactions.increment();
                        LOG.info("auto-compaction: compacted at revision {} (store revision {})", target, r.current());
                    } else {
                        failures.increment();
                        LOG.info(
                                "auto-compaction at revision {} not done ({}); trying again later",
                                target,
                                ar.succeeded()
                                        ? ar.result().reason()
                                        : ar.cause().toString());
                    }
                }));
    }

    /** Stops the timer and removes the meters. */
    @Override
    public void close() {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
        context.runOnContext(v -> closed = true);
        super.close();
    }
}
