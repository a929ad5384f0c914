package io.raftkv.e2e.linearizability;

import io.raftkv.e2e.history.OpKind;
import io.raftkv.e2e.history.Operation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The operations of one key that carry information, in call order, with values interned to small
 * integers so that the search compares ints, not strings.
 *
 * <p>Dropped on construction because they cannot constrain a linearization: unknown gets (they
 * read nothing), and put, get and delete that definitely failed ({@code ok=false, unknown=false}:
 * they did not take effect). A failed cas is kept: it says "the value was not {@code expected}".
 *
 * <p>Value ids: {@link #ABSENT} (0) is "no value"; every distinct string gets an id from 1 upward
 * in order of first appearance. Arrays are indexed by operation index {@code 0..size()-1}.
 */
final class KeyHistory {
    static final int ABSENT = 0;

    final String key;
    final List<Operation> ops;
    final OpKind[] kind;
    /** Value a put or cas writes; ABSENT for a delete; unused for a get. */
    final int[] written;
    /** Value a get read; unused otherwise. */
    final int[] read;
    /** Value a cas compares against; unused otherwise. */
    final int[] expected;

    final boolean[] ok;
    final boolean[] unknown;
    final long[] callNs;
    /** Completion time; for an unknown operation this is when the client gave up, not a bound on its effect. */
    final long[] returnNs;
    /** Operations with a known outcome: the search must place all of these. */
    final int definiteCount;
    /** Number of operations of the key before filtering (for the report). */
    final int recordedCount;

    private final List<String> valuesById;
    /** Id shared by all written values that no operation reads or expects; -1 if there are none. */
    int unreadValue;

    /** How the merged unread value shows in reports. */
    static final String UNREAD_VALUE_NAME = "<a value no operation read>";

    private KeyHistory(String key, List<Operation> kept, int recordedCount) {
        this.key = key;
        this.ops = List.copyOf(kept);
        this.recordedCount = recordedCount;
        int n = ops.size();
        kind = new OpKind[n];
        written = new int[n];
        read = new int[n];
        expected = new int[n];
        ok = new boolean[n];
        unknown = new boolean[n];
        callNs = new long[n];
        returnNs = new long[n];
        valuesById = new ArrayList<>();
        valuesById.add(null);
        Map<String, Integer> ids = new HashMap<>();
        int definite = 0;
        for (int i = 0; i < n; i++) {
            Operation op = ops.get(i);
            kind[i] = op.op();
            ok[i] = op.ok();
            unknown[i] = op.unknown();
            callNs[i] = op.callNs();
            returnNs[i] = op.returnNs();
            switch (op.op()) {
                case PUT -> written[i] = intern(ids, op.value());
                case DELETE -> written[i] = ABSENT;
                case GET -> read[i] = intern(ids, op.value());
                case CAS -> {
                    written[i] = intern(ids, op.value());
                    expected[i] = intern(ids, op.expected());
                }
            }
            if (!op.unknown()) {
                definite++;
            }
        }
        definiteCount = definite;
        mergeUnreadValues();
    }

    /**
     * Gives every written value that no operation reads or compares against one shared id,
     * {@link #unreadValue}. No operation can tell such values apart (a get never returns them, a cas
     * never expects them, and each differs from every expected value), so merging them is exact,
     * and it lets the search's memo recognise states that differ only in which unread value the key
     * holds.
     */
    private void mergeUnreadValues() {
        boolean[] observed = new boolean[valuesById.size()];
        for (int i = 0; i < ops.size(); i++) {
            if (kind[i] == OpKind.GET) {
                observed[read[i]] = true;
            } else if (kind[i] == OpKind.CAS) {
                observed[expected[i]] = true;
            }
        }
        int unread = -1;
        for (int i = 0; i < ops.size(); i++) {
            if ((kind[i] == OpKind.PUT || kind[i] == OpKind.CAS) && !observed[written[i]]) {
                if (unread < 0) {
                    unread = valuesById.size();
                    valuesById.add(UNREAD_VALUE_NAME);
                }
                written[i] = unread;
            }
        }
        unreadValue = unread;
    }

    /**
     * Splits a history by key (keys in order of first appearance) and drops the operations that
     * carry no information.
     */
    static List<KeyHistory> partitionByKey(List<Operation> history) {
        Map<String, List<Operation>> byKey = new LinkedHashMap<>();
        for (Operation op : history) {
            byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
        }
        List<KeyHistory> keys = new ArrayList<>(byKey.size());
        for (Map.Entry<String, List<Operation>> e : byKey.entrySet()) {
            List<Operation> kept = new ArrayList<>();
            for (Operation op : e.getValue()) {
                if (carriesInformation(op)) {
                    kept.add(op);
                }
            }
            kept.sort(Comparator.comparingLong(Operation::callNs).thenComparingInt(Operation::client));
            keys.add(new KeyHistory(e.getKey(), kept, e.getValue().size()));
        }
        return keys;
    }

    static boolean carriesInformation(Operation op) {
        if (op.op() == OpKind.CAS) {
            return true;
        }
        if (op.op() == OpKind.GET) {
            return !op.unknown() && op.ok();
        }
        return op.ok() || op.unknown();
    }

    int size() {
        return ops.size();
    }

    /** Number of value ids in use, ABSENT included: ids are {@code 0..valueCount()-1}. */
    int valueCount() {
        return valuesById.size();
    }

    /** A value id as reports show it: {@code <absent>}, {@code "text"} or the merged unread value. */
    String display(int id) {
        if (id == ABSENT) {
            return "<absent>";
        }
        return id == unreadValue ? UNREAD_VALUE_NAME : "\"" + valuesById.get(id) + "\"";
    }

    /** The register value after {@code op} takes effect, or -1 if {@code op} cannot take effect in {@code state}. */
    int step(int state, int op) {
        return switch (kind[op]) {
            case PUT -> written[op];
            case DELETE -> ABSENT;
            case GET -> state == read[op] ? state : -1;
            case CAS -> {
                if (unknown[op]) {
                    // Either it swapped or its comparison failed; "never happened" is also allowed
                    // and reaches the same state as a failed comparison.
                    yield state == expected[op] ? written[op] : state;
                }
                if (ok[op]) {
                    yield state == expected[op] ? written[op] : -1;
                }
                yield state != expected[op] ? state : -1;
            }
        };
    }

    private int intern(Map<String, Integer> ids, String value) {
        if (value == null) {
            return ABSENT;
        }
        Integer id = ids.get(value);
        if (id == null) {
            id = valuesById.size();
            valuesById.add(value);
            ids.put(value, id);
        }
        return id;
    }
}
