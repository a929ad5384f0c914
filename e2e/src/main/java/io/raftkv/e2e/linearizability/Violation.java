package io.raftkv.e2e.linearizability;

import io.raftkv.e2e.history.Operation;
import java.util.List;

/**
 * Why one key is not linearizable.
 *
 * @param key                   the key
 * @param anomaly               the diagnosis (see {@link Anomaly}; a diagnosis, not the proof)
 * @param explanation           one or two sentences naming the operations and times involved
 * @param evidence              the operations the diagnosis rests on, in call order
 * @param unplaceable           the operations that cannot be placed: first the operation whose
 *                              completion blocked the longest partial linearization, then the
 *                              pending operations that cannot take effect in the state it reached
 * @param valueAtBlock          the key's value after the longest partial linearization, as shown in
 *                              reports: {@code <absent>}, a quoted value, or {@code <a value no operation read>}
 * @param longestLinearization  number of operations in the longest partial linearization found
 * @param operationsChecked     operations of the key the search had to place or could place
 */
public record Violation(
        String key,
        Anomaly anomaly,
        String explanation,
        List<Operation> evidence,
        List<Operation> unplaceable,
        String valueAtBlock,
        int longestLinearization,
        int operationsChecked) {

    public Violation {
        evidence = List.copyOf(evidence);
        unplaceable = List.copyOf(unplaceable);
    }

    /** A multi-line, human-readable account, with times relative to {@code originNs}. */
    public String render(long originNs) {
        StringBuilder out = new StringBuilder();
        out.append("key ").append(key).append(": ").append(anomaly).append('\n');
        out.append("  ").append(explanation).append('\n');
        out.append("  evidence:\n");
        for (Operation op : evidence) {
            out.append("    ").append(line(op, originNs)).append('\n');
        }
        out.append("  cannot be placed (longest linearization: ")
                .append(longestLinearization)
                .append(" of ")
                .append(operationsChecked)
                .append(" ops, then the key holds ")
                .append(valueAtBlock)
                .append("):\n");
        for (Operation op : unplaceable) {
            out.append("    ").append(line(op, originNs)).append('\n');
        }
        return out.toString();
    }

    static String line(Operation op, long originNs) {
        return String.format(
                "%-60s call %+.3f ms  return %+.3f ms",
                op.describe().replaceFirst(" \\[.*", ""),
                (op.callNs() - originNs) / 1e6,
                (op.returnNs() - originNs) / 1e6);
    }
}
