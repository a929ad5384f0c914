package io.raftkv.raft.sim;

import io.raftkv.raft.Entry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Leader Append-Only (Raft §5.3, Figure 3): a leader never overwrites or deletes entries in its
 * log; it only appends.
 *
 * <p>The simulator reports each batch of entries a node hands over for persisting while it is
 * leader. A batch taken in the node's first observed Ready as leader of a term may still carry
 * what it accepted as a follower before it won (possibly replacing a conflicting suffix), so
 * entries are compared only from the second leader batch of that term on; the leader's last index
 * must never decrease within its term, and a leader never installs a snapshot.
 */
final class LeaderAppendOnlyChecker extends Checker {
    /** node → {term, last index of its log after its previous batch as leader}. */
    private final Map<Long, long[]> leading = new HashMap<>();

    LeaderAppendOnlyChecker() {
        super("LeaderAppendOnly");
    }

    /**
     * Leader {@code node} of {@code term} hands over {@code entries} (and maybe a snapshot) to be
     * appended to {@code logBefore}, which already includes everything it handed over before.
     */
    void onLeaderBatch(long node, long term, LogView logBefore, List<Entry> entries, boolean hasSnapshot) {
        checked();
        long[] prior = leading.get(node);
        boolean continuing = prior != null && prior[0] == term;
        long lastAfter = entries.isEmpty()
                ? logBefore.lastIndex()
                : entries.get(entries.size() - 1).index();
        if (continuing) {
            if (hasSnapshot) {
                throw violation("leader %d of term %d installs a snapshot over its own log", node, term);
            }
            for (Entry e : entries) {
                Entry old = logBefore.entry(e.index());
                if (old != null && !old.equals(e)) {
                    throw violation("leader %d of term %d overwrites %s with %s", node, term, old, e);
                }
            }
            if (lastAfter < prior[1]) {
                throw violation(
                        "leader %d of term %d truncated its log from last index %d to %d",
                        node, term, prior[1], lastAfter);
            }
        }
        leading.put(node, new long[] {term, lastAfter});
    }

    /** {@code node} is no longer leader (stepped down or crashed). */
    void onNotLeader(long node) {
        leading.remove(node);
    }
}
