package io.raftkv.e2e.linearizability;

import io.raftkv.e2e.history.OpKind;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Names the anomaly behind a key that the search proved non-linearizable, from the structure of
 * the key's history. The rules, in the order they are tried (first match wins):
 *
 * <ol>
 *   <li><b>DOUBLE_APPLY (consumption)</b>: more successful cas operations swapped a value
 *       {@code v} away than there are operations that could have written {@code v} (plus the
 *       initial absence). Each write of {@code v} can be swapped away at most once, so some write
 *       took effect twice (e.g. the same cas succeeded twice).
 *   <li>Each observation (a successful get, or a successful cas, which observes {@code expected}),
 *       in call order:
 *       <ul>
 *         <li><b>OTHER</b> if no operation wrote the observed value before the observation returned;
 *         <li>if every write that could explain the value was overwritten by an acknowledged write
 *             {@code X} that completed before the observation began, the observation is
 *             out of date, and:
 *             for a get — <b>STALE_READ</b> if an operation after it saw {@code X} or a later state
 *             (the newer state survived; a lagging replica served the read), else <b>LOST_WRITE</b>
 *             (nothing after it ever sees {@code X}: it is missing up to the final read);
 *             for a cas, which goes through the log and so reflects the real state —
 *             <b>DOUBLE_APPLY</b> if {@code X} or a later state had already been observed before the
 *             cas began (the old value came back: it was applied again), else <b>LOST_WRITE</b>.
 *       </ul>
 *   <li><b>OTHER</b>, explained with the search's deepest blocked point.
 * </ol>
 *
 * <p>From reads alone a lagging replica and a re-applied write look the same, which is why
 * DOUBLE_APPLY needs evidence from the write path (a cas). The verdict never depends on this class.
 */
final class AnomalyClassifier {
    /** Pseudo-operation index for the initial state: the key is absent before the history starts. */
    private static final int INITIAL = -1;

    /** A diagnosis and the operations (indices into the key history) it rests on. */
    record Diagnosis(Anomaly anomaly, String explanation, List<Integer> evidence) {}

    private final KeyHistory h;
    private final int n;
    /** writersByValue.get(v): operations that may set the key to v, plus INITIAL for absence. */
    private final List<List<Integer>> writersByValue;

    AnomalyClassifier(KeyHistory h) {
        this.h = h;
        this.n = h.size();
        writersByValue = new ArrayList<>(h.valueCount());
        for (int v = 0; v < h.valueCount(); v++) {
            writersByValue.add(new ArrayList<>());
        }
        writersByValue.get(KeyHistory.ABSENT).add(INITIAL);
        for (int i = 0; i < n; i++) {
            if (isWriter(i)) {
                writersByValue.get(writtenValue(i)).add(i);
            }
        }
    }

    Diagnosis classify(SearchOutcome outcome) {
        Diagnosis d = overConsumedValue();
        if (d != null) {
            return d;
        }
        for (int o = 0; o < n; o++) { // KeyHistory keeps operations in call order
            if (observedValue(o) >= 0) {
                d = judgeObservation(o);
                if (d != null) {
                    return d;
                }
            }
        }
        return blockedPoint(outcome);
    }

    private Diagnosis overConsumedValue() {
        List<List<Integer>> consumersByValue = new ArrayList<>(h.valueCount());
        for (int v = 0; v < h.valueCount(); v++) {
            consumersByValue.add(new ArrayList<>());
        }
        for (int i = 0; i < n; i++) {
            if (h.kind[i] == OpKind.CAS && h.ok[i] && h.expected[i] != h.written[i]) {
                consumersByValue.get(h.expected[i]).add(i);
            }
        }
        for (int v = 0; v < h.valueCount(); v++) {
            List<Integer> consumers = consumersByValue.get(v);
            List<Integer> producers = writersOf(v); // none at all: rule 2 reports a never-written value
            if (!producers.isEmpty() && consumers.size() > producers.size()) {
                TreeSet<Integer> evidence = new TreeSet<>(consumers);
                producers.stream().filter(p -> p != INITIAL).forEach(evidence::add);
                return new Diagnosis(
                        Anomaly.DOUBLE_APPLY,
                        consumers.size() + " successful cas operations swapped away " + show(v)
                                + ", but only " + producers.size() + " write(s)"
                                + (v == KeyHistory.ABSENT ? " (counting the initial absence)" : "")
                                + " could have produced it; each can be swapped away once, so a write took effect twice",
                        List.copyOf(evidence));
            }
        }
        return null;
    }

