package io.raftkv.raft.sim;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Tracks every client proposal the core accepted ({@code propose} returned an index in a term)
 * until its outcome is explicit, and checks the outcome is consistent:
 * <ul>
 *   <li>committed: the entry committed at its index has its term, and it carries its value;</li>
 *   <li>failed: the committed log rules it out for good — the committed entry at its index has a
 *       different term, or a committed entry at a lower index has a higher term, or one at a higher
 *       index a lower term (terms never decrease along the log);</li>
 *   <li>a value commits at most once, and only at the index {@code propose} returned.</li>
 * </ul>
 * Liveness then asks that nothing stays {@link #pending()} once the cluster has healed.
 */
final class ProposalOutcomeChecker extends Checker {
    /** An accepted proposal: {@code value} got {@code index} in {@code term}. */
    record Proposal(long value, long index, long term) {}

    /** What is known about a value's proposal. */
    enum Outcome {
        UNKNOWN,
        PENDING,
        COMMITTED,
        FAILED
    }

    private final Map<Long, Outcome> outcomes = new HashMap<>();
    private final TreeMap<Long, List<Proposal>> pendingByIndex = new TreeMap<>();
    /** index → {term, value} of every committed entry seen. */
    private final TreeMap<Long, long[]> committedByIndex = new TreeMap<>();

    private final Map<Long, Proposal> proposedByValue = new HashMap<>();
    private final Map<Long, Long> committedIndexByValue = new HashMap<>();
    private int pending;
    private long committed;
    private long failed;

    ProposalOutcomeChecker() {
        super("ProposalOutcome");
    }

    /**
     * {@code propose} accepted {@code value} at {@code index} in {@code term}. A stale leader may
     * accept a proposal at an index already committed: the outcome is then known at once.
     */
    void onProposed(long value, long index, long term) {
        Proposal p = new Proposal(value, index, term);
        if (proposedByValue.putIfAbsent(value, p) != null) {
            throw new IllegalArgumentException("value " + value + " proposed twice");
        }
        pending++;
        Map.Entry<Long, long[]> atOrBelow = committedByIndex.floorEntry(index);
        Map.Entry<Long, long[]> atOrAbove = committedByIndex.ceilingEntry(index);
        if (atOrBelow != null
                && resolve(
                        p,
                        atOrBelow.getKey(),
                        atOrBelow.getValue()[0],
                        atOrBelow.getValue()[1])) {
            return;
        }
        if (atOrAbove != null
                && resolve(
                        p,
                        atOrAbove.getKey(),
                        atOrAbove.getValue()[0],
                        atOrAbove.getValue()[1])) {
            return;
        }
        pendingByIndex.computeIfAbsent(index, i -> new ArrayList<>(2)).add(p);
        outcomes.put(value, Outcome.PENDING);
    }

    /** The entry at {@code index} with {@code term}, carrying {@code value} (0: none), committed. */
    void onCommitted(long index, long term, long value) {
        checked();
        committedByIndex.put(index, new long[] {term, value});
        if (value != 0) {
            Proposal p = proposedByValue.get(value);
            if (p == null) {
                throw violation("value %d committed at %d/%d was never accepted by propose()", value, index, term);
            }
            Long before = committedIndexByValue.putIfAbsent(value, index);
            if (before != null) {
                throw violation("value %d committed twice, at index %d and at index %d", value, before, index);
            }
            if (p.index != index || p.term != term) {
                throw violation(
                        "value %d was proposed at %d/%d but committed at %d/%d", value, p.index, p.term, index, term);
            }
        }
        if (pending == 0) {
            return;
        }
        Iterator<Map.Entry<Long, List<Proposal>>> it = pendingByIndex.entrySet().iterator();
        while (it.hasNext()) {
            List<Proposal> atIndex = it.next().getValue();
            atIndex.removeIf(p -> resolve(p, index, term, value));
            if (atIndex.isEmpty()) {
                it.remove();
            }
        }
    }

    private boolean resolve(Proposal p, long index, long term, long value) {
        if (p.index == index) {
            if (p.term == term) {
                if (p.value != value) {
                    throw violation(
                            "index %d term %d committed value %d but value %d was proposed there",
                            index, term, value, p.value);
                }
                committed++;
                outcomes.put(p.value, Outcome.COMMITTED);
            } else {
                failed++;
                outcomes.put(p.value, Outcome.FAILED);
            }
            pending--;
            return true;
        }
        boolean ruledOut = (p.index < index && p.term > term) || (p.index > index && p.term < term);
        if (ruledOut) {
            failed++;
            outcomes.put(p.value, Outcome.FAILED);
            pending--;
        }
        return ruledOut;
    }

    Outcome outcome(long value) {
        return outcomes.getOrDefault(value, Outcome.UNKNOWN);
    }

    /** The index {@code propose} gave {@code value}, or -1 if it was never accepted. */
    long indexOf(long value) {
        Proposal p = proposedByValue.get(value);
        return p == null ? -1 : p.index;
    }

    /** Accepted proposals whose outcome is not yet explicit. */
    int pending() {
        return pending;
    }

    /** Up to {@code max} pending proposals, for failure messages. */
    List<Proposal> somePending(int max) {
        List<Proposal> out = new ArrayList<>();
        for (List<Proposal> ps : pendingByIndex.values()) {
            for (Proposal p : ps) {
                if (out.size() == max) {
                    return out;
                }
                out.add(p);
            }
        }
        return out;
    }

    long committedCount() {
        return committed;
    }

    long failedCount() {
        return failed;
    }
}
