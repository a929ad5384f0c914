package io.raftkv.raft.sim;

import io.raftkv.raft.ConfChange;
import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.HardState;
import io.raftkv.raft.Message;
import io.raftkv.raft.MessageType;
import io.raftkv.raft.RaftConfig;
import io.raftkv.raft.RawNode;
import io.raftkv.raft.ReadState;
import io.raftkv.raft.Ready;
import io.raftkv.raft.Snapshot;
import io.raftkv.raft.StateType;
import io.raftkv.raft.Status;
import io.raftkv.raft.loop.ReadyLoop;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The simulated driver of one node: it runs the node's shipped {@link ReadyLoop} over a
 * {@link RawNode}, binding the loop's ports to the node's {@link SimDisk} (persist: now, or
 * {@link SimDisk#latencyTicks()} later), the simulated network (send), and the node's
 * {@link SimStateMachine} (apply: asynchronous, {@link #applyLatencyTicks} later, in order, with
 * an installed snapshot queued behind earlier batches as on the node's apply thread) and virtual
 * time (clock). After every step it reports what it observes to the checkers.
 *
 * <p>A crash drops the {@code RawNode} and its loop, the outstanding write (unwritten entries,
 * unsent persisted messages, a commit index deferred to the next write), queued apply batches and
 * waiting reads; disk and state machine survive. A restart raises the stored commit index to the
 * applied index when the applied entry is still in the durable log, as the node's start-up check
 * does.
 */
final class SimNode {
    final long id;
    final SimDisk disk;
    final SimStateMachine sm;
    private final SimCluster cluster;
    private final Checkers checkers;

    private RawNode raw;
    private ReadyLoop<Void> loop;
    private int incarnation;
    /** The write handed to the disk and not yet complete, or null. */
    private PendingWrite pendingWrite;
    /** Apply batches and snapshot installs handed to the "apply thread", in order. */
    private final Deque<PendingApply> applyQueue = new ArrayDeque<>();

    private int applyLatencyTicks;
    private StateType role = StateType.FOLLOWER;
    private long term;
    private long commit;
    private long leaderHint;
    private boolean decommissioned;
    /** Ticks per simulated tick: this node's clock rate. */
    private final double clockRate;
    /** Fraction of a tick this node's clock has run but not ticked yet. */
    private double clockPhase;
    /** readId → ReadState index, for reads waiting for the applied index to reach it. */
    private final TreeMap<Long, Long> readsWaiting = new TreeMap<>();
    /** Entries handed to the disk and not yet written (the outstanding Ready's). */
    private List<Entry> unwritten = List.of();
    /** The log as the core sees it: durable entries with {@link #unwritten} laid over them. */
    private final LogView coreLog = new CoreLog();
    /** Peers a send to failed during the current Ready; reported before the next step. */
    private final List<Long> unreachable = new ArrayList<>();
    /** Peers a snapshot was sent to, with the outcome, to report to the core. */
    private final List<long[]> snapshotOutcomes = new ArrayList<>();

    private record PendingWrite(
            HardState hardState, List<Entry> entries, Snapshot snapshot, ReadyLoop.Done done, long dueTick) {}

    /** A batch to apply ({@code entries} non-null) or a snapshot to install. */
    private record PendingApply(
            List<Entry> entries,
            Map<Long, ConfState> confStates,
            ReadyLoop.Applied<Void> done,
            Snapshot snapshot,
            long dueTick) {}

    SimNode(long id, ConfState bootstrap, SimCluster cluster) {
        this.id = id;
        this.disk = new SimDisk(bootstrap);
        this.sm = new SimStateMachine(bootstrap);
        this.cluster = cluster;
        this.checkers = cluster.checkers();
        this.applyLatencyTicks = cluster.params().applyLatencyTicks();
        this.clockRate = cluster.params().clockRate(id);
    }

    /** How many times this node's clock ticks during the current simulated tick. */
    int clockTicksDue() {
        clockPhase += clockRate;
        int due = (int) Math.floor(clockPhase);
        clockPhase -= due;
        return due;
    }

    /** Before the first start: disk and state machine begin at {@code snap} (committed). */
    void bootstrapFrom(Snapshot snap) {
        if (raw != null || incarnation > 0) {
            throw new IllegalStateException("node " + id + " already started");
        }
        disk.installBootstrap(snap);
        sm.restore(snap);
    }

    boolean isUp() {
        return raw != null;
    }

    boolean isDecommissioned() {
        return decommissioned;
    }

    /** Stops the node for good (it was removed from the cluster). */
    void decommission() {
        crash();
        decommissioned = true;
    }

    StateType role() {
        return role;
    }

    long term() {
        return term;
    }

    long leaderHint() {
        return leaderHint;
    }

    int incarnation() {
        return incarnation;
    }

    /** Ticks between handing a batch to the state machine and its apply completing. */
    void setApplyLatencyTicks(int ticks) {
        if (ticks < 0) {
            throw new IllegalArgumentException("apply latency must be ≥ 0 ticks, got " + ticks);
        }
        this.applyLatencyTicks = ticks;
    }

    RawNode raw() {
        if (raw == null) {
            throw new IllegalStateException("node " + id + " is down");
        }
        return raw;
    }

    /** Starts (or restarts) the node from its disk, applied index from the state machine. */
    void start(RaftConfig.Builder config) {
        if (raw != null || decommissioned) {
            throw new IllegalStateException("node " + id + " cannot start (up " + (raw != null) + ")");
        }
        if (sm.applied() < disk.log().snapshotIndex()) {
            // As the node's start-up recovery: a crash between writing a received snapshot and the
            // state machine's swap to it leaves the state machine behind the log's start.
            installSnapshot(disk.snapshot());
            cluster.stats().event("restarts_restoring_snapshot");
        }
        raiseCommitToApplied();
        raw = new RawNode(config.applied(sm.applied()).build(), disk.storage());
        loop = new ReadyLoop<>(
                raw,
                sm.applied(),
                cluster.params().maxApplyBatchesInFlight(),
                this::persist,
                msgs -> msgs.forEach(this::send),
                this::apply,
                cluster::now,
                new Events());
        incarnation++;
        observeStatus();
        afterStep();
    }

    /**
     * The node's start-up check: the loop writes a new commit index only with the next real write,
     * so a crash can leave the state machine ahead of the stored commit. That is sound exactly when
     * the applied entry is still in the durable log (or compacted into the snapshot); the commit
     * index is then at least the applied index.
     */
    private void raiseCommitToApplied() {
        HardState hs = disk.hardState();
        long applied = sm.applied();
        if (applied <= hs.commit()) {
            return;
        }
        if (applied > disk.log().snapshotIndex() && disk.log().entry(applied) == null) {
            throw new SafetyViolation(
                    "ReadyContract",
                    "node " + id + " restarts with applied index " + applied + " past its durable log (last "
                            + disk.log().lastIndex() + ", commit " + hs.commit() + ")");
        }
        disk.storage().setHardState(new HardState(hs.term(), hs.vote(), applied));
        checkers.commitMonotonicity.onDurableCommit(id, applied);
        cluster.stats().event("restarts_ahead_of_stored_commit");
    }

    /** Stops the node: everything not yet persisted or applied is lost. */
    void crash() {
        if (loop != null) {
            loop.stop();
        }
        raw = null;
        loop = null;
        pendingWrite = null;
        applyQueue.clear();
        unwritten = List.of();
        readsWaiting.clear();
        unreachable.clear();
        snapshotOutcomes.clear();
        role = StateType.FOLLOWER;
        leaderHint = 0;
        checkers.leaderAppendOnly.onNotLeader(id);
        checkers.leaderCompleteness.onNotLeader(id);
    }

    void tick() {
        raw().tick();
        afterStep();
    }

    void deliver(Message m) {
        raw().step(m);
        afterStep();
    }

    /** The driver learnt whether streaming a snapshot to {@code to} succeeded. */
    void reportSnapshot(long to, boolean succeeded) {
        raw().reportSnapshot(to, succeeded);
        afterStep();
    }

    /** Completes the outstanding disk write and the apply work that are due. */
    void completeWriteIfDue(long now) {
        boolean progressed = false;
        if (pendingWrite != null && pendingWrite.dueTick() <= now) {
            PendingWrite w = pendingWrite;
            pendingWrite = null;
            write(w);
            w.done().done(null);
            progressed = true;
        }
        while (raw != null && !applyQueue.isEmpty() && applyQueue.peekFirst().dueTick() <= now) {
            runApply(applyQueue.pollFirst());
            progressed = true;
        }
        if (progressed && raw != null) {
            afterStep();
        }
    }

    /**
     * Reports send failures to the core, runs the loop (which hands over Readys until none is left
     * or one is being written or the apply queue is full) and observes the node.
     */
    void afterStep() {
        cluster.countStep();
        int guard = 0;
        while (raw != null) {
            if (!unreachable.isEmpty() || !snapshotOutcomes.isEmpty()) {
                reportSendFailures();
            }
            loop.run();
            if (unreachable.isEmpty() && snapshotOutcomes.isEmpty()) {
                break;
            }
            if (++guard > 1_000) {
                throw new IllegalStateException("node " + id + " kept failing sends 1000 times in one step");
            }
        }
        if (raw != null && !loop.persisting() && raw.hasReady()) {
            cluster.stats().event("loop_waits_for_apply");
        }
        if (raw != null && (loop.persisting() || raw.hasReady())) {
            // Role, term and commit are observed through each Ready's soft and hard state (the core
            // hands out a Ready whenever they change); while the loop waits, through status().
            observeStatus();
        }
    }

    private void reportSendFailures() {
        List<Long> peers = new ArrayList<>(unreachable);
        unreachable.clear();
        for (long p : peers) {
            raw.reportUnreachable(p);
            cluster.stats().fault(FaultKind.UNREACHABLE_REPORT);
        }
        List<long[]> outcomes = new ArrayList<>(snapshotOutcomes);
        snapshotOutcomes.clear();
        for (long[] o : outcomes) {
            raw.reportSnapshot(o[0], o[1] != 0);
        }
    }

    private void observeStatus() {
        Status st = raw.status();
        observe(
                st.softState().state(),
                st.softState().leader(),
                st.hardState().term(),
                st.hardState().commit());
    }

    private void observeReady(Ready rd) {
        if (rd.softState() == null && rd.hardState() == null) {
            return;
        }
        StateType r = rd.softState() == null ? role : rd.softState().state();
        long lead = rd.softState() == null ? leaderHint : rd.softState().leader();
        long t = rd.hardState() == null ? term : rd.hardState().term();
        long c = rd.hardState() == null ? commit : rd.hardState().commit();
        observe(r, lead, t, c);
    }

    private void observe(StateType r, long lead, long t, long c) {
        role = r;
        leaderHint = lead;
        term = t;
        commit = c;
        checkers.electionSafety.onRole(id, term, role);
        checkers.leaderMembership.onRole(id, term, role, sm.confState());
        checkers.commitMonotonicity.onMemoryCommit(id, incarnation, commit);
        if (role != StateType.LEADER) {
            checkers.leaderAppendOnly.onNotLeader(id);
            checkers.leaderCompleteness.onNotLeader(id);
        }
    }

    /** The loop's events: what the simulator checks at each point of the Ready contract. */
    private final class Events implements ReadyLoop.Events<Void> {
        @Override
        public void onReady(Ready rd) {
            observeReady(rd);
            if (rd.hasWrites()
                    && !rd.mustSync()
                    && rd.entries().isEmpty()
                    && rd.snapshot().isEmpty()) {
                cluster.stats().event("commit_only_writes_deferred");
            }
            cluster.trace(() -> "n" + id + " ready " + describe(rd));
            checkers.readyContract.onEntriesToPersist(
                    id,
                    disk.log(),
                    disk.hardState().commit(),
                    rd.snapshot().metadata().index(),
                    rd.entries());
            unwritten = rd.entries();
            if (role == StateType.LEADER) {
                checkers.leaderAppendOnly.onLeaderBatch(
                        id, term, disk.log(), rd.entries(), !rd.snapshot().isEmpty());
                checkers.leaderCompleteness.onLeader(id, term, coreLog);
            }
            for (Entry e : rd.committedEntries()) {
                checkers.leaderCompleteness.onCommitted(e, term);
            }
            if (cluster.params().driverBug() == SimParams.DriverBug.SEND_PERSISTED_EARLY) {
                rd.persistedMessages().forEach(SimNode.this::send);
            }
            for (ReadState rs : rd.readStates()) {
                readsWaiting.put(ByteBuffer.wrap(rs.requestCtx()).getLong(), rs.index());
            }
            serveReads();
        }

        @Override
        public void onApplied(List<Entry> committed, Void result, long appliedIndex) {
            serveReads();
        }

        @Override
        public void onHalt(String what, Throwable cause) {
            if (cause instanceof SafetyViolation v) {
                throw v; // a checker fired inside the loop: report it as itself
            }
            throw new IllegalStateException("node " + id + " halted: " + what, cause);
        }
    }

    /** The persist port: the write completes now, or after the disk's latency. */
    private void persist(HardState hs, List<Entry> entries, Snapshot snapshot, ReadyLoop.Done done) {
        PendingWrite w = new PendingWrite(hs, entries, snapshot, done, cluster.now() + disk.latencyTicks());
        if (disk.latencyTicks() > 0) {
            pendingWrite = w;
            return;
        }
        write(w);
        done.done(null);
    }

    /** Step 2 of the Ready contract, atomically; a snapshot goes to the apply queue. */
    private void write(PendingWrite w) {
        long prevTerm = -1;
        if (!w.entries().isEmpty()) {
            long before = w.entries().get(0).index() - 1;
            prevTerm = !w.snapshot().isEmpty() && w.snapshot().metadata().index() == before
                    ? w.snapshot().metadata().term()
                    : disk.log().termAt(before);
        }
        disk.persist(w.hardState(), w.entries(), w.snapshot());
        unwritten = List.of();
        checkers.logMatching.onAppend(id, prevTerm, w.entries());
        checkers.readyContract.onPersisted(id, disk.hardState(), disk.log());
        checkers.commitMonotonicity.onDurableCommit(id, disk.hardState().commit());
        if (!w.snapshot().isEmpty()) {
            // As on the node: the state machine swaps to the snapshot on its apply thread, behind
            // the batches handed to it earlier.
            applyQueue.addLast(new PendingApply(null, Map.of(), null, w.snapshot(), cluster.now() + applyLatencyTicks));
            drainAppliesDueNow();
        }
    }

    /** The apply port: the batch is applied now, or after the apply latency, in order. */
    private void apply(List<Entry> committed, Map<Long, ConfState> confStates, ReadyLoop.Applied<Void> done) {
        applyQueue.addLast(new PendingApply(committed, confStates, done, null, cluster.now() + applyLatencyTicks));
        drainAppliesDueNow();
    }

    private void drainAppliesDueNow() {
        while (raw != null && !applyQueue.isEmpty() && applyQueue.peekFirst().dueTick() <= cluster.now()) {
            runApply(applyQueue.pollFirst());
        }
    }

    private void runApply(PendingApply a) {
        if (a.snapshot() != null) {
            installSnapshot(a.snapshot());
            if (loop.checkRestored(sm.applied())) {
                serveReads();
            }
            return;
        }
        for (Entry e : a.entries()) {
            checkers.readyContract.onApply(id, sm.applied(), e, disk.log(), commit);
            applyEntry(e, a.confStates().get(e.index()));
        }
        a.done().applied(null, null);
    }

    private void installSnapshot(Snapshot snap) {
        checkers.readyContract.onSnapshotApply(id, snap.metadata().index(), sm.applied());
        long from = sm.applied() + 1;
        sm.restore(snap);
        for (long i = from; i <= sm.applied(); i++) {
            checkers.stateMachineSafety.onApplied(id, i, sm.fingerprintAt(i));
        }
        cluster.stats().event("snapshots_installed");
    }

    private void applyEntry(Entry e, ConfState confAfter) {
        ConfState cs = sm.confState();
        ConfChange cc = null;
        if (e.type() == EntryType.CONF_CHANGE && e.data().length > 0) {
            cc = ConfChange.decode(e.data());
            cs = confAfter;
        }
        sm.apply(e, cs);
        if (cc != null) {
            // Keep the configuration in force durable next to the applied index it belongs to, so
            // that a restart with RaftConfig.applied = sm.applied() starts from the right members.
            disk.snapshotAndCompact(e.index(), cs, sm.encode(), 0);
        }
        if (checkers.stateMachineSafety.onApplied(id, e.index(), SimStateMachine.fingerprint(e))) {
            cluster.onFirstApplied(e);
            if (cc != null) {
                cluster.onConfCommitted(e.index(), cs);
            }
        }
        if (cc != null) {
            cluster.onConfChangeApplied(this, cc);
        }
    }

    private void serveReads() {
        if (readsWaiting.isEmpty() || loop == null) {
            return;
        }
        long applied = loop.appliedIndex();
        List<long[]> due = new ArrayList<>();
        for (Map.Entry<Long, Long> w : readsWaiting.entrySet()) {
            if (w.getValue() <= applied) {
                due.add(new long[] {w.getKey(), w.getValue()});
            }
        }
        for (long[] r : due) {
            readsWaiting.remove(r[0]);
            checkers.linearizableRead.onReadServed(r[0], r[1], sm.applied(), sm::valueAt);
            cluster.onReadServed(r[0]);
        }
    }

    private void send(Message m) {
        checkers.readyContract.onSend(m, disk.hardState(), disk.log());
        boolean linkUp = cluster.send(m);
        if (!linkUp) {
            if (m.type() == MessageType.SNAP) {
                snapshotOutcomes.add(new long[] {m.to(), 0});
                cluster.stats().fault(FaultKind.SNAPSHOT_FAILED);
            } else if (m.type() == MessageType.APP) {
                unreachable.add(m.to());
            }
        }
    }

    /** Takes a snapshot at the applied index and compacts the log, keeping {@code keepEntries}. */
    boolean compact(long keepEntries) {
        long applied = sm.applied();
        long compactTo = applied - keepEntries;
        if (compactTo <= disk.log().snapshotIndex() || applied > disk.log().lastIndex()) {
            return false;
        }
        disk.snapshotAndCompact(applied, sm.confState(), sm.encode(), compactTo);
        return true;
    }

    /** Live view of {@link #coreLog}. */
    private final class CoreLog implements LogView {
        private LogView current() {
            return unwritten.isEmpty() ? disk.log() : new PendingLogView(disk.log(), unwritten);
        }

        @Override
        public long snapshotIndex() {
            return disk.log().snapshotIndex();
        }

        @Override
        public long snapshotTerm() {
            return disk.log().snapshotTerm();
        }

        @Override
        public long lastIndex() {
            return current().lastIndex();
        }

        @Override
        public Entry entry(long index) {
            return current().entry(index);
        }
    }

    private static String describe(Ready rd) {
        StringBuilder b = new StringBuilder();
        if (rd.softState() != null) {
            b.append(rd.softState()).append(' ');
        }
        if (rd.hardState() != null) {
            b.append(rd.hardState()).append(' ');
        }
        if (!rd.snapshot().isEmpty()) {
            b.append("snap@").append(rd.snapshot().metadata().index()).append(' ');
        }
        if (!rd.entries().isEmpty()) {
            b.append("ents ")
                    .append(rd.entries().get(0).index())
                    .append("..")
                    .append(rd.entries().get(rd.entries().size() - 1).index())
                    .append(' ');
        }
        if (!rd.committedEntries().isEmpty()) {
            b.append("commit ")
                    .append(rd.committedEntries().get(0).index())
                    .append("..")
                    .append(rd.committedEntries()
                            .get(rd.committedEntries().size() - 1)
                            .index())
                    .append(' ');
        }
        b.append("msgs ").append(rd.messages()).append(" pmsgs ").append(rd.persistedMessages());
        if (!rd.readStates().isEmpty()) {
            b.append(" reads ").append(rd.readStates().size());
        }
        return b.toString();
    }
}
