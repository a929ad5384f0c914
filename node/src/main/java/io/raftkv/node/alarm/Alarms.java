package io.raftkv.node.alarm;

import io.raftkv.api.ErrorReason;
import io.raftkv.api.RaftKvException;
import io.raftkv.node.driver.NodeStatus;
import io.raftkv.node.driver.RaftNodeApi;
import io.raftkv.node.kv.ActiveAlarms;
import io.raftkv.node.kv.AlarmType;
import io.raftkv.node.kv.ApplyResult;
import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.CommandCodec;
import io.vertx.core.Future;
import io.vertx.grpc.common.GrpcStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's one alarm API (etcd's alarm mechanism): every kind of alarm ({@link AlarmType}) is
 * raised, listed and cleared through here, and every alarm is replicated through the Raft log
 * ({@link Command.Alarm}), so the whole cluster agrees on it and the state machine refuses what it
 * forbids at apply time on every replica. See {@link AlarmType} for how to add a type.
 *
 * <ul>
 *   <li>{@link #active()}: the replicated set as of this member's applied index.</li>
 *   <li>{@link #raise(AlarmType)}: raises the alarm for this member. The leader proposes it; a
 *       follower (followers do not propose) asks the leader to, through its {@link Reporter} (the
 *       peer port's {@code RaftPeer.RaiseAlarm}), and the leader proposes it with
 *       {@link #raiseFor(AlarmType, long)}.</li>
 *   <li>{@link #disarm(AlarmType, long)}: proposes the clear (leader only); for NOSPACE it first
 *       compacts the data and refuses (FAILED_PRECONDITION) while it is still above the quota.</li>
 *   <li>{@link #refusal(Command)}: what a client server answers before proposing a write an active
 *       alarm forbids (saves a Raft round trip; the state machine decides anyway, {@link #error}).</li>
 * </ul>
 *
 * <p><b>Space quota</b> (etcd's {@code --quota-backend-bytes}): with a quota, a thread of its own
 * measures the state machine's data ({@code KvStateMachine.dataBytes()}) every
 * {@link #SAMPLE_INTERVAL_MS} ms; above the quota this member raises NOSPACE (at most once per
 * interval), and a write that adds data is refused at once even before the alarm is applied.
 * Measurement: live SST files and memtables of the state machine, not the Raft log or snapshots,
 * which is why the operator leaves headroom below the volume size (docs/operations.md).
 *
 * <p>Thread-safety: every method may be called from any thread and never blocks; futures complete
 * on the driver's context or a worker.
 */
public final class Alarms implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Alarms.class);
    /** How often the data size is measured against the quota. */
    public static final long SAMPLE_INTERVAL_MS = 1_000;

    private final long selfId;
    private final RaftNodeApi node;
    private final AtomicBoolean raising = new AtomicBoolean();
    private volatile long quotaBytes;
    private volatile long dataBytes;
    private volatile long lastRaiseNanos;
    private volatile long lastFollowerCompactionNanos = System.nanoTime() - TimeUnit.HOURS.toNanos(1);
    /** How often a follower above its quota compacts before it asks the leader to raise NOSPACE. */
    static final long FOLLOWER_COMPACTION_INTERVAL_MS = 10_000;

    private volatile boolean followerWarned;
    private volatile Reporter reporter;
    private ScheduledExecutorService sampler;

    /** How a follower asks the leader to raise an alarm for it. */
    @FunctionalInterface
    public interface Reporter {
        /** Completes once the leader {@code leaderId} applied alarm {@code type} for this member. */
        Future<Void> report(long leaderId, AlarmType type);
    }

    /**
     * @param node the node whose state machine holds the alarms and through which they are proposed;
     *             null: no state machine (a test's fake node), no alarm is ever active
     */
    public Alarms(long selfId, RaftNodeApi node) {
        this.selfId = selfId;
        this.node = node;
    }

    /** No alarms and no quota: for nodes without a state machine (tests). */
    public static Alarms none() {
        return new Alarms(0, null);
    }

    /**
     * Sets the space quota ({@code bytes} > 0) and starts measuring the data against it; 0 turns
     * the quota off. Call once, before serving.
     */
    public synchronized void startQuota(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("quota must be ≥ 0 bytes, got " + bytes);
        }
        this.quotaBytes = bytes;
        if (bytes == 0 || node == null || sampler != null) {
            return;
        }
        sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "raftkv-quota");
            t.setDaemon(true);
            return t;
        });
        sampler.scheduleWithFixedDelay(this::sample, 0, SAMPLE_INTERVAL_MS, TimeUnit.MILLISECONDS);
    }

    /** Lets a follower's raise go to the leader through {@code reporter}; without one it only logs. */
    public Alarms reportThrough(Reporter reporter) {
        this.reporter = reporter;
        return this;
    }

    /** The space quota in bytes; 0: none. */
    public long quotaBytes() {
        return quotaBytes;
    }

    /** The data size as last measured (0 before the first measurement or without a quota). */
    public long dataBytes() {
        return dataBytes;
    }

    /** The alarms active as of this member's applied index. */
    public ActiveAlarms active() {
        return node == null ? ActiveAlarms.NONE : node.stateMachine().alarms();
    }

    /** Whether {@code type} is active for any member. */
    public boolean active(AlarmType type) {
        return active().active(type);
    }

    /** Measures the data; above the quota, raises NOSPACE for this member unless it is active. */
    void sample() {
        try {
            long bytes = node.stateMachine().dataBytes();
            dataBytes = bytes;
            if (overQuota() && !active().active(AlarmType.NOSPACE, selfId)) {
                if (!node.status().isLeader() && !compactedAndStillOver()) {
                    return;
                }
                raise(AlarmType.NOSPACE);
            }
        } catch (RuntimeException e) {
            LOG.debug("quota sample failed: {}", e.toString());
        }
    }

    /**
     * A follower reports only data that full compaction cannot bring under its quota (as the
     * leader's disarm checks its own), so deleted and compacted keys whose files RocksDB has not
     * yet merged do not raise the alarm again right after a disarm. At most every
     * {@link #FOLLOWER_COMPACTION_INTERVAL_MS}; on the quota thread, which may block.
     */
    private boolean compactedAndStillOver() {
        long now = System.nanoTime();
        if (now - lastFollowerCompactionNanos < TimeUnit.MILLISECONDS.toNanos(FOLLOWER_COMPACTION_INTERVAL_MS)) {
            return false;
        }
        lastFollowerCompactionNanos = now;
        node.stateMachine().compactData();
        dataBytes = node.stateMachine().dataBytes();
        return overQuota();
    }

    private boolean overQuota() {
        long q = quotaBytes;
        return q > 0 && dataBytes > q;
    }

    /**
     * Raises {@code type} for this member through the log. At most one raise is in flight, and a
     * new one starts at most once per {@link #SAMPLE_INTERVAL_MS}; those calls complete at once.
     *
     * @return completes when the alarm was applied here; fails NOT_LEADER on a follower
     */
    public Future<Void> raise(AlarmType type) {
        if (node == null || active().active(type, selfId)) {
            return Future.succeededFuture();
        }
        long now = System.nanoTime();
        if (now - lastRaiseNanos < TimeUnit.MILLISECONDS.toNanos(SAMPLE_INTERVAL_MS)
                || !raising.compareAndSet(false, true)) {
            return Future.succeededFuture();
        }
        lastRaiseNanos = now;
        NodeStatus s = node.status();
        if (!s.isLeader()) {
            return reportToLeader(type, s);
        }
        LOG.warn(
                "raising the {} alarm for member {} (data {} bytes, quota {} bytes)",
                type,
                selfId,
                dataBytes,
                quotaBytes);
        return activate(type, selfId).andThen(ar -> {
            raising.set(false);
            if (ar.failed()) {
                LOG.warn("raising the {} alarm failed: {}", type, ar.cause().toString());
            }
        });
    }

    /** A follower's raise: the leader proposes it (the caller holds {@link #raising}). */
    private Future<Void> reportToLeader(AlarmType type, NodeStatus s) {
        Reporter r = reporter;
        if (r == null || s.leaderId() == 0) {
            raising.set(false);
            if (!followerWarned) {
                followerWarned = true;
                LOG.warn(
                        "{} condition on member {}, which does not lead and {}: the alarm is raised when it can be",
                        type,
                        selfId,
                        r == null ? "cannot report to the leader" : "knows no leader");
            }
            return Future.failedFuture(RaftKvException.notLeader(s.leaderId(), s.leaderClientAddress()));
        }
        LOG.warn(
                "asking leader {} to raise the {} alarm for member {} (data {} bytes, quota {} bytes)",
                s.leaderId(),
                type,
                selfId,
                dataBytes,
                quotaBytes);
        Future<Void> reported;
        try {
            reported = r.report(s.leaderId(), type);
        } catch (RuntimeException e) {
            reported = Future.failedFuture(e);
        }
        return reported.andThen(ar -> {
            raising.set(false);
            if (ar.failed()) {
                LOG.warn(
                        "leader {} did not raise the {} alarm: {}",
                        s.leaderId(),
                        type,
                        ar.cause().toString());
            }
        });
    }

    /**
     * Raises {@code type} for member {@code memberId}, at that member's request (a follower that
     * detected the condition: {@code RaftPeer.RaiseAlarm}). Leader only; the member must be in the
     * configuration.
     *
     * @return completes once applied; fails NOT_LEADER on a follower, FAILED_PRECONDITION for a
     *         non-member
     */
    public Future<Void> raiseFor(AlarmType type, long memberId) {
        return raiseFor(type, memberId, "at its request");
    }

    /**
     * As {@link #raiseFor(AlarmType, long)}, for a condition this leader detected about member
     * {@code memberId} ({@code why} goes to the log: the corruption check's CORRUPT).
     */
    public Future<Void> raiseFor(AlarmType type, long memberId, String why) {
        if (node == null) {
            return Future.failedFuture(RaftKvException.of(GrpcStatus.UNAVAILABLE, "no state machine"));
        }
        NodeStatus s = node.status();
        if (!s.isLeader()) {
            return Future.failedFuture(RaftKvException.notLeader(s.leaderId(), s.leaderClientAddress()));
        }
        if (s.members().stream().noneMatch(m -> m.id() == memberId)) {
            return Future.failedFuture(RaftKvException.of(
                    GrpcStatus.FAILED_PRECONDITION,
                    "member " + memberId + " is not in the configuration; no alarm raised for it"));
        }
        if (active().active(type, memberId)) {
            return Future.succeededFuture();
        }
        LOG.warn("raising the {} alarm for member {} {}", type, memberId, why);
        return activate(type, memberId);
    }

    private Future<Void> activate(AlarmType type, long memberId) {
        return node.propose(CommandCodec.encode(
                        Command.of(new Command.Alarm(Command.AlarmAction.ACTIVATE, type, memberId))))
                .mapEmpty();
    }

    /**
     * Clears every active alarm of {@code typeOrNull} (null: every type) for {@code memberId}
     * (0: every member). NOSPACE is cleared only if this member's data, once compacted, is within
     * its quota; otherwise FAILED_PRECONDITION with a message naming the sizes.
     * Leader only (NOT_LEADER otherwise).
     *
     * @return the alarms cleared
     */
    public Future<List<ActiveAlarms.Alarm>> disarm(AlarmType typeOrNull, long memberId, io.vertx.core.Vertx vertx) {
        if (node == null) {
            return Future.succeededFuture(List.of());
        }
        NodeStatus s = node.status();
        if (!s.isLeader()) {
            return Future.failedFuture(RaftKvException.notLeader(s.leaderId(), s.leaderClientAddress()));
        }
        List<ActiveAlarms.Alarm> targets = active().alarms().stream()
                .filter(a ->
                        (typeOrNull == null || a.type() == typeOrNull) && (memberId == 0 || a.memberId() == memberId))
                .toList();
        if (targets.isEmpty()) {
            return Future.succeededFuture(List.of());
        }
        Future<Void> check = Future.succeededFuture();
        if (quotaBytes > 0 && targets.stream().anyMatch(a -> a.type() == AlarmType.NOSPACE)) {
            check = vertx.executeBlocking(
                    () -> {
                        node.stateMachine().compactData();
                        dataBytes = node.stateMachine().dataBytes();
                        if (overQuota()) {
                            throw RaftKvException.of(
                                    GrpcStatus.FAILED_PRECONDITION,
                                    "NO_SPACE alarm not disarmed: member "
                                            + selfId + " holds " + dataBytes
                                            + " bytes of data after compaction, above its quota of "
                                            + quotaBytes
                                            + " bytes (--quota-backend-bytes); delete keys and compact the history (KV.Compact) first");
                        }
                        return null;
                    },
                    false);
        }
        return check.compose(v -> {
            List<Future<ApplyResult>> clears = new ArrayList<>();
            for (AlarmType t :
                    targets.stream().map(ActiveAlarms.Alarm::type).distinct().toList()) {
                if (memberId == 0) {
                    clears.add(node.propose(
                            CommandCodec.encode(Command.of(new Command.Alarm(Command.AlarmAction.DEACTIVATE, t, 0)))));
                } else {
                    clears.add(node.propose(CommandCodec.encode(
                            Command.of(new Command.Alarm(Command.AlarmAction.DEACTIVATE, t, memberId)))));
                }
            }
            return Future.all(clears).map(x -> {
                LOG.warn("alarms disarmed: {}", describe(targets));
                return targets;
            });
        });
    }

    /**
     * The error a client server answers, before proposing, for a write an active alarm forbids; null
     * when none does. Above the quota with NOSPACE not yet applied, NOSPACE is raised and the write
     * refused at once.
     */
    public RaftKvException refusal(Command c) {
        ActiveAlarms a = active();
        for (ActiveAlarms.Alarm alarm : a.alarms()) {
            if (alarm.type().refuses(c.operation())) {
                return error(alarm.type(), a);
            }
        }
        if (overQuota() && AlarmType.NOSPACE.refuses(c.operation())) {
            raise(AlarmType.NOSPACE);
            return error(AlarmType.NOSPACE, a.with(new ActiveAlarms.Alarm(AlarmType.NOSPACE, selfId)));
        }
        return null;
    }

    /** The error for a write the state machine refused because of an alarm ({@code Status.ALARM}). */
    public RaftKvException error(ApplyResult refused) {
        AlarmType t = refused.refusingAlarm();
        return t == null
                ? RaftKvException.of(GrpcStatus.FAILED_PRECONDITION, "write refused: " + refused.reason())
                : error(t, active());
    }

    /**
     * The status for a write refused by {@code type}: NOSPACE is RESOURCE_EXHAUSTED, reason NO_SPACE;
     * CORRUPT is DATA_LOSS, reason CORRUPT (etcd answers DATA_LOSS "corrupt cluster").
     */
    RaftKvException error(AlarmType type, ActiveAlarms alarms) {
        List<String> ids = alarms.alarms().stream()
                .filter(x -> x.type() == type)
                .map(x -> Long.toString(x.memberId()))
                .toList();
        if (ids.isEmpty()) {
            // refused when the entry applied; disarmed before this answer was built
            String name = type == AlarmType.CORRUPT ? "CORRUPT" : "NO_SPACE";
            return RaftKvException.of(
                    type == AlarmType.CORRUPT ? ErrorReason.CORRUPT : ErrorReason.NO_SPACE,
                    name + ": the cluster's " + (type == AlarmType.CORRUPT ? "corruption" : "space quota")
                            + " alarm was active when this write applied and refused it; it has been disarmed"
                            + " since: the write can be retried");
        }
        String members = (ids.size() == 1 ? "member " : "members ") + String.join(", ", ids);
        return switch (type) {
            case NOSPACE ->
                RaftKvException.of(
                        ErrorReason.NO_SPACE,
                        "NO_SPACE: the cluster's space quota alarm is"
                                + " active (" + members
                                + " above --quota-backend-bytes); writes that add data are refused until keys are deleted"
                                + " and an admin disarms it (raftkvctl alarm disarm). Reads and deletes still work");
            case CORRUPT ->
                RaftKvException.of(
                        ErrorReason.CORRUPT,
                        "CORRUPT: the cluster's corruption alarm is active (" + members
                                + " held a state different from the other members' at the same applied index);"
                                + " every write is refused until that member is replaced (docs/operations.md,"
                                + " \"Corrupt member\") and an admin disarms the alarm (raftkvctl alarm disarm)."
                                + " Reads still work");
        };
    }

    static String describe(List<ActiveAlarms.Alarm> alarms) {
        return alarms.stream()
                .map(a -> a.type().name().toLowerCase(Locale.ROOT) + "@" + a.memberId())
                .collect(Collectors.joining(", ", "[", "]"));
    }

    @Override
    public synchronized void close() {
        if (sampler != null) {
            sampler.shutdownNow();
        }
    }
}
