package io.raftkv.raft.sim;

import io.raftkv.raft.Entry;
import java.util.Map;
import java.util.TreeMap;

/**
 * Leader Completeness (Raft §5.4, Figure 3): if an entry is committed in a given term, it is
 * present in the logs of the leaders of all higher-numbered terms.
 *
 * <p>"Committed in term C" is taken as the lowest current term of any node seen reporting the
 * entry as committed: every node learns a commit from a leader whose term is at least the term in
 * which the entry committed, so this never names a term that is too low (no false alarms). Two
 * checks: when a node is first seen leading term T, its log must hold every entry known committed
 * in a term below T; when an entry becomes known committed, every current leader of a higher term
 * must hold it. Entries inside a leader's compacted prefix count as present.
 */
final class LeaderCompletenessChecker extends Checker {
    private record Committed(Entry entry, long commitTerm) {}

    private record Leadership(long term, LogView log) {}

    private final TreeMap<Long, Committed> committed = new TreeMap<>();
    private final Map<Long, Leadership> leaders = new TreeMap<>();

    LeaderCompletenessChecker() {
        super("LeaderCompleteness");
    }

    /** A node whose current term is {@code observerTerm} reports {@code e} as committed. */
    void onCommitted(Entry e, long observerTerm) {
        checked();
        Committed c = committed.get(e.index());
        if (c != null && c.commitTerm <= observerTerm) {
            return;
        }
        committed.put(e.index(), new Committed(e, observerTerm));
        for (Map.Entry<Long, Leadership> l : leaders.entrySet()) {
            Leadership lead = l.getValue();
            if (lead.term > observerTerm && !lead.log.containsOrCompacted(e)) {
                throw violation(
                        "%s is committed by term %d but leader %d of term %d does not hold it",
                        e, observerTerm, l.getKey(), lead.term);
            }
        }
    }

    /**
     * {@code node} leads {@code term}; {@code log} is a live view of its log. Checked in full the
     * first time this leadership is seen.
     */
    void onLeader(long node, long term, LogView log) {
        Leadership prior = leaders.get(node);
        if (prior != null && prior.term == term) {
            return;
        }
        leaders.put(node, new Leadership(term, log));
        for (Committed c : committed.values()) {
            checked();
            if (c.commitTerm < term && !log.containsOrCompacted(c.entry)) {
                throw violation(
                        "new leader %d of term %d lacks %s, committed by term %d", node, term, c.entry, c.commitTerm);
            }
        }
    }

    /** {@code node} is no longer leader (stepped down or crashed). */
    void onNotLeader(long node) {
        leaders.remove(node);
    }
}
