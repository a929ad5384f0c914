package io.raftkv.bench.jmh;

import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.MemoryStorage;
import io.raftkv.raft.Message;
import io.raftkv.raft.RaftConfig;
import io.raftkv.raft.RawNode;
import io.raftkv.raft.Ready;
import io.raftkv.raft.StateType;
import java.util.ArrayDeque;
import java.util.List;

/**
 * A Raft group of RawNodes over MemoryStorage with an instant, lossless network, driven by the
 * Ready contract (send, persist, send-after-persist, apply, advance) on one thread: the consensus
 * hot path with every I/O cost removed. Production {@link RaftConfig} defaults (pre-vote,
 * 256 in-flight appends, 1 MiB messages) except check-quorum, which is off: with it a member refuses
 * votes for its first election timeout after start (the leader-lease promise), and this group never
 * ticks. No ticks are ever made, so there are no elections after the first and no heartbeats:
 * what is measured is propose → replicate → commit, which check-quorum does not touch.
 *
 * <p>Storage is compacted as entries are applied, so memory stays bounded over a long benchmark.
 */
final class InMemoryRaftGroup {
    /** Entries kept in storage below the applied index. */
    private static final long RETAINED_ENTRIES = 1_000;
    /** A stabilize() that does not settle within this many rounds has a bug (a livelock). */
    private static final int MAX_ROUNDS = 1_000_000;

    private final RawNode[] nodes;
    private final MemoryStorage[] storages;
    private final long[] applied;
    private final ArrayDeque<Message> network = new ArrayDeque<>();

    private InMemoryRaftGroup(int size) {
        nodes = new RawNode[size];
        storages = new MemoryStorage[size];
        applied = new long[size];
        Long[] ids = new Long[size];
        for (int i = 0; i < size; i++) {
            ids[i] = (long) (i + 1);
        }
        for (int i = 0; i < size; i++) {
            storages[i] = new MemoryStorage();
            storages[i].setConfState(ConfState.ofVoters(ids));
            nodes[i] = new RawNode(RaftConfig.builder(i + 1).checkQuorum(false).build(), storages[i]);
        }
    }

    /** A group of {@code size} voters in which member 1 has been elected and committed its no-op entry. */
    static InMemoryRaftGroup withLeader(int size) {
        InMemoryRaftGroup g = new InMemoryRaftGroup(size);
        g.nodes[0].campaign();
        g.stabilize();
        if (g.nodes[0].status().softState().state() != StateType.LEADER) {
            throw new IllegalStateException("member 1 did not become leader: " + g.nodes[0]);
        }
        return g;
    }

    RawNode leader() {
        return nodes[0];
    }

    /** Applied index of the leader. */
    long leaderApplied() {
        return applied[0];
    }

    /** Handles Readies and delivers messages until nothing is left to do. */
    void stabilize() {
        for (int round = 0; round < MAX_ROUNDS; round++) {
            boolean moved = false;
            for (int i = 0; i < nodes.length; i++) {
                if (nodes[i].hasReady()) {
                    handleReady(i);
                    moved = true;
                }
            }
            Message m;
            while ((m = network.pollFirst()) != null) {
                nodes[(int) m.to() - 1].step(m);
                moved = true;
            }
            if (!moved) {
                return;
            }
        }
        throw new IllegalStateException("group did not settle within " + MAX_ROUNDS + " rounds");
    }

    private void handleReady(int i) {
        RawNode n = nodes[i];
        MemoryStorage s = storages[i];
        Ready rd = n.ready();
        network.addAll(rd.messages());
        if (!rd.snapshot().isEmpty()) {
            s.applySnapshot(rd.snapshot());
        }
        s.append(rd.entries());
        if (rd.hardState() != null) {
            s.setHardState(rd.hardState());
        }
        network.addAll(rd.persistedMessages());
        List<Entry> committed = rd.committedEntries();
        if (!committed.isEmpty()) {
            applied[i] = committed.get(committed.size() - 1).index();
        }
        n.advance(rd);
        long compactTo = applied[i] - RETAINED_ENTRIES;
        if (compactTo > s.firstIndex() + RETAINED_ENTRIES) {
            s.compact(compactTo);
        }
    }
}
