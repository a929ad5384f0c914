package io.raftkv.raft.sim;

import io.raftkv.raft.ConfChange;
import io.raftkv.raft.ConfChangeType;
import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.Message;
import io.raftkv.raft.MessageType;
import io.raftkv.raft.Snapshot;
import io.raftkv.raft.SnapshotMetadata;
import io.raftkv.raft.StateType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * A whole cluster inside one thread under one seed: the nodes, the network between them and the
 * virtual clock. {@link #tick()} advances time by one tick: due disk writes complete, every live
 * node's clock advances at its rate ({@link SimParams#clockRate}: once per tick unless the run skews
 * the clocks), due messages are delivered — each in an order drawn from the seed.
 *
 * <p>Everything random comes from the one {@link SplittableRandom}, and every collection iterated
 * here is ordered, so a seed replays exactly.
 */
final class SimCluster {
    /** Trace lines kept for a replay ({@code -Dsim.traceLines=N}). */
    private static final int TRACE_LINES = Integer.getInteger("sim.traceLines", 400);

    private final SimParams params;
    private final SplittableRandom rnd;
    private final SimStats stats;
    private final Checkers checkers = new Checkers();
    private final SimNetwork network;
    private final TreeMap<Long, SimNode> nodes = new TreeMap<>();
    /** Removed nodes waiting until every voter of the new configuration applied their removal. */
    private final TreeMap<Long, long[]> removals = new TreeMap<>();

    private final Deque<String> trace;
    private long now;
    private long nextNodeId;
    /** The newest committed configuration and the index of the entry that made it. */
    private ConfState committedConf;

    private long committedConfIndex;

    SimCluster(SimParams params, SplittableRandom rnd, SimStats stats, boolean tracing) {
        this.params = params;
        this.rnd = rnd;
        this.stats = stats;
        this.network = new SimNetwork(rnd, stats, params.profile().network);
        this.trace = tracing ? new ArrayDeque<>() : null;
        List<Long> voters = new ArrayList<>();
        for (long id = 1; id <= params.clusterSize(); id++) {
            voters.add(id);
        }
        ConfState initial = new ConfState(new HashSet<>(voters), Set.of());
        committedConf = initial;
        Snapshot bootstrap = params.bootstrapSnapshot() ? bootstrapSnapshot(initial) : null;
        for (long id : voters) {
            SimNode n = new SimNode(id, initial, this);
            if (bootstrap != null) {
                n.bootstrapFrom(bootstrap);
            }
            nodes.put(id, n);
        }
        nextNodeId = params.clusterSize() + 1;
        for (SimNode n : nodes.values()) {
            start(n);
        }
    }

    /** The state every founding member starts from: one committed no-op at index 1 under {@code cs}. */
    private static Snapshot bootstrapSnapshot(ConfState cs) {
        SimStateMachine sm = new SimStateMachine(cs);
        sm.apply(Entry.normal(1, 1, new byte[0]), cs);
        return new Snapshot(new SnapshotMetadata(1, 1, cs), sm.encode());
    }

    SimParams params() {
        return params;
    }

    SplittableRandom rnd() {
        return rnd;
    }

    Checkers checkers() {
        return checkers;
    }

    SimStats stats() {
        return stats;
    }

    SimNetwork network() {
        return network;
    }

    long now() {
        return now;
    }

    void countStep() {
        stats.steps++;
    }

    void trace(Supplier<String> line) {
        if (trace != null) {
            if (trace.size() == TRACE_LINES) {
                trace.removeFirst();
            }
            trace.addLast("t" + now + " " + line.get());
        }
    }

    /** The last trace lines (empty unless tracing). */
    List<String> traceTail() {
        return trace == null ? List.of() : new ArrayList<>(trace);
    }

    /** Advances virtual time by one tick. */
    void tick() {
        now++;
        stats.ticks++;
        decommissionRemoved();
        for (SimNode n : shuffledUpNodes()) {
            n.completeWriteIfDue(now);
        }
        for (SimNode n : shuffledUpNodes()) {
            // Each node's clock runs at its own rate (lease runs skew them): 0, 1 or 2 ticks now.
            for (int k = n.clockTicksDue(); k > 0 && n.isUp(); k--) {
                n.tick();
            }
        }
        Message m;
        while ((m = network.pollDue(now)) != null) {
            deliver(m);
        }
    }

