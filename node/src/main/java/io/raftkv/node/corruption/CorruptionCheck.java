package io.raftkv.node.corruption;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.raftkv.node.driver.NodeStatus;
import io.raftkv.node.driver.RaftNodeApi;
import io.raftkv.node.kv.AlarmType;
import io.raftkv.node.kv.ApplyResult;
import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.metrics.MeterGroup;
import io.raftkv.node.metrics.RaftKvMeters;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The corruption check (etcd's corrupt check): the leader proposes a hash point
 * ({@link Command.HashCheck}); every member hashes its state right after that entry
 * ({@code KvStateMachine#hashAt}); the leader collects every member's hash over the peer port
 * ({@link Peers#hashAt}) and compares them with {@link #judge}. A member whose hash differs from the
 * majority's gets the replicated {@link AlarmType#CORRUPT} alarm (raised by the leader, through the
 * log), after which the whole cluster refuses writes until the member is replaced and the alarm
 * disarmed. The log and the metric {@code raftkv_corruption_mismatches_total{member}} name it.
 *
 * <p>When: every {@link Settings#interval()} on the leader (0: never), and once at start-up on
 * every member ({@link Settings#atStartup()}): a started member waits until it has caught up with
 * the leader's commit index and then asks the leader to check now ({@link Peers#askLeaderToCheck};
 * the leader itself checks at once). One check at a time; a request during a check joins it.
 *
 * <p>Runs on one Vert.x context (a client event loop, never the Raft loop); hashing happens on the
 * state machine's own thread, never here.
 */
public final class CorruptionCheck extends MeterGroup {
    private static final Logger LOG = LoggerFactory.getLogger(CorruptionCheck.class);
    /** How often a starting member looks whether it caught up, and how many times it asks the leader. */
    static final long STARTUP_POLL_MS = 1_000;

    static final int STARTUP_ATTEMPTS = 60;

    /**
     * @param interval   how often the leader checks; {@link Duration#ZERO}: never periodically
     * @param atStartup  whether a member asks for a check once it has caught up after starting
     * @param timeout    how long the leader waits for each member's hash (and a member for the check)
     */
    public record Settings(Duration interval, boolean atStartup, Duration timeout) {
        public static final Settings DEFAULTS = new Settings(Duration.ofMinutes(5), true, Duration.ofSeconds(60));

        public Settings {
            if (interval.isNegative() || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("corruption check interval must be ≥ 0 and timeout > 0");
            }
        }

        public String describe() {
            return (interval.isZero() ? "no periodic check" : "every " + interval) + ", "
                    + (atStartup ? "at start-up" : "not at start-up") + ", hash timeout " + timeout;
        }
    }

    /** How the check reaches the other members (the peer port). */
    public interface Peers {
        /** Member {@code memberId}'s state hash right after entry {@code index}. */
        Future<Long> hashAt(long memberId, long index, Duration deadline);

        /** Asks leader {@code leaderId} to check now; completes with the members it found corrupt. */
        Future<Result> askLeaderToCheck(long leaderId, Duration deadline);
    }

    /**
     * One check's outcome.
     *
     * @param index    the hash point compared at
     * @param corrupt  members whose hash differed (CORRUPT raised for each), ascending
     * @param compared how many members' hashes were compared, the leader's included
     */
    public record Result(long index, List<Long> corrupt, int compared) {
        public Result {
            corrupt = List.copyOf(corrupt);
        }
    }

    private final Vertx vertx;
    private final Context context;
    private final RaftNodeApi node;
    private final Peers peers;
    private final Settings settings;
    private final Counter ok;
    private final Counter mismatched;
    private final Counter incomplete;
    private final long timerId;
    /** Confined to {@link #context}. */
    private Future<Result> inFlight;

    private long startupTimer = -1;
    private int startupAttempts;
    private boolean closed;

    public static CorruptionCheck start(
            Vertx vertx, Context context, RaftNodeApi node, Peers peers, Settings settings, MeterRegistry registry) {
        CorruptionCheck c = new CorruptionCheck(vertx, context, node, peers, settings, registry);
        LOG.info("corruption check: {}", settings.describe());
        if (settings.atStartup()) {
            context.runOnContext(v -> c.scheduleStartupCheck());
        }
        return c;
    }

    CorruptionCheck(
            Vertx vertx, Context context, RaftNodeApi node, Peers peers, Settings settings, MeterRegistry registry) {
        super(registry);
        this.vertx = vertx;
        this.context = context;
        this.node = node;
        this.peers = peers;
        this.settings = settings;
        this.ok = checks(registry, "equal");
        this.mismatched = checks(registry, "mismatch");
        this.incomplete = checks(registry, "incomplete");
        this.timerId = settings.interval().isZero()
                ? -1
                : vertx.setPeriodic(
                        settings.interval().toMillis(),
                        t -> context.runOnContext(v -> {
                            if (!closed && node.status().isLeader()) {
                                checkNow();
                            }
                        }));
    }

    private Counter checks(MeterRegistry registry, String result) {
        return track(Counter.builder(RaftKvMeters.CORRUPTION_CHECKS.name())
                .description(RaftKvMeters.CORRUPTION_CHECKS.description())
                .tag("result", result)
                .register(registry));
    }

    /**
     * Runs a check now (leader only: fails NOT_LEADER otherwise), or joins the one in flight. Any
     * thread; completes on the check's context.
     */
    public Future<Result> checkNow() {
        Promise<Result> done = Promise.promise();
        context.runOnContext(v -> {
            Future<Result> check = inFlight;
            if (check == null) {
                Future<Result> started = run();
                inFlight = started;
                // Cleared when it ends, also when it has already ended (a refusal fails at once):
                // clearing before the assignment above would keep a finished check for good.
                started.onComplete(ar -> {
                    if (inFlight == started) {
                        inFlight = null;
                    }
                });
                check = started;
            }
            check.onComplete(done);
        });
        return done.future();
    }

    private Future<Result> run() {
        NodeStatus s = node.status();
        if (!s.isLeader()) {
            return Future.failedFuture(io.raftkv.api.RaftKvException.notLeader(s.leaderId(), s.leaderClientAddress()));
        }
        return node.propose(CommandCodec.encode(Command.of(new Command.HashCheck())))
                .compose(applied -> {
                    if (applied.status() != ApplyResult.Status.APPLIED) {
                        return Future.failedFuture(new IllegalStateException(
                                "hash check entry not applied: " + applied.status() + " " + applied.reason()));
                    }
                    return compareAt(applied.index());
                })
                .onFailure(e -> {
                    incomplete.increment();
                    LOG.warn("corruption check failed: {}", e.toString());
                });
    }

    /** Collects every member's hash at hash point {@code index} and judges them. */
    private Future<Result> compareAt(long index) {
        long self = node.status().id();
        List<NodeStatus.Member> members = node.status().members();
        Future<Long> own = Future.fromCompletionStage(node.stateMachine().hashAt(index), context)
                .map(h -> h.hash());
        Map<Long, Future<Long>> asked = new LinkedHashMap<>();
        asked.put(self, own);
        for (NodeStatus.Member m : members) {
            if (m.id() != self) {
                Future<Long> h;
                try {
                    h = peers.hashAt(m.id(), index, settings.timeout());
                } catch (RuntimeException e) {
                    h = Future.failedFuture(e);
                }
                asked.put(m.id(), h);
            }
        }
        return Future.join(new ArrayList<>(asked.values())).transform(ignored -> {
            if (own.failed()) {
                return Future.failedFuture(own.cause());
            }
            Map<Long, Long> hashes = new LinkedHashMap<>();
            List<String> missing = new ArrayList<>();
            asked.forEach((id, f) -> {
                if (f.succeeded()) {
                    hashes.put(id, f.result());
                } else {
                    missing.add(id + " (" + f.cause().getMessage() + ")");
                }
            });
            List<Long> corrupt = judge(self, hashes);
            Result result = new Result(index, corrupt, hashes.size());
            report(result, hashes, missing);
            return raiseFor(corrupt).map(result);
        });
    }

    private void report(Result r, Map<Long, Long> hashes, List<String> missing) {
        if (!missing.isEmpty()) {
            LOG.warn("corruption check at index {}: no hash from member(s) {}", r.index(), missing);
        }
        if (r.corrupt().isEmpty()) {
            if (missing.isEmpty()) {
                ok.increment();
            } else {
                incomplete.increment();
            }
            LOG.info("corruption check at index {}: {} member(s) hold equal state hashes", r.index(), hashes.size());
            return;
        }
        mismatched.increment();
        for (long id : r.corrupt()) {
            track(Counter.builder(RaftKvMeters.CORRUPTION_MISMATCHES.name())
                            .description(RaftKvMeters.CORRUPTION_MISMATCHES.description())
                            .tag("member", Long.toString(id))
                            .register(registry))
                    .increment();
            LOG.error(
                    "corruption check at index {}: member {} holds state hash {} where the others hold {}"
                            + " (all hashes: {}); raising the CORRUPT alarm for member {}: writes are refused"
                            + " until it is replaced and the alarm disarmed",
                    r.index(),
                    id,
                    hex(hashes.get(id)),
                    hashes.entrySet().stream()
                            .filter(e -> !r.corrupt().contains(e.getKey()))
                            .map(e -> hex(e.getValue()))
                            .distinct()
                            .toList(),
                    describe(hashes),
                    id);
        }
    }

    private Future<Void> raiseFor(List<Long> corrupt) {
        List<Future<Void>> raised = new ArrayList<>();
        for (long id : corrupt) {
            raised.add(node.alarms().raiseFor(AlarmType.CORRUPT, id, "(its state hash differs: corruption check)"));
        }
        return Future.all(raised).mapEmpty();
    }

    /**
     * Which members are corrupt, given the hashes that answered ({@code hashes}, the leader's
     * included): the hash held by the most members is the reference (with three members, the
     * majority's), a tie is decided for the leader's hash (as etcd's periodic check trusts the
     * leader); every member holding another hash is corrupt.
     *
     * @return corrupt member ids, ascending; empty when all hashes are equal
     */
    static List<Long> judge(long leader, Map<Long, Long> hashes) {
        Map<Long, Integer> counts = new LinkedHashMap<>();
        hashes.values().forEach(h -> counts.merge(h, 1, Integer::sum));
        if (counts.size() <= 1) {
            return List.of();
        }
        Long leaderHash = hashes.get(leader);
        long reference = leaderHash;
        int best = counts.get(leaderHash);
        for (Map.Entry<Long, Integer> e : counts.entrySet()) {
            if (e.getValue() > best) {
                best = e.getValue();
                reference = e.getKey();
            }
        }
        long ref = reference;
        return hashes.entrySet().stream()
                .filter(e -> e.getValue() != ref)
                .map(Map.Entry::getKey)
                .sorted()
                .toList();
    }

    /** A starting member: once caught up with the leader, ask it to check (the leader checks at once). */
    private void scheduleStartupCheck() {
        if (closed) {
            return;
        }
        startupTimer = vertx.setTimer(STARTUP_POLL_MS, t -> context.runOnContext(v -> startupCheck()));
    }

    private void startupCheck() {
        if (closed || ++startupAttempts > STARTUP_ATTEMPTS) {
            if (!closed) {
                LOG.warn(
                        "start-up corruption check not done: no leader to check with after {} attempts",
                        STARTUP_ATTEMPTS);
            }
            return;
        }
        NodeStatus s = node.status();
        if (s.leaderId() == 0 || s.appliedIndex() < s.commitIndex() || s.commitIndex() == 0) {
            scheduleStartupCheck();
            return;
        }
        Future<Result> check = s.isLeader()
                ? checkNow()
                : peers.askLeaderToCheck(s.leaderId(), settings.timeout().multipliedBy(2));
        check.onComplete(ar -> context.runOnContext(v -> {
            if (ar.succeeded()) {
                Result r = ar.result();
                LOG.info(
                        "start-up corruption check at index {}: {} member(s) compared, corrupt: {}",
                        r.index(),
                        r.compared(),
                        r.corrupt().isEmpty() ? "none" : r.corrupt());
            } else {
                LOG.info(
                        "start-up corruption check not done yet ({}); trying again",
                        ar.cause().toString());
                scheduleStartupCheck();
            }
        }));
    }

    static String hex(Long hash) {
        return hash == null ? "-" : String.format("%016x", hash);
    }

    private static String describe(Map<Long, Long> hashes) {
        StringBuilder b = new StringBuilder();
        hashes.forEach((id, h) ->
                b.append(b.length() == 0 ? "" : ", ").append(id).append('=').append(hex(h)));
        return b.toString();
    }

    @Override
    public void close() {
        context.runOnContext(v -> {
            closed = true;
            if (timerId >= 0) {
                vertx.cancelTimer(timerId);
            }
            if (startupTimer >= 0) {
                vertx.cancelTimer(startupTimer);
            }
        });
        super.close();
    }
}
