package io.raftkv.raft.sim;

import io.raftkv.raft.Entry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Log Matching (Raft §5.3, Figure 3): if two logs contain an entry with the same index and term,
 * the logs are identical in all entries up through that index.
 *
 * <p>Checked incrementally, by induction over the index, on every entry written to any node's
 * disk: (1) one (index, term) pair names one entry content cluster-wide, and (2) in every log that
 * holds it, the entry is preceded by the same term. Together these imply the property (the entry
 * before is again unique by (1), and so on down to the snapshot boundary). It also checks that
 * terms never decrease along a log.
 */
final class LogMatchingChecker extends Checker {
    private record IndexTerm(long index, long term) {}

    private record Identity(long fingerprint, long prevTerm, long firstNode) {}

    private final Map<IndexTerm, Identity> seen = new HashMap<>();

    LogMatchingChecker() {
        super("LogMatching");
    }

    /**
     * {@code written} (contiguous) was appended to {@code node}'s log; {@code prevTerm} is the term
     * of the entry just before the first one in that log (the snapshot term at the boundary), or
     * -1 if it is unknown.
     */
    void onAppend(long node, long prevTerm, List<Entry> written) {
        long prev = prevTerm;
        for (Entry e : written) {
            checked();
            if (prev >= 0 && e.term() < prev) {
                throw violation(
                        "node %d: entry %d has term %d below the term %d of the entry before it",
                        node, e.index(), e.term(), prev);
            }
            long fp = SimStateMachine.fingerprint(e);
            Identity id = seen.putIfAbsent(new IndexTerm(e.index(), e.term()), new Identity(fp, prev, node));
            if (id != null) {
                if (id.fingerprint != fp) {
                    throw violation(
                            "index %d term %d holds different entries on node %d and node %d (%s)",
                            e.index(), e.term(), id.firstNode, node, e);
                }
                if (id.prevTerm >= 0 && prev >= 0 && id.prevTerm != prev) {
                    throw violation(
                            "entry %d/%d is preceded by term %d on node %d but by term %d on node %d",
                            e.index(), e.term(), id.prevTerm, id.firstNode, prev, node);
                }
                if (id.prevTerm < 0 && prev >= 0) {
                    seen.put(new IndexTerm(e.index(), e.term()), new Identity(fp, prev, node));
                }
            }
            prev = e.term();
        }
    }
}
