package io.raftkv.raft;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A tiny deterministic in-memory cluster for the core's unit tests: each node is a {@link RawNode}
 * over a {@link MemoryStorage}; {@link #stabilize()} handles every Ready exactly as the contract
 * says (send {@code messages}, persist, send {@code persistedMessages}, apply, advance) and delivers
 * messages in FIFO order until nothing moves. Links can be cut, nodes isolated, messages dropped by
 * predicate. No threads, no clock, no randomness beyond the nodes' seeded ones.
 */
final class TestNetwork {
    private static final int MAX_STEPS = 200_000;

    final Map<Long, RawNode> nodes = new TreeMap<>();
    final Map<Long, MemoryStorage> storages = new TreeMap<>();
    /** Entries each node applied, in order (snapshots appear as a NORMAL entry with the snapshot's data). */
    final Map<Long, List<Entry>> applied = new TreeMap<>();

    final Map<Long, List<ReadState>> readStates = new TreeMap<>();
    /** Every message handed to the network, in send order (including dropped ones). */
    final List<Message> sent = new ArrayList<>();

    private final ArrayDeque<Message> inFlight = new ArrayDeque<>();
    private final Set<Long> isolated = new HashSet<>();
    private final Set<List<Long>> cutLinks = new HashSet<>();
    private final Map<Long, RaftConfig> configs = new HashMap<>();
    private Predicate<Message> dropIf = m -> false;
    /** Whether the network reports snapshot delivery outcomes to the sender (a driver would). */
    boolean reportSnapshots = true;

    private final Consumer<RaftConfig.Builder> customizer;

    private TestNetwork(Consumer<RaftConfig.Builder> customizer) {
        this.customizer = customizer;
    }

    /** A cluster of voters 1..n, no pre-vote / check-quorum unless the customizer enables them. */
    static TestNetwork voters(int n, Consumer<RaftConfig.Builder> customizer) {
        TestNetwork net = new TestNetwork(customizer);
        Long[] ids = new Long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = (long) (i + 1);
        }
        for (Long id : ids) {
            MemoryStorage s = new MemoryStorage();
            s.setConfState(ConfState.ofVoters(ids));
            RawNode node = net.start(id, s, 0);
            // Founding members have been up for an election timeout: past the start-up period in
            // which a node refuses votes (restart() and addEmptyNode() start a node afresh).
            node.core().now = node.core().config().electionTicks();
        }
        return net;
    }

    static TestNetwork voters(int n) {
        return voters(n, b -> {});
    }

    static RaftConfig.Builder baseConfig(long id) {
        return RaftConfig.builder(id)
                .electionTicks(10)
                .heartbeatTicks(1)
                .checkQuorum(false)
                .preVote(false)
                .maxInflightMsgs(256)
                .maxSizePerMsgBytes(1L << 20);
    }

    /** Starts (or restarts) node {@code id} from {@code storage}. */
    RawNode start(long id, MemoryStorage storage, long appliedIndex) {
        RaftConfig.Builder b = baseConfig(id).applied(appliedIndex);
        customizer.accept(b);
        RaftConfig cfg = b.build();
        configs.put(id, cfg);
        RawNode node = new RawNode(cfg, storage);
        nodes.put(id, node);
        storages.put(id, storage);
        applied.computeIfAbsent(id, k -> new ArrayList<>());
        readStates.computeIfAbsent(id, k -> new ArrayList<>());
        return node;
    }

    /** Adds a node that is not yet in any configuration (it waits for the leader). */
    RawNode addEmptyNode(long id) {
        return start(id, new MemoryStorage(), 0);
    }

    /** Simulates a crash and restart: the node keeps exactly its storage and applied index. */
    RawNode restart(long id) {
        long appliedIndex = lastApplied(id);
        return start(id, storages.get(id), appliedIndex);
    }

    long lastApplied(long id) {
        List<Entry> a = applied.get(id);
        return a.isEmpty() ? 0 : a.get(a.size() - 1).index();
    }

    RawNode node(long id) {
        return nodes.get(id);
    }

    Status status(long id) {
        return nodes.get(id).status();
    }

    /** The unique node that believes it leads in the highest term, or {@link Raft#NONE}. */
    long leader() {
        long best = Raft.NONE;
        long bestTerm = -1;
        for (Map.Entry<Long, RawNode> e : nodes.entrySet()) {
            Status s = e.getValue().status();
            if (s.softState().state() == StateType.LEADER && s.hardState().term() > bestTerm) {
                best = e.getKey();
                bestTerm = s.hardState().term();
            }
        }
        return best;
    }

    void isolate(long id) {
        isolated.add(id);
    }

    void cut(long a, long b) {
        cutLinks.add(List.of(a, b));
        cutLinks.add(List.of(b, a));
    }

    void heal() {
        isolated.clear();
        cutLinks.clear();
        dropIf = m -> false;
    }

    void dropIf(Predicate<Message> p) {
        this.dropIf = p;
    }

    private boolean dropped(Message m) {
        return isolated.contains(m.from())
                || isolated.contains(m.to())
                || cutLinks.contains(List.of(m.from(), m.to()))
                || !nodes.containsKey(m.to())
                || dropIf.test(m);
    }

    private void send(List<Message> ms) {
        for (Message m : ms) {
            sent.add(m);
            if (!dropped(m)) {
                inFlight.addLast(m);
            } else if (reportSnapshots && m.type() == MessageType.SNAP && nodes.containsKey(m.from())) {
                // A driver learns that its snapshot stream failed.
                nodes.get(m.from()).reportSnapshot(m.to(), false);
            }
        }
    }

    /** Handles one Ready of {@code id} per the contract; returns it (or null if none). */
    Ready handleReady(long id) {
        RawNode n = nodes.get(id);
        if (!n.hasReady()) {
            return null;
        }
        Ready rd = n.ready();
        send(rd.messages());
        persist(id, rd);
        send(rd.persistedMessages());
        apply(id, rd);
        n.advance(rd);
        return rd;
    }

    void persist(long id, Ready rd) {
        MemoryStorage s = storages.get(id);
        if (!rd.snapshot().isEmpty()) {
            s.applySnapshot(rd.snapshot());
        }
        s.append(rd.entries());
        if (rd.hardState() != null) {
            s.setHardState(rd.hardState());
        }
    }

    void apply(long id, Ready rd) {
        List<Entry> a = applied.get(id);
        if (!rd.snapshot().isEmpty()) {
            SnapshotMetadata m = rd.snapshot().metadata();
            a.add(new Entry(m.term(), m.index(), EntryType.NORMAL, rd.snapshot().data()));
        }
        for (Entry e : rd.committedEntries()) {
            if (e.type() == EntryType.CONF_CHANGE) {
                nodes.get(id).applyConfChange(e.index(), ConfChange.decode(e.data()));
            }
            a.add(e);
        }
        readStates.get(id).addAll(rd.readStates());
    }

    /** Delivers the oldest message in flight; returns false if none. */
    boolean deliverOne() {
        Message m = inFlight.pollFirst();
        if (m == null) {
            return false;
        }
        RawNode to = nodes.get(m.to());
        if (to != null) {
            to.step(m);
            if (reportSnapshots && m.type() == MessageType.SNAP && nodes.containsKey(m.from())) {
                nodes.get(m.from()).reportSnapshot(m.to(), true);
            }
        }
        return true;
    }

    /** Handles Readies and delivers messages until the cluster is quiet. */
    void stabilize() {
        for (int i = 0; i < MAX_STEPS; i++) {
            boolean moved = false;
            for (long id : new ArrayList<>(nodes.keySet())) {
                moved |= handleReady(id) != null;
            }
            while (deliverOne()) {
                moved = true;
            }
            if (!moved) {
                return;
            }
        }
        throw new AssertionError("cluster did not stabilize within " + MAX_STEPS + " rounds");
    }

    void tick(long id, int ticks) {
        for (int i = 0; i < ticks; i++) {
            nodes.get(id).tick();
        }
    }

    /** Ticks every node once, then stabilizes; repeated {@code rounds} times. */
    void tickAll(int rounds) {
        for (int r = 0; r < rounds; r++) {
            for (RawNode n : nodes.values()) {
                n.tick();
            }
            stabilize();
        }
    }

    /** Elects {@code id} by an immediate campaign and stabilizes. */
    void elect(long id) {
        nodes.get(id).campaign();
        stabilize();
        if (leader() != id) {
            throw new AssertionError("node " + id + " was not elected; leader " + leader());
        }
    }

    /** Proposes on {@code id} and stabilizes; returns the entry index. */
    long proposeAndCommit(long id, String data) {
        long idx = nodes.get(id).propose(data.getBytes());
        stabilize();
        return idx;
    }

    /** Takes a snapshot of {@code id}'s state at its applied index and compacts its storage there. */
    void compact(long id) {
        long idx = lastApplied(id);
        MemoryStorage s = storages.get(id);
        s.createSnapshot(idx, nodes.get(id).status().confState(), ("snap@" + idx).getBytes());
        s.compact(idx);
    }

    List<Message> sentOfType(MessageType t) {
        List<Message> out = new ArrayList<>();
        for (Message m : sent) {
            if (m.type() == t) {
                out.add(m);
            }
        }
        return out;
    }

    /** Applied NORMAL non-empty payloads of {@code id}, as strings. */
    List<String> appliedData(long id) {
        List<String> out = new ArrayList<>();
        for (Entry e : applied.get(id)) {
            if (e.type() == EntryType.NORMAL && e.data().length > 0 && !new String(e.data()).startsWith("snap@")) {
                out.add(new String(e.data()));
            }
        }
        return out;
    }

    /** Term of every index 1..last of {@code id}'s durable log (0 where compacted). */
    Map<Long, Long> durableTerms(long id) {
        MemoryStorage s = storages.get(id);
        Map<Long, Long> out = new LinkedHashMap<>();
        for (long i = s.firstIndex(); i <= s.lastIndex(); i++) {
            out.put(i, s.term(i));
        }
        return out;
    }
}
