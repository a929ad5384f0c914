package io.raftkv.node.lease;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.raftkv.node.driver.NodeStatus;
import io.raftkv.node.driver.NotLeaderException;
import io.raftkv.node.driver.RaftNodeApi;
import io.raftkv.node.driver.UnavailableException;
import io.raftkv.node.kv.ApplyResult;
import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.metrics.MeterGroup;
import io.raftkv.node.metrics.RaftKvMeters;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the {@link Lessor} on one Vert.x context: every {@link LeaseOptions#checkInterval()} it
 * follows this node's leadership, keeps the lessor in step with the replicated lease table, and,
 * as leader, proposes the revocation of every expired lease (at most
 * {@link LeaseOptions#maxExpiriesPerSecond()}, so a mass expiry cannot flood the log).
 *
 * <p><b>Becoming primary.</b> A member that wins an election does not keep deadlines at once: it
 * waits until it has applied its log as it stood when it first saw itself leader (that includes
 * the no-op a new leader appends, whose commit commits every earlier entry). Its lease table then
 * holds every grant of earlier terms, and {@link Lessor#promote} extends them all. Until then it
 * answers keep-alives UNAVAILABLE (the client retries) and expires nothing.
 *
 * <p>Every answer that depends on being leader (a renewal, a remaining TTL) is given only after a
 * LEASE read barrier succeeded on this node: the Raft leader lease proves no other leader can
 * exist at that moment, so a deposed leader never renews a lease that a newer leader may expire.
 */
public final class LeaseKeeper extends MeterGroup {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseKeeper.class);

    private final Vertx vertx;
    private final Context context;
    private final RaftNodeApi node;
    private final Supplier<Map<Long, Long>> table;
    private final LeaseOptions options;
    private final LongSupplier clock;
    private final Lessor lessor;
    private final Counter expirations;
    private final Counter keepAlives;
    private final long timerId;
    /** Confined to {@link #context}: the term this node leads in and will promote at, 0 if none. */
    private long pendingTerm;

    private long pendingIndex;
    private long primaryTerm;
    /** Expiries proposed in the current second, and which second. */
    private long budgetSecond = Long.MIN_VALUE;

    private int spentInSecond;
    private boolean closed;

    /** Starts checking on {@code context} (an event-loop context; not the Raft loop's). */
    public LeaseKeeper(
            Vertx vertx,
            Context context,
            RaftNodeApi node,
            Supplier<Map<Long, Long>> table,
            LeaseOptions options,
            MeterRegistry registry) {
        this(vertx, context, node, table, options, registry, System::nanoTime);
    }

    /**
     * @param table the replicated lease table (id → granted TTL) as applied on this node
     * @param clock monotonic nanoseconds
     */
    LeaseKeeper(
            Vertx vertx,
            Context context,
            RaftNodeApi node,
            Supplier<Map<Long, Long>> table,
            LeaseOptions options,
            MeterRegistry registry,
            LongSupplier clock) {
        super(registry);
        this.table = table;
        this.vertx = vertx;
        this.context = context;
        this.node = node;
        this.options = options;
        this.clock = clock;
        this.lessor = new Lessor(options.extension().toNanos());
        track(Gauge.builder(RaftKvMeters.LEASES.name(), table, t -> t.get().size())
                .description(RaftKvMeters.LEASES.description())
                .register(registry));
        this.expirations = track(Counter.builder(RaftKvMeters.LEASE_EXPIRATIONS.name())
                .description(RaftKvMeters.LEASE_EXPIRATIONS.description())
                .register(registry));
        this.keepAlives = track(Counter.builder(RaftKvMeters.LEASE_KEEPALIVES.name())
                .description(RaftKvMeters.LEASE_KEEPALIVES.description())
                .register(registry));
        this.timerId = vertx.setPeriodic(options.checkInterval().toMillis(), t -> context.runOnContext(v -> check()));
    }

    /** The smallest TTL granted, seconds: a lease shorter than a leader change could not be kept alive through one. */
    public long minTtlSeconds() {
        return options.minTtlSeconds();
    }

    /**
     * Renews lease {@code id} (after a LEASE read barrier): the TTL granted, 0 if the lease is
     * unknown or expired; fails NOT_LEADER on a follower, UNAVAILABLE while this leader is not
     * primary yet.
     */
    public Future<Long> keepAlive(long id) {
        return leaderOnly(() -> {
            keepAlives.increment();
            return lessor.keepAlive(id, clock.getAsLong());
        });
    }

    /** Nanoseconds lease {@code id} has left on the leader's clock, -1 if unknown; leader only, as {@link #keepAlive}. */
    public Future<Long> remainingNanos(long id) {
        return leaderOnly(() -> lessor.remainingNanos(id, clock.getAsLong()));
    }

    private <T> Future<T> leaderOnly(java.util.function.Supplier<T> action) {
        return node.leadershipBarrier().compose(v -> {
            Promise<T> p = Promise.promise();
            context.runOnContext(x -> {
                try {
                    check(false);
                    NodeStatus s = node.status();
                    if (!s.isLeader()) {
                        p.fail(new NotLeaderException(s.leaderId(), s.leaderClientAddress()));
                    } else if (!lessor.primary()) {
                        p.fail(new UnavailableException(
                                "the new leader is still applying its log; lease renewals" + " resume once it has"));
                    } else {
                        p.complete(action.get());
                    }
                } catch (RuntimeException e) {
                    p.fail(e);
                }
            });
            return p.future();
        });
    }

    private void check() {
        check(true);
    }

    /** Follows leadership and the table; with {@code expire}, proposes the revocation of expired leases. */
    private void check(boolean expire) {
        if (closed) {
            return;
        }
        NodeStatus s = node.status();
        long now = clock.getAsLong();
        if (!s.isLeader() || !s.healthy()) {
            if (lessor.primary()) {
                LOG.info("no longer leader (term {}): lease deadlines are the next leader's", primaryTerm);
            }
            lessor.demote();
            pendingTerm = 0;
            primaryTerm = 0;
            return;
        }
        Map<Long, Long> table = this.table.get();
        if (!lessor.primary() || s.term() != primaryTerm) {
            if (pendingTerm != s.term()) {
                lessor.demote();
                pendingTerm = s.term();
                pendingIndex = s.lastIndex();
            }
            if (s.appliedIndex() < pendingIndex) {
                return;
            }
            lessor.promote(now, table);
            primaryTerm = s.term();
            LOG.info(
                    "leader in term {}: keeping the deadlines of {} lease(s), each extended by {} ms",
                    primaryTerm,
                    lessor.size(),
                    options.extension().toMillis());
        }
        lessor.sync(now, table);
        if (expire) {
            expire(now);
        }
    }

    private void expire(long now) {
        long second = now / 1_000_000_000L;
        if (second != budgetSecond) {
            budgetSecond = second;
            spentInSecond = 0;
        }
        int budget = options.maxExpiriesPerSecond() - spentInSecond;
        if (budget <= 0) {
            return;
        }
        List<Long> expired = lessor.expired(now, budget);
        spentInSecond += expired.size();
        for (long id : expired) {
            byte[] data = CommandCodec.encode(Command.of(new Command.LeaseRevoke(id, true)));
            node.propose(data)
                    .onComplete(ar -> context.runOnContext(v -> {
                        if (ar.succeeded() && ar.result().status() == ApplyResult.Status.APPLIED) {
                            expirations.increment();
                            LOG.debug(
                                    "lease {} expired; {} key(s) deleted at index {}",
                                    id,
                                    ar.result().txnResults().size(),
                                    ar.result().index());
                        } else if (ar.failed()) {
                            LOG.debug(
                                    "expiring lease {} failed ({}); will retry",
                                    id,
                                    ar.cause().toString());
                            lessor.revocationFailed(id);
                        }
                    }));
        }
    }

    /** This node's status (for response headers). */
    public NodeStatus status() {
        return node.status();
    }

    /** Stops checking and removes the meters. */
    @Override
    public void close() {
        vertx.cancelTimer(timerId);
        context.runOnContext(v -> {
            closed = true;
            lessor.demote();
        });
        super.close();
    }
}
