package io.raftkv.e2e.linearizability;

/**
 * What a non-linearizable key most likely suffered, judged from the history's structure after the
 * search has proved that no linearization exists. The verdict comes from the search alone; this is
 * a diagnosis for the person reading the report, chosen by the rules in {@code AnomalyClassifier}
 * and documented in {@code docs/testing.md}.
 */
public enum Anomaly {
    /**
     * A read returned a value that an acknowledged write had overwritten before the read began,
     * while the newer state stayed visible to operations after the read (a lagging replica served
     * the read).
     */
    STALE_READ,
    /**
     * An acknowledged write never became visible, or the newest operations on the key (up to the
     * final read) miss it: the register went back to an older state for good.
     */
    LOST_WRITE,
    /**
     * A write took effect twice: a value was consumed by more successful cas operations than there
     * were writes producing it, or a cas succeeded on a value that had been overwritten after that
     * overwrite had been observed.
     */
    DOUBLE_APPLY,
    /** Not linearizable for another reason, e.g. a read of a value that no operation wrote. */
    OTHER
}