    private void deliver(Message m) {
        SimNode to = nodes.get(m.to());
        boolean arrives = to != null && to.isUp() && network.connected(m.from(), m.to());
        if (!arrives && network.isPartitioned() && !network.connected(m.from(), m.to())) {
            stats.fault(FaultKind.MSG_PARTITIONED);
        }
        trace(() -> (arrives ? "deliver " : "lost ") + m);
        if (arrives) {
            to.deliver(m);
        }
        if (m.type() == MessageType.SNAP) {
            SimNode from = nodes.get(m.from());
            if (from != null && from.isUp()) {
                if (!arrives) {
                    stats.fault(FaultKind.SNAPSHOT_FAILED);
                }
                from.reportSnapshot(m.to(), arrives);
            }
        }
    }

    /** Puts a node's outgoing message on the wire; false if its link is cut. */
    boolean send(Message m) {
        trace(() -> "send " + m);
        return network.send(m, now);
    }

    private List<SimNode> shuffledUpNodes() {
        List<SimNode> up = upNodes();
        Collections.shuffle(up, new java.util.Random(rnd.nextLong()));
        return up;
    }

    /** Live nodes in id order. */
    List<SimNode> upNodes() {
        List<SimNode> up = new ArrayList<>();
        for (SimNode n : nodes.values()) {
            if (n.isUp()) {
                up.add(n);
            }
        }
        return up;
    }

    /** Every node ever created, in id order. */
    List<SimNode> allNodes() {
        return new ArrayList<>(nodes.values());
    }

    SimNode node(long id) {
        return nodes.get(id);
    }

    /** The live node that leads the highest term, or null. */
    SimNode leader() {
        SimNode best = null;
        for (SimNode n : nodes.values()) {
            if (n.isUp() && n.role() == StateType.LEADER && (best == null || n.term() > best.term())) {
                best = n;
            }
        }
        return best;
    }

    void start(SimNode n) {
        n.start(params.config(n.id, rnd.nextLong()));
        trace(() -> "start n" + n.id + " incarnation " + n.incarnation() + " applied " + n.sm.applied());
    }

    void crash(SimNode n) {
        trace(() -> "crash n" + n.id);
        n.crash();
    }

    /** Creates and starts a node with a fresh id and an empty configuration (a joiner). */
    SimNode addJoiner() {
        SimNode n = new SimNode(nextNodeId++, ConfState.EMPTY, this);
        nodes.put(n.id, n);
        start(n);
        return n;
    }

    /** Called by a node the first time any node applies {@code e}: the entry is committed. */
    void onFirstApplied(Entry e) {
        long value = SimStateMachine.clientValue(e);
        checkers.proposalOutcome.onCommitted(e.index(), e.term(), value);
        if (value != 0) {
            checkers.linearizableRead.onWriteAcknowledged(value, e.index());
        }
    }

    /** Called the first time any node applies the conf-change entry at {@code index}. */
    void onConfCommitted(long index, ConfState after) {
        if (index > committedConfIndex) {
            committedConfIndex = index;
            committedConf = after;
        }
    }

    /** The newest committed configuration. */
    ConfState committedConf() {
        return committedConf;
    }

    /** Called when {@code applier} applies {@code cc}; a removed node is stopped once safe. */
    void onConfChangeApplied(SimNode applier, ConfChange cc) {
        if (cc.type() == ConfChangeType.REMOVE && !removals.containsKey(cc.nodeId())) {
            removals.put(cc.nodeId(), new long[] {applier.sm.applied()});
            trace(() -> "removal of n" + cc.nodeId() + " applied by n" + applier.id);
        }
    }

    void onReadServed(long readId) {
        stats.event("reads_served");
    }

    /**
     * Stops removed nodes once every voter of the configuration without them has applied the
     * removal: stopping a removed leader earlier could leave a survivor that never learns the
     * removal committed and keeps waiting for its vote.
     */
    private void decommissionRemoved() {
        Iterator<java.util.Map.Entry<Long, long[]>> it = removals.entrySet().iterator();
        while (it.hasNext()) {
            var r = it.next();
            SimNode removed = nodes.get(r.getKey());
            long index = r.getValue()[0];
            boolean everyoneKnows = true;
            for (SimNode n : nodes.values()) {
                if (n.id != r.getKey()
                        && !n.isDecommissioned()
                        && n.sm.confState().voters().contains(n.id)
                        && n.sm.applied() < index) {
                    everyoneKnows = false;
                    break;
                }
            }
            if (everyoneKnows) {
                it.remove();
                if (removed != null && committedConf.voters().contains(removed.id)) {
                    // Re-added since (a new id is used for every joiner, so this would be a bug here).
                    throw new SafetyViolation(
                            "MembershipLiveness",
                            "n" + removed.id + " would be stopped while a voter of the newest committed configuration "
                                    + committedConf);
                }
                if (removed != null && !removed.isDecommissioned()) {
                    trace(() -> "decommission n" + removed.id);
                    removed.decommission();
                    stats.event("nodes_decommissioned");
                }
            }
        }
    }
}
