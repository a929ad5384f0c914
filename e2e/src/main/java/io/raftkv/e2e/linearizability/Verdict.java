package io.raftkv.e2e.linearizability;

/** Outcome of checking one key or a whole history. */
public enum Verdict {
    /** A linearization exists. */
    LINEARIZABLE,
    /** The search proved that no linearization exists. */
    NOT_LINEARIZABLE,
    /**
     * The search ran out of its time or state budget before reaching either answer. Not a pass:
     * a gate must treat it as a failure to verify and report it.
     */
    UNKNOWN
}
