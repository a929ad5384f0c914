package io.raftkv.e2e.history;

import java.util.Objects;

/**
 * One completed client operation on one key, as recorded in a history: one line of the JSON-lines
 * format (see {@code docs/testing.md}).
 *
 * <p>Invariants, checked on construction so that a malformed history fails when it is read, not
 * deep inside the checker:
 * <ul>
 *   <li>{@code client >= 0}, {@code key != null}, {@code callNs <= returnNs} (one monotonic clock);
 *   <li>{@code ok} and {@code unknown} are never both true: an operation either completed with a
 *       known outcome ({@code unknown=false}) or its outcome is indeterminate ({@code unknown=true},
 *       e.g. a timeout), in which case {@code ok=false};
 *   <li>{@code put} and {@code cas} carry the written {@code value}; {@code delete} carries none;
 *       a {@code get} carries the value read ({@code null} = absent), and an unknown {@code get}
 *       carries none;
 *   <li>only a {@code cas} has {@code expected}; for a cas {@code expected == null} means "the key
 *       must be absent".
 * </ul>
 *
 * <p>Meaning of {@code ok=false, unknown=false}: for a cas, the comparison failed and nothing was
 * written; for put, get and delete, the operation definitely did not take effect (the server
 * rejected it before proposing it, e.g. INVALID_ARGUMENT). The harness must record a timeout or any
 * other ambiguous failure as {@code unknown=true}, never as {@code ok=false}.
 *
 * @param client   id of the client (one request at a time per client)
 * @param op       the kind of operation
 * @param key      the key
 * @param value    written value (put, cas), value read (get; null = absent), null for delete
 * @param expected compare value of a cas (null = absent); null for every other kind
 * @param ok       true if the operation succeeded (for a cas: the comparison held)
 * @param unknown  true if the outcome is indeterminate
 * @param callNs   invocation time, nanoseconds on the history's monotonic clock
 * @param returnNs completion time (for an unknown operation: when the client gave up)
 */
public record Operation(
        int client,
        OpKind op,
        String key,
        String value,
        String expected,
        boolean ok,
        boolean unknown,
        long callNs,
        long returnNs) {

    public Operation {
        if (client < 0) {
            throw new IllegalArgumentException("client must be >= 0, got " + client);
        }
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(key, "key");
        if (callNs > returnNs) {
            throw new IllegalArgumentException(
                    "call_ns " + callNs + " is after return_ns " + returnNs + " (" + op.wireName() + " " + key + ")");
        }
        if (ok && unknown) {
            throw new IllegalArgumentException("ok and unknown are both true: an unknown outcome has ok=false");
        }
        if (expected != null && op != OpKind.CAS) {
            throw new IllegalArgumentException("expected is only allowed on a cas, not on " + op.wireName());
        }
        switch (op) {
            case PUT, CAS -> {
                if (value == null) {
                    throw new IllegalArgumentException(op.wireName() + " must carry the written value");
                }
            }
            case DELETE -> {
                if (value != null) {
                    throw new IllegalArgumentException("delete must have value null");
                }
            }
            case GET -> {
                if (unknown && value != null) {
                    throw new IllegalArgumentException("an unknown get read nothing: value must be null");
                }
            }
        }
    }

    /** A successful put. */
    public static Operation put(int client, String key, String value, long callNs, long returnNs) {
        return new Operation(client, OpKind.PUT, key, value, null, true, false, callNs, returnNs);
    }

    /** A successful get that read {@code value} ({@code null} = absent). */
    public static Operation get(int client, String key, String value, long callNs, long returnNs) {
        return new Operation(client, OpKind.GET, key, value, null, true, false, callNs, returnNs);
    }

    /** A successful delete. */
    public static Operation delete(int client, String key, long callNs, long returnNs) {
        return new Operation(client, OpKind.DELETE, key, null, null, true, false, callNs, returnNs);
    }

    /** A cas that completed: {@code swapped} true if the comparison held and {@code value} was written. */
    public static Operation cas(
            int client, String key, String expected, String value, boolean swapped, long callNs, long returnNs) {
        return new Operation(client, OpKind.CAS, key, value, expected, swapped, false, callNs, returnNs);
    }

    /**
     * The same operation with an indeterminate outcome (e.g. it timed out at {@code returnNs}).
     * An unknown get forgets the value it would have read.
     */
    public Operation asUnknown() {
        return new Operation(client, op, key, op == OpKind.GET ? null : value, expected, false, true, callNs, returnNs);
    }

    /** Whether this operation changes the register if it takes effect: put, delete, or a cas that did or may have swapped. */
    public boolean mayWrite() {
        return op.mayWrite() && (ok || unknown);
    }

    /** A short human-readable form, e.g. {@code c3 cas(k, "a"->"b")=ok [1200..1350]}. */
    public String describe() {
        String outcome = unknown ? "unknown" : ok ? "ok" : "failed";
        String body = switch (op) {
            case PUT -> "put(" + key + ", " + quote(value) + ")";
            case GET -> "get(" + key + ")" + (unknown ? "" : " -> " + quote(value));
            case DELETE -> "delete(" + key + ")";
            case CAS -> "cas(" + key + ", " + quote(expected) + " -> " + quote(value) + ")";
        };
        return "c" + client + " " + body + " " + outcome + " [" + callNs + " .. " + returnNs + " ns]";
    }

    private static String quote(String s) {
        return s == null ? "<absent>" : "\"" + s + "\"";
    }
}