    private Diagnosis judgeObservation(int o) {
        int v = observedValue(o);
        List<Integer> candidates = new ArrayList<>();
        for (int w : writersOf(v)) {
            if (w != o && callOf(w) < h.returnNs[o]) {
                candidates.add(w);
            }
        }
        String what = describe(o);
        if (candidates.isEmpty()) {
            boolean writtenLater = writersOf(v).stream().anyMatch(w -> w != o);
            return new Diagnosis(
                    Anomaly.OTHER,
                    what + " observed " + show(v) + ", which no operation had begun to write before it returned"
                            + (writtenLater ? " (it was written only later)" : " (no operation ever wrote it)"),
                    List.of(o));
        }
        int latestWriter = INITIAL;
        for (int w : candidates) {
            if (overwriteOf(w, v, h.callNs[o]) < 0) {
                return null; // this write may still be current when o takes effect
            }
            if (effectiveReturn(w) > effectiveReturn(latestWriter)) {
                latestWriter = w;
            }
        }
        int x = overwriteOf(latestWriter, v, h.callNs[o]);
        String overwrite = describe(x) + " (acknowledged at " + h.returnNs[x] + " ns)";
        String source = latestWriter == INITIAL ? "the initial absence" : describe(latestWriter);
        if (h.kind[o] == OpKind.CAS) {
            int witness = observationOfStateFrom(x, Long.MIN_VALUE, h.callNs[o], o);
            if (witness >= 0) {
                return new Diagnosis(
                        Anomaly.DOUBLE_APPLY,
                        what + " swapped " + show(v) + " from " + source + ", which " + overwrite
                                + " had overwritten, and " + describe(witness)
                                + " had already seen the newer state: the old value took effect again",
                        evidence(latestWriter, x, witness, o));
            }
            return new Diagnosis(
                    Anomaly.LOST_WRITE,
                    overwrite + " completed before " + what + " began, yet the cas found the older value " + show(v)
                            + " from " + source + " and no operation had observed the overwrite",
                    evidence(latestWriter, x, o));
        }
        int later = observationOfStateFrom(x, h.callNs[o], Long.MAX_VALUE, o);
        if (later >= 0) {
            return new Diagnosis(
                    Anomaly.STALE_READ,
                    what + " returned " + show(v) + " from " + source + ", which " + overwrite
                            + " had overwritten before the read began; " + describe(later)
                            + " later saw the newer state",
                    evidence(latestWriter, x, o, later));
        }
        return new Diagnosis(
                Anomaly.LOST_WRITE,
                overwrite + " completed before " + what + " began, but that read and every operation after it"
                        + " miss it: the key went back to " + show(v) + " from " + source,
                evidence(latestWriter, x, o));
    }

    private Diagnosis blockedPoint(SearchOutcome outcome) {
        int blocking = outcome.blockingOp();
        if (blocking < 0) {
            return new Diagnosis(Anomaly.OTHER, "no linearization exists", List.of());
        }
        return new Diagnosis(
                Anomaly.OTHER,
                describe(blocking) + " cannot take effect before it returned: in the longest partial linearization ("
                        + outcome.linearizedPrefix().length + " of " + n + " operations) the key holds "
                        + show(outcome.stateAtBlock()) + ", and no order of the pending operations admits it",
                List.of(blocking));
    }

    /**
     * An observation other than {@code exclude}, called in ({@code fromCallNs}, ...) and returned before
     * {@code beforeNs}, that saw a value whose writer could be {@code x} or later than {@code x};
     * -1 if none.
     */
    private int observationOfStateFrom(int x, long fromCallNs, long beforeNs, int exclude) {
        for (int p = 0; p < n; p++) {
            int s = observedValue(p);
            if (p == exclude || s < 0 || h.callNs[p] <= fromCallNs || h.returnNs[p] >= beforeNs) {
                continue;
            }
            for (int y : writersOf(s)) {
                if (y != INITIAL && effectiveReturn(y) >= h.callNs[x]) {
                    return p;
                }
            }
        }
        return -1;
    }

    /**
     * An acknowledged write of a value other than {@code v} that began after {@code writer}
     * completed and completed before {@code beforeNs}, the earliest-completing one; -1 if none.
     * An unknown writer is never overwritten for sure: it may take effect arbitrarily late.
     */
    private int overwriteOf(int writer, int v, long beforeNs) {
        int best = -1;
        for (int x = 0; x < n; x++) {
            if (isWriter(x)
                    && !h.unknown[x]
                    && writtenValue(x) != v
                    && effectiveReturn(writer) < h.callNs[x]
                    && h.returnNs[x] < beforeNs
                    && (best < 0 || h.returnNs[x] < h.returnNs[best])) {
                best = x;
            }
        }
        return best;
    }

    /** Operations that may set the key to {@code v}, plus INITIAL when {@code v} is absence. */
    private List<Integer> writersOf(int v) {
        return writersByValue.get(v);
    }

    /** The value a known-outcome get read or a successful cas compared against; -1 for other ops. */
    private int observedValue(int i) {
        if (h.unknown[i] || !h.ok[i]) {
            return -1;
        }
        return switch (h.kind[i]) {
            case GET -> h.read[i];
            case CAS -> h.expected[i];
            default -> -1;
        };
    }

    private boolean isWriter(int i) {
        return h.kind[i] != OpKind.GET && (h.ok[i] || h.unknown[i]);
    }

    private int writtenValue(int i) {
        return h.kind[i] == OpKind.DELETE ? KeyHistory.ABSENT : h.written[i];
    }

    private long callOf(int i) {
        return i == INITIAL ? Long.MIN_VALUE : h.callNs[i];
    }

    private long effectiveReturn(int i) {
        if (i == INITIAL) {
            return Long.MIN_VALUE;
        }
        return h.unknown[i] ? Long.MAX_VALUE : h.returnNs[i];
    }

    private static List<Integer> evidence(int... ops) {
        TreeSet<Integer> set = new TreeSet<>();
        for (int op : ops) {
            if (op != INITIAL) {
                set.add(op);
            }
        }
        return List.copyOf(set);
    }

    private String describe(int i) {
        return h.ops.get(i).describe();
    }

    private String show(int v) {
        return h.display(v);
    }
}
