package io.raftkv.raft.sim;

import io.raftkv.raft.ConfChange;
import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.Message;
import io.raftkv.raft.MessageType;
import io.raftkv.raft.RaftConfig;
import io.raftkv.raft.RawNode;
import io.raftkv.raft.ReadState;
import io.raftkv.raft.Ready;
import io.raftkv.raft.Snapshot;
import io.raftkv.raft.StateType;
import io.raftkv.raft.Status;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The simulated driver of one node: it owns a {@link RawNode}, the node's {@link SimDisk} and its
 * {@link SimStateMachine}, and handles each {@link Ready} exactly as the contract orders — send
 * {@code messages}; persist (now, or {@link SimDisk#latencyTicks()} later, the Ready staying
 * outstanding meanwhile); then send {@code persistedMessages}, apply, {@code advance}. After every
 * step it reports what it observes to the checkers.
 *
 * <p>A crash drops the {@code RawNode}, the outstanding Ready (unwritten entries, unsent
 * persisted messages, unapplied commits) and waiting reads; disk and state machine survive.
 */
final class SimNode {
    final long id;
    final SimDisk disk;
    final SimStateMachine sm;
    private final SimCluster cluster;
    private final Checkers checkers;

    private RawNode raw;
    private int incarnation;
    private Ready outstanding;
    private long outstandingDueTick;
    private StateType role = StateType.FOLLOWER;
    private long term;
    private long commit;
    private long leaderHint;
    private boolean decommissioned;
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

    SimNode(long id, ConfState bootstrap, SimCluster cluster) {
        this.id = id;
        this.disk = new SimDisk(bootstrap);
        this.sm = new SimStateMachine(bootstrap);
        this.cluster = cluster;
        this.checkers = cluster.checkers();
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

    boolean hasOutstandingReady() {
        return outstanding != null;
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
        raw = new RawNode(config.applied(sm.applied()).build(), disk.storage());
        incarnation++;
        observeStatus();
        afterStep();
    }

    /** Stops the node: everything not yet persisted is lost. */
    void crash() {
        raw = null;
        outstanding = null;
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

    /** Completes the outstanding disk write if it is due. */
    void completeWriteIfDue(long now) {
        if (outstanding != null && outstandingDueTick <= now) {
            complete(outstanding);
            afterStep();
        }
    }

    /**
     * Observes the node, then hands over Ready batches until none is left or one is outstanding.
     * Role, term and commit are observed through each Ready's soft and hard state (the core hands
     * out a Ready whenever they change); while a Ready is outstanding, through {@code status()}.
     */
    void afterStep() {
        cluster.countStep();
        int guard = 0;
        while (raw != null) {
            if (outstanding != null) {
                observeStatus();
                // As the node's driver does: heartbeats and appends keep flowing while the disk
                // write is slow; acks stay with their Ready (the checkers verify both).
                for (Message m : raw.takeMessages()) {
                    send(m);
                }
                return;
            }
            if (!unreachable.isEmpty() || !snapshotOutcomes.isEmpty()) {
                reportSendFailures();
                continue;
            }
            if (!raw.hasReady()) {
                return;
            }
            if (++guard > 1_000) {
                throw new IllegalStateException("node " + id + " produced 1000 Ready batches in one step");
            }
            Ready rd = raw.ready();
            observeReady(rd);
            handOver(rd);
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
        observe(st.softState().state(), st.softState().leader(), st.hardState().term(), st.hardState().commit());
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

    /** Steps 1 and (if the disk is fast) 2–5 of the Ready contract. */
    private void handOver(Ready rd) {
        cluster.trace(() -> "n" + id + " ready " + describe(rd));
        checkers.readyContract.onEntriesToPersist(id, disk.log(), disk.hardState().commit(),
                rd.snapshot().metadata().index(), rd.entries());
        unwritten = rd.entries();
        if (role == StateType.LEADER) {
            checkers.leaderAppendOnly.onLeaderBatch(id, term, disk.log(), rd.entries(), !rd.snapshot().isEmpty());
            checkers.leaderCompleteness.onLeader(id, term, coreLog);
        }
        for (Entry e : rd.committedEntries()) {
            checkers.leaderCompleteness.onCommitted(e, term);
        }
        for (Message m : rd.messages()) {
            send(m);
        }
        if (sendsPersistedEarly()) {
            for (Message m : rd.persistedMessages()) {
                send(m);
            }
        }
        if (rd.hasWrites() && disk.latencyTicks() > 0) {
            outstanding = rd;
            outstandingDueTick = cluster.now() + disk.latencyTicks();
            return;
        }
        complete(rd);
    }

    /** Steps 2–5: persist, release persisted messages, apply, advance. */
    private void complete(Ready rd) {
        long prevTerm = -1;
        if (!rd.entries().isEmpty()) {
            long before = rd.entries().get(0).index() - 1;
            prevTerm = !rd.snapshot().isEmpty() && rd.snapshot().metadata().index() == before
                    ? rd.snapshot().metadata().term() : disk.log().termAt(before);
        }
        disk.persist(rd);
        outstanding = null;
        unwritten = List.of();
        checkers.logMatching.onAppend(id, prevTerm, rd.entries());
        checkers.readyContract.onPersisted(id, disk.hardState(), disk.log());
        checkers.commitMonotonicity.onDurableCommit(id, disk.hardState().commit());
        if (!sendsPersistedEarly()) {
            for (Message m : rd.persistedMessages()) {
                send(m);
            }
        }
        if (!rd.snapshot().isEmpty()) {
            installSnapshot(rd.snapshot());
        }
        long durableCommit = disk.hardState().commit();
        for (Entry e : rd.committedEntries()) {
            checkers.readyContract.onApply(id, sm.applied(), e, disk.log(), durableCommit);
            apply(e);
        }
        raw.advance(rd);
        for (ReadState rs : rd.readStates()) {
            readsWaiting.put(ByteBuffer.wrap(rs.requestCtx()).getLong(), rs.index());
        }
        serveReads();
    }

    private boolean sendsPersistedEarly() {
        return cluster.params().driverBug() == SimParams.DriverBug.SEND_PERSISTED_EARLY;
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

    private void apply(Entry e) {
        ConfState cs = sm.confState();
        ConfChange cc = null;
        if (e.type() == EntryType.CONF_CHANGE) {
            cc = ConfChange.decode(e.data());
            cs = raw.applyConfChange(cc);
        }
        sm.apply(e, cs);
        if (cc != null) {
            // Keep the configuration in force durable next to the applied index it belongs to, so
            // that a restart with RaftConfig.applied = sm.applied() starts from the right members.
            disk.snapshotAndCompact(e.index(), cs, sm.encode(), 0);
        }
        if (checkers.stateMachineSafety.onApplied(id, e.index(), SimStateMachine.fingerprint(e))) {
            cluster.onFirstApplied(e);
        }
        if (cc != null) {
            cluster.onConfChangeApplied(this, cc);
        }
    }

    private void serveReads() {
        if (readsWaiting.isEmpty()) {
            return;
        }
        List<long[]> due = new ArrayList<>();
        for (Map.Entry<Long, Long> w : readsWaiting.entrySet()) {
            if (w.getValue() <= sm.applied()) {
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
            b.append("ents ").append(rd.entries().get(0).index()).append("..")
                    .append(rd.entries().get(rd.entries().size() - 1).index()).append(' ');
        }
        if (!rd.committedEntries().isEmpty()) {
            b.append("commit ").append(rd.committedEntries().get(0).index()).append("..")
                    .append(rd.committedEntries().get(rd.committedEntries().size() - 1).index()).append(' ');
        }
        b.append("msgs ").append(rd.messages()).append(" pmsgs ").append(rd.persistedMessages());
        if (!rd.readStates().isEmpty()) {
            b.append(" reads ").append(rd.readStates().size());
        }
        return b.toString();
    }
}
