package io.raftkv.raft.sim;

import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.raft.Message;
import io.raftkv.raft.MessageType;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@link io.raftkv.raft.Ready} contract, seen from outside the core: what a node promises in a
 * message must already be durable when the message leaves; entries handed over for persisting
 * never rewrite the durable committed prefix; only durable, committed entries are applied, in
 * order and without gaps (the commit index itself may still be volatile); a snapshot never rolls
 * the state machine back; the durable term never decreases and the durable commit never points
 * past the durable log.
 */
final class ReadyContractChecker extends Checker {
    private final Map<Long, Long> durableTerm = new HashMap<>();

    ReadyContractChecker() {
        super("ReadyContract");
    }

    /**
     * {@code node} hands over {@code entries} to be appended to its durable log, after a snapshot
     * at {@code snapshotIndex} that replaces the log if that is non-zero.
     */
    void onEntriesToPersist(long node, LogView durable, long durableCommit, long snapshotIndex, List<Entry> entries) {
        checked();
        if (entries.isEmpty()) {
            return;
        }
        long first = entries.get(0).index();
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).index() != first + i) {
                throw violation("node %d: entries to persist are not contiguous: %s", node, entries);
            }
        }
        long lastBefore = snapshotIndex > 0 ? snapshotIndex : durable.lastIndex();
        if (first > lastBefore + 1) {
            throw violation(
                    "node %d: entries start at %d, leaving a gap after durable last index %d", node, first, lastBefore);
        }
        if (snapshotIndex > 0) {
            return;
        }
        for (Entry e : entries) {
            if (e.index() > durableCommit) {
                break;
            }
            Entry old = durable.entry(e.index());
            if (old != null && !old.equals(e)) {
                throw violation(
                        "node %d: %s would overwrite committed %s (durable commit %d)", node, e, old, durableCommit);
            }
        }
    }

    /** {@code node} just made {@code hs} and {@code log} durable. */
    void onPersisted(long node, HardState hs, LogView log) {
        checked();
        long before = durableTerm.getOrDefault(node, 0L);
        if (hs.term() < before) {
            throw violation("node %d persisted term %d after term %d", node, hs.term(), before);
        }
        durableTerm.put(node, hs.term());
        if (hs.commit() > log.lastIndex()) {
            throw violation(
                    "node %d persisted commit %d past its durable last index %d", node, hs.commit(), log.lastIndex());
        }
    }

    /** {@code node} is about to send {@code m}; {@code hs} and {@code log} are what it has durable now. */
    void onSend(Message m, HardState hs, LogView log) {
        checked();
        if (m.reject()) {
            return;
        }
        if (m.type() == MessageType.APP_RESP && m.index() > log.lastIndex()) {
            throw violation(
                    "node %d acknowledges appends up to %d to node %d but has only %d durable",
                    m.from(), m.index(), m.to(), log.lastIndex());
        }
        if (m.type() == MessageType.VOTE_RESP) {
            if (hs.term() < m.term() || (hs.term() == m.term() && hs.vote() != m.to())) {
                throw violation(
                        "node %d grants its vote to node %d in term %d before persisting it (durable %s)",
                        m.from(), m.to(), m.term(), hs);
            }
        }
    }

    /** {@code node} installs a snapshot at {@code snapshotIndex} over a state machine at {@code applied}. */
    void onSnapshotApply(long node, long snapshotIndex, long applied) {
        checked();
        if (snapshotIndex <= applied) {
            throw violation(
                    "node %d is handed a snapshot at %d but has applied up to %d", node, snapshotIndex, applied);
        }
    }

    /**
     * {@code node}, whose state machine is at {@code applied}, applies {@code e}; {@code durable}
     * is its disk now and {@code commit} the commit index its core has told it. The commit index
     * need not be durable yet (the loop writes it with the next real write; a restart relearns it),
     * but the entry must be.
     */
    void onApply(long node, long applied, Entry e, LogView durable, long commit) {
        checked();
        if (e.index() != applied + 1) {
            throw violation("node %d applies index %d after index %d", node, e.index(), applied);
        }
        if (e.index() > commit) {
            throw violation("node %d applies index %d beyond its commit index %d", node, e.index(), commit);
        }
        if (!durable.containsOrCompacted(e)) {
            throw violation(
                    "node %d applies %s which is not in its durable log (durable has %s)",
                    node, e, durable.entry(e.index()));
        }
    }
}
