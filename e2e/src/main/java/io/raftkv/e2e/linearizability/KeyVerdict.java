package io.raftkv.e2e.linearizability;

/**
 * The result for one key.
 *
 * @param key                the key
 * @param verdict            the answer for this key
 * @param operationsRecorded operations of the key in the history
 * @param operationsChecked  operations that carry information (unknown gets and definitely failed
 *                           put/get/delete are dropped)
 * @param statesExplored     distinct search states remembered
 * @param elapsedNs          search time
 * @param budgetNote         why the search gave up; null unless {@link Verdict#UNKNOWN}
 * @param violation          the diagnosis; null unless {@link Verdict#NOT_LINEARIZABLE}
 */
public record KeyVerdict(
        String key,
        Verdict verdict,
        int operationsRecorded,
        int operationsChecked,
        long statesExplored,
        long elapsedNs,
        String budgetNote,
        Violation violation) {}
