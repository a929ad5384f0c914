package io.raftkv.raft.sim;

import java.util.HashMap;
import java.util.Map;

/**
 * State Machine Safety (Raft §5.4.3, Figure 3): if a server has applied a log entry at a given
 * index to its state machine, no other server ever applies a different entry for that index.
 * Entries are compared by fingerprint (term, type and payload); state restored from a snapshot is
 * checked index by index like applied entries.
 */
final class StateMachineSafetyChecker extends Checker {
    /** index → {fingerprint, first node that applied it}. */
    private final Map<Long, long[]> appliedByIndex = new HashMap<>();

    StateMachineSafetyChecker() {
        super("StateMachineSafety");
    }

    /**
     * {@code node} applied the entry with {@code fingerprint} at {@code index}.
     *
     * @return whether this is the first time any node applied this index
     */
    boolean onApplied(long node, long index, long fingerprint) {
        checked();
        long[] first = appliedByIndex.putIfAbsent(index, new long[] {fingerprint, node});
        if (first == null) {
            return true;
        }
        if (first[0] != fingerprint) {
            throw violation(
                    "node %d applied a different entry at index %d than node %d (fingerprint %x vs %x)",
                    node, index, first[1], fingerprint, first[0]);
        }
        return false;
    }
}
