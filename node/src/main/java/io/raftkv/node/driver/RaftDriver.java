package io.raftkv.node.driver;

import io.raftkv.node.kv.AlarmType;
import io.raftkv.node.kv.ApplyResult;
import io.raftkv.node.storage.KvStateMachine;
import io.raftkv.node.storage.NodeStorage;
import io.raftkv.node.storage.RaftLogStorage;
import io.raftkv.node.transport.PeerInbound;
import io.raftkv.node.transport.PeerTransport;
import io.raftkv.raft.Message;
import io.raftkv.raft.ProposalDroppedException;
import io.raftkv.raft.RaftConfig;
import io.raftkv.raft.RawNode;
import io.raftkv.raft.StateType;
import io.raftkv.raft.loop.ReadyLoop;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the Raft core ({@link RawNode}) on ONE Vert.x event-loop context and runs its {@link ReadyLoop}.
 * Every input — a tick from the periodic timer, a message from the transport, a proposal, a read —
 * runs on that context and is followed by a pass of the loop. No lock guards Raft state: the
 * context is the lock.
 *
 * <p>The loop's policy (the order of the Ready contract, the deferred commit-only hard state,
 * appends before the leader's own fsync, asynchronous apply with at most
 * {@link DriverOptions#maxApplyBatchesInFlight()} batches in flight) lives in {@link ReadyLoop}, the
 * same class the deterministic simulator runs. This class binds its ports: persist to
 * {@link RaftLogStorage#persist} (group commit on the writer thread), send to the transport, apply
 * to the state machine's apply thread, each completion coming back on this context; and it reacts
 * to the loop's events: proposals complete by (index, term), read barriers are released, snapshots
 * taken, membership recorded.
 *
 * <p>After any storage failure the driver halts: it stops stepping, sending and acknowledging,
 * fails every pending future, and reports unhealthy; a restart recovers from durable state.
 */
public final class RaftDriver implements RaftNodeApi, PeerInbound {
    private static final Logger LOG = LoggerFactory.getLogger(RaftDriver.class);
    /** Timeouts are swept this often, in ticks. */
    private static final int EXPIRE_EVERY_TICKS = 10;

    private final Vertx vertx;
    private final Context context;
    private final long selfId;
    private final DriverOptions options;
    private final NodeStorage storage;
    private final RaftLogStorage raftLog;
    private final KvStateMachine stateMachine;
    private final MemberDirectory members;
    private final RawNode rawNode;
    private final ReadyLoop<List<ApplyResult>> loop;
    private final ProposalTracker proposals;
    private final ReadIndexQueue reads;
    private final MembershipCommands membership;
    private final SnapshotCoordinator snapshots;
    private final StatusReporter statusReporter;
    private final AtomicInteger admittedProposals = new AtomicInteger();
    private final AtomicInteger admittedReads = new AtomicInteger();
    private final LoopLatency loopLatency;
    private final io.raftkv.node.alarm.Alarms alarms;
    private PeerTransport transport;

    private volatile boolean stopping;
    /** Non-null once the driver halted on a storage failure. */
    private volatile String haltReason;

    // --- confined to the context ---
    /** A {@link #pass()} is queued on the context. */
    private boolean passScheduled;

    /** Leader changes and ReadIndex latency go here (metrics); set once before start. */
    private volatile DriverObserver observer = DriverObserver.NONE;

    /** What the loop's events do; knows the role, leader and term. */
    private final LoopEvents events;

    private long periodicTimerId = -1;
    /** The core's clock, on the monotonic clock (see {@link CoreClock}). */
    private final CoreClock clock;

    private long lastExpireNanos;

    /**
     * Builds the core from {@code storage} (restart: hard state, log and the state machine's applied
     * index; new cluster: call {@code raftLog().bootstrap} first). Call {@link #attach} and then
     * {@link #start} before use.
     */
    public RaftDriver(Vertx vertx, long selfId, NodeStorage storage, MemberDirectory members, DriverOptions options) {
        this(vertx, vertx.getOrCreateContext(), selfId, storage, members, options);
    }

    /** As above, on the given event-loop {@code context} (a node gives Raft a loop of its own). */
    public RaftDriver(
            Vertx vertx,
            Context context,
            long selfId,
            NodeStorage storage,
            MemberDirectory members,
            DriverOptions options) {
        this.vertx = vertx;
        this.context = context;
        this.selfId = selfId;
        this.options = options;
        this.storage = storage;
        this.raftLog = storage.raftLog();
        this.stateMachine = storage.stateMachine();
        this.members = members;
        long appliedIndex = stateMachine.appliedIndex();
        RaftConfig config = RaftConfig.builder(selfId)
                .electionTicks(options.electionTicks())
                .heartbeatTicks(options.heartbeatTicks())
                .maxSizePerMsgBytes(options.maxSizePerMsgBytes())
                .maxInflightMsgs(options.maxInflightMsgs())
                .maxUncommittedEntriesBytes(options.maxUncommittedBytes())
                .checkQuorum(true)
                .preVote(true)
                .leaseDriftTicks(options.leaseDriftTicks())
                .applied(appliedIndex)
                .randomSeed(selfId * 0x9E3779B97F4A7C15L ^ System.nanoTime())
                .build();
        this.rawNode = new RawNode(config, raftLog);
        this.proposals = new ProposalTracker(options.maxInflightProposals(), options.proposalTimeoutMs());
        this.reads = new ReadIndexQueue(options.maxPendingReads(), options.readTimeoutMs());
        this.snapshots = new SnapshotCoordinator(vertx, context, storage, raftLog);
        this.membership = new MembershipCommands(this, rawNode, raftLog, members, proposals, snapshots, options);
        this.loopLatency = new LoopLatency(options.tickMs(), options.electionTicks() * options.tickMs() / 2);
        this.events = new LoopEvents(
                raftLog.hardState().term(),
                this::loopAppliedIndex,
                () -> transport,
                () -> observer,
                proposals,
                reads,
                snapshots,
                membership,
                members,
                loopLatency,
                this::halt);
        // Apply runs on its own thread: the loop opts in to asynchronous apply from the first Ready.
        this.loop = new ReadyLoop<>(
                rawNode,
                appliedIndex,
                options.maxApplyBatchesInFlight(),
                (hs, entries, snap, done) -> raftLog.persist(hs, entries, snap.isEmpty() ? null : snap.metadata())
                        .whenComplete((v, err) -> context.runOnContext(x -> done.done(err))),
                messages -> transport.send(messages),
                (committed, confStates, done) -> stateMachine
                        .apply(committed, confStates)
                        .whenComplete((results, err) -> context.runOnContext(x -> done.applied(results, err))),
                System::nanoTime,
                events);
        this.statusReporter = new StatusReporter(selfId, rawNode, raftLog, storage, members);
        this.alarms = new io.raftkv.node.alarm.Alarms(selfId, this);
        this.clock = new CoreClock(options.tickMs(), rawNode::tick);
        this.statusReporter.refresh(loop.appliedIndex(), healthy());
    }

    @Override
    public io.raftkv.node.alarm.Alarms alarms() {
        return alarms;
    }

    /** Connects the transport (built with this driver as its {@link PeerInbound}). */
    public void attach(PeerTransport peerTransport) {
        this.transport = peerTransport;
    }

    /** The event-loop context that owns the core; the transport's callbacks run here. */
    public Context context() {
        return context;
    }

    /** The snapshot side the transport streams from and installs into. */
    public SnapshotCoordinator snapshotCoordinator() {
        return snapshots;
    }

    /** Starts ticking. */
    public Future<Void> start() {
        if (transport == null) {
            throw new IllegalStateException("attach a transport before start");
        }
        Promise<Void> started = Promise.promise();
        context.runOnContext(v -> {
            NodeLogging.setTerm(events.term());
            clock.start(System.nanoTime());
            periodicTimerId = vertx.setPeriodic(options.tickMs(), id -> onTick());
            LOG.info(
                    "raft driver started: applied {} last index {} term {}",
                    loop.appliedIndex(),
                    raftLog.lastIndex(),
                    events.term());
            loop.run();
            started.complete();
        });
        return started.future();
    }

    /**
     * Stops the node gracefully: a leader first hands leadership to the most caught-up voter (bounded
     * by {@link DriverOptions#shutdownTransferMs()}), then ticking stops, every pending future fails
     * UNAVAILABLE and the transport closes. The caller closes storage afterwards.
     */
    public Future<Void> stop() {
        Promise<Void> stopped = Promise.promise();
        context.runOnContext(v -> {
            Future<Void> handOff = Future.succeededFuture();
            if (events.role() == StateType.LEADER
                    && haltReason == null
                    && rawNode.status().confState().voters().size() > 1) {
                LOG.info("stopping: transferring leadership away first");
                handOff = membership.transfer(0, options.shutdownTransferMs()).recover(err -> {
                    LOG.warn("leadership transfer on shutdown failed: {}", err.getMessage());
                    return Future.succeededFuture();
                });
            }
            handOff.onComplete(x -> {
                stopping = true;
                alarms.close();
                loop.stop();
                if (periodicTimerId >= 0) {
                    vertx.cancelTimer(periodicTimerId);
                }
                failEverything(new UnavailableException("node " + selfId + " is stopping"));
                statusReporter.refresh(loop.appliedIndex(), false);
                transport.close().onComplete(y -> stopped.complete());
            });
        });
        return stopped.future();
    }

    // ------------------------------------------------------------------ RaftNodeApi

    @Override
    public Future<ApplyResult> propose(byte[] command) {
        RaftNodeException refused = refusal();
        if (refused != null) {
            return Future.failedFuture(refused);
        }
        if (admittedProposals.incrementAndGet() > options.maxInflightProposals()) {
            admittedProposals.decrementAndGet();
            return Future.failedFuture(new BackpressureException(
                    "more than " + options.maxInflightProposals() + " proposals in flight (--max-inflight-proposals)"));
        }
        Promise<ApplyResult> p = Promise.promise();
        p.future().onComplete(x -> admittedProposals.decrementAndGet());
        context.runOnContext(v -> {
            if (failIfRefused(p)) {
                return;
            }
            try {
                long index = rawNode.propose(command);
                proposals.add(index, rawNode.status().hardState().term(), p, System.nanoTime());
            } catch (ProposalDroppedException e) {
                p.tryFail(mapDropped(e));
                return;
            }
            schedulePass();
        });
        return p.future();
    }

    @Override
    public Future<Void> readBarrier(ReadConsistency consistency) {
        if (consistency == ReadConsistency.SERIALIZABLE) {
            RaftNodeException refused = refusal();
            return refused == null ? servesReads() : Future.failedFuture(refused);
        }
        return barrier(consistency).compose(v -> servesReads());
    }

    @Override
    public Future<Void> leadershipBarrier() {
        return barrier(ReadConsistency.LEASE);
    }

    /**
     * Refuses reads of this member's state while the replicated CORRUPT alarm names it (checked
     * after the barrier, so an alarm committed before the read started is seen). A volatile read.
     */
    private Future<Void> servesReads() {
        if (!stateMachine.alarms().active(AlarmType.CORRUPT, selfId)) {
            return Future.succeededFuture();
        }
        return Future.failedFuture(new RaftNodeException(
                RaftNodeException.Code.CORRUPT_MEMBER,
                "CORRUPT: the CORRUPT alarm names member " + selfId + " (this member): its state differs from"
                        + " the other members' at the same applied index, so it serves no reads until it is"
                        + " replaced; read from another member"));
    }

    private Future<Void> barrier(ReadConsistency consistency) {
        RaftNodeException refused = refusal();
        if (refused != null) {
            return Future.failedFuture(refused);
        }
        if (consistency == ReadConsistency.SERIALIZABLE) {
            return Future.succeededFuture();
        }
        boolean lease = consistency == ReadConsistency.LEASE;
        if (admittedReads.incrementAndGet() > options.maxPendingReads()) {
            admittedReads.decrementAndGet();
            return Future.failedFuture(new BackpressureException(
                    "more than " + options.maxPendingReads() + " reads waiting for a read index"));
        }
        Promise<Void> p = Promise.promise();
        long arrived = System.nanoTime();
        p.future().onComplete(x -> {
            admittedReads.decrementAndGet();
            if (x.succeeded()) {
                observer.readIndexServed(System.nanoTime() - arrived);
            }
        });
        context.runOnContext(v -> {
            if (failIfRefused(p)) {
                return;
            }
            if (lease) {
                reads.addLease(p, System.nanoTime());
            } else {
                reads.add(p, System.nanoTime());
            }
            schedulePass();
        });
        return p.future();
    }

    /** Reports leader changes and ReadIndex latency to {@code o} from now on ({@code null}: nothing). */
    public void setObserver(DriverObserver o) {
        this.observer = o == null ? DriverObserver.NONE : o;
    }

    /** Raft ticks that ran more than half the minimum election timeout late, since start. Any thread. */
    public long loopStalls() {
        return loopLatency.lateTicks.sum();
    }

    /** Readys that took more than half the minimum election timeout to become durable, since start. Any thread. */
    public long slowPersists() {
        return loopLatency.slowPersists.sum();
    }

    @Override
    public NodeStatus status() {
        return statusReporter.current();
    }

    @Override
    public boolean healthy() {
        return haltReason == null && !stopping && storage.healthy();
    }

    @Override
    public Future<Long> addLearner(long idOrZero, String peerAddress, String clientAddress) {
        return onContext(p -> membership.addLearner(idOrZero, peerAddress, clientAddress, p));
    }

    @Override
    public Future<Void> promote(long id) {
        return onContext(p -> membership.promote(id, p));
    }

    @Override
    public Future<Void> remove(long id) {
        return onContext(p -> membership.remove(id, p));
    }

    @Override
    public Future<Void> transferLeadership(long idOrZero) {
        return onContext(p -> membership
                .transfer(idOrZero, 2 * options.maxElectionTimeoutMs())
                .onComplete(p));
    }

    @Override
    public long maxElectionTimeoutMs() {
        return options.maxElectionTimeoutMs();
    }

    @Override
    public KvStateMachine stateMachine() {
        return stateMachine;
    }

    @Override
    public Future<SnapshotDownload> openSnapshotDownload() {
        RaftNodeException refused = refusal();
        if (refused != null) {
            return Future.failedFuture(refused);
        }
        return servesReads().compose(v -> snapshots.openDownload());
    }

    // ------------------------------------------------------------------ PeerInbound (context)

    @Override
    public void onMessages(List<Message> messages) {
        if (halted()) {
            return;
        }
        // Ticks that fell due before these messages arrived count before them (a follower's promise
        // not to vote runs from the heartbeat it acknowledged, on the real clock).
        clock.sync(System.nanoTime());
        for (Message m : messages) {
            try {
                rawNode.step(m);
            } catch (RuntimeException e) {
                LOG.warn("dropped message {}: {}", m, e.toString());
            }
        }
        schedulePass();
    }

    @Override
    public void onUnreachable(long peerId) {
        if (!halted()) {
            rawNode.reportUnreachable(peerId);
            schedulePass();
        }
    }

    @Override
    public void onSnapshotSent(long peerId, boolean succeeded) {
        if (!halted()) {
            rawNode.reportSnapshot(peerId, succeeded);
            schedulePass();
        }
    }

    @Override
    public void onSnapshotInstalled(Message snap) {
        onMessages(List.of(snap));
    }

    // ------------------------------------------------------------------ the loop (context)

    private void onTick() {
        if (halted()) {
            return;
        }
        long now = System.nanoTime();
        loopLatency.onTick(now);
        clock.sync(System.nanoTime());
        if (now - lastExpireNanos >= EXPIRE_EVERY_TICKS * options.tickMs() * 1_000_000L) {
            lastExpireNanos = now;
            proposals.expire(now);
            reads.expire(now);
            membership.expire(now);
        }
        checkRestored();
        schedulePass();
        statusReporter.refresh(loop.appliedIndex(), healthy());
    }

    /** Releases reads once the state machine finished swapping to a received snapshot. */
    private void checkRestored() {
        if (loop.checkRestored(stateMachine.appliedIndex())) {
            reads.onApplied(loop.appliedIndex());
        }
    }

    /**
     * Runs {@link #pass()} once after the tasks already queued on the context. Every input (a
     * proposal, a received batch, a read, a tick) schedules the pass instead of running the loop at
     * once, so the inputs that arrived together — hundreds of proposals under load — go out as ONE
     * append per follower and ONE persist, instead of a message and a Ready per input.
     */
    private void schedulePass() {
        if (!passScheduled) {
            passScheduled = true;
            context.runOnContext(v -> pass());
        }
    }

    /** Issues the batched read request (if any reads arrived) and runs the loop. */
    private void pass() {
        passScheduled = false;
        if (halted()) {
            return;
        }
        reads.flush(rawNode::readIndex, this::mapDropped);
        clock.sync(System.nanoTime());
        reads.flushLease(rawNode::leaseRead, this::mapDropped, observer::leaseReads);
        loop.run();
    }

    private void halt(String what, Throwable cause) {
        if (haltReason != null) {
            return;
        }
        haltReason = what + ": " + cause;
        loop.stop();
        LOG.error(
                "HALTED — {}. The node stops acknowledging and reports unhealthy; restart it to recover"
                        + " from durable state.",
                haltReason,
                cause);
        if (periodicTimerId >= 0) {
            vertx.cancelTimer(periodicTimerId);
        }
        failEverything(new UnavailableException("node " + selfId + " halted: " + haltReason));
        statusReporter.refresh(loop.appliedIndex(), false);
    }

    private void failEverything(RaftNodeException cause) {
        proposals.failAll(cause);
        reads.failAll(cause);
        membership.failAll(cause);
    }

    // ------------------------------------------------------------------ helpers

    private boolean halted() {
        return haltReason != null || stopping;
    }

    /** Why this node refuses requests right now, or null. */
    private RaftNodeException refusal() {
        if (haltReason != null) {
            return new UnavailableException("node " + selfId + " halted: " + haltReason);
        }
        if (stopping) {
            return new UnavailableException("node " + selfId + " is stopping");
        }
        if (!storage.healthy()) {
            return new UnavailableException("node " + selfId + " storage failed");
        }
        return null;
    }

    private boolean failIfRefused(Promise<?> p) {
        RaftNodeException refused = refusal();
        if (refused != null) {
            p.tryFail(refused);
            return true;
        }
        return false;
    }

    private <T> Future<T> onContext(Consumer<Promise<T>> action) {
        RaftNodeException refused = refusal();
        if (refused != null) {
            return Future.failedFuture(refused);
        }
        Promise<T> p = Promise.promise();
        context.runOnContext(v -> {
            if (failIfRefused(p)) {
                return;
            }
            try {
                action.accept(p);
            } catch (RaftNodeException e) {
                p.tryFail(e);
            } catch (ProposalDroppedException e) {
                p.tryFail(mapDropped(e));
            }
            schedulePass();
        });
        return p.future();
    }

    /** Maps the core's refusal to the typed error the server turns into a gRPC status. */
    RaftNodeException mapDropped(ProposalDroppedException e) {
        return DroppedProposals.map(e, members, options);
    }

    long selfId() {
        return selfId;
    }

    private long loopAppliedIndex() {
        return loop.appliedIndex();
    }

    StateType role() {
        return events.role();
    }

    long leaderId() {
        return events.leaderId();
    }
}
