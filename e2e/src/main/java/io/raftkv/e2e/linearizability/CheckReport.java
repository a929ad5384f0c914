package io.raftkv.e2e.linearizability;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The result of checking a whole history: NOT_LINEARIZABLE if any key is, else UNKNOWN if any
 * key's search ran out of budget, else LINEARIZABLE.
 *
 * @param verdict   the overall answer
 * @param keys      one result per key, in order of first appearance in the history
 * @param originNs  the earliest call time in the history; reports show times relative to it
 * @param elapsedNs total checking time
 */
public record CheckReport(Verdict verdict, List<KeyVerdict> keys, long originNs, long elapsedNs) {

    public CheckReport {
        keys = List.copyOf(keys);
    }

    /** The failing key with the fewest checked operations (ties: by key), which is the easiest to read. */
    public Optional<Violation> smallestViolation() {
        return keys.stream()
                .filter(k -> k.violation() != null)
                .min(Comparator.comparingInt(KeyVerdict::operationsChecked).thenComparing(KeyVerdict::key))
                .map(KeyVerdict::violation);
    }

    public List<KeyVerdict> violations() {
        return keys.stream()
                .filter(k -> k.verdict() == Verdict.NOT_LINEARIZABLE)
                .toList();
    }

    public List<KeyVerdict> undecided() {
        return keys.stream().filter(k -> k.verdict() == Verdict.UNKNOWN).toList();
    }

    public int operationsRecorded() {
        return keys.stream().mapToInt(KeyVerdict::operationsRecorded).sum();
    }

    /** Summary line, failing keys, undecided keys, and the smallest violation in full. */
    public String render() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(
                "linearizability: %s — %d keys, %d operations, %d violating, %d undecided, %.1f ms%n",
                verdict,
                keys.size(),
                operationsRecorded(),
                violations().size(),
                undecided().size(),
                elapsedNs / 1e6));
        for (KeyVerdict k : violations()) {
            out.append(String.format(
                    "  key %s: NOT_LINEARIZABLE (%s), %d ops%n",
                    k.key(), k.violation().anomaly(), k.operationsChecked()));
        }
        for (KeyVerdict k : undecided()) {
            out.append(
                    String.format("  key %s: UNKNOWN, %d ops: %s%n", k.key(), k.operationsChecked(), k.budgetNote()));
        }
        smallestViolation().ifPresent(v -> out.append("smallest failing ").append(v.render(originNs)));
        return out.toString();
    }
}
