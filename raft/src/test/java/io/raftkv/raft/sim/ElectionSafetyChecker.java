package io.raftkv.raft.sim;

import io.raftkv.raft.StateType;
import java.util.HashMap;
import java.util.Map;

/** Election Safety (Raft §5.2, Figure 3): at most one leader can be elected in a given term. */
final class ElectionSafetyChecker extends Checker {
    /** term → the node observed leading it. */
    private final Map<Long, Long> leaderByTerm = new HashMap<>();

    ElectionSafetyChecker() {
        super("ElectionSafety");
    }

    /** A node was observed in {@code role} at {@code term}. */
    void onRole(long node, long term, StateType role) {
        checked();
        if (role != StateType.LEADER) {
            return;
        }
        Long previous = leaderByTerm.putIfAbsent(term, node);
        if (previous != null && previous != node) {
            throw violation("two leaders in term %d: node %d and node %d", term, previous, node);
        }
    }
}
