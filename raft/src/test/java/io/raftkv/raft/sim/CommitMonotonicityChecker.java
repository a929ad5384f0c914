package io.raftkv.raft.sim;

import java.util.HashMap;
import java.util.Map;

/**
 * The commit index never decreases: neither a node's durable commit (across crashes) nor the
 * commit index one incarnation of a node reports in memory. A restart may resume from the durable
 * commit, below what the crashed incarnation had in memory: that is not a decrease.
 */
final class CommitMonotonicityChecker extends Checker {
    private final Map<Long, Long> durableCommit = new HashMap<>();
    /** node → {incarnation, commit}. */
    private final Map<Long, long[]> memoryCommit = new HashMap<>();

    CommitMonotonicityChecker() {
        super("CommitMonotonicity");
    }

    /** {@code commit} was written to the node's disk. */
    void onDurableCommit(long node, long commit) {
        checked();
        long before = durableCommit.getOrDefault(node, 0L);
        if (commit < before) {
            throw violation("node %d persisted commit %d after having persisted commit %d", node, commit, before);
        }
        durableCommit.put(node, commit);
    }

    /** Incarnation {@code incarnation} of {@code node} reports {@code commit} in memory. */
    void onMemoryCommit(long node, long incarnation, long commit) {
        checked();
        long[] seen = memoryCommit.get(node);
        if (seen == null || seen[0] != incarnation) {
            long durable = durableCommit.getOrDefault(node, 0L);
            if (commit < durable) {
                throw violation(
                        "node %d (incarnation %d) starts at commit %d below its durable commit %d",
                        node, incarnation, commit, durable);
            }
            memoryCommit.put(node, new long[] {incarnation, commit});
            return;
        }
        if (commit < seen[1]) {
            throw violation("node %d (incarnation %d) commit went from %d to %d", node, incarnation, seen[1], commit);
        }
        seen[1] = commit;
    }
}
