package io.raftkv.e2e.linearizability;

/**
 * What the search of one key found.
 *
 * <p>When the verdict is not {@link Verdict#LINEARIZABLE}, the fields describing the deepest point
 * of the search are set: the longest partial linearization found ({@code linearizedPrefix}, in
 * linearization order), the register value after it, the operation whose completion stopped that
 * path ({@code blockingOp}: it had to take effect before it returned, and no order of the
 * operations still pending allowed it), and the operations pending at that point.
 *
 * @param verdict          the answer, or UNKNOWN when the budget ran out
 * @param statesExplored   distinct (linearized set, value) pairs remembered
 * @param elapsedNs        wall time of the search
 * @param budgetNote       why the search stopped early; null unless UNKNOWN
 * @param linearizedPrefix op indices of the deepest partial linearization; empty if LINEARIZABLE
 * @param stateAtBlock     value id of the register after that prefix
 * @param blockingOp       op index whose completion the deepest path could not get past; -1 if none
 * @param pendingAtBlock   op indices called but not linearized when the deepest path was blocked
 */
record SearchOutcome(
        Verdict verdict,
        long statesExplored,
        long elapsedNs,
        String budgetNote,
        int[] linearizedPrefix,
        int stateAtBlock,
        int blockingOp,
        int[] pendingAtBlock) {}
