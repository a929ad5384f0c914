package io.raftkv.e2e.linearizability;

import io.raftkv.e2e.history.Operation;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Checks a history of get / put / delete / cas operations against a linearizable key-value store.
 *
 * <p>Keys are independent registers, and linearizability is compositional (P-compositionality:
 * a history is linearizable iff each key's sub-history is), so each key is searched alone with
 * {@link RegisterSearch} — Wing–Gong with Lowe's memoization, as in Knossos and Porcupine. Every key
 * starts absent. Unknown outcomes may take effect at any point after their call, or never; unknown
 * gets are dropped. Each key's search is bounded by the {@link SearchBudget}; a key that exhausts it
 * is reported UNKNOWN. For a key that fails, {@link AnomalyClassifier} names the likely anomaly.
 *
 * <p>Stateless apart from its budget; safe to share between threads.
 */
public final class LinearizabilityChecker {
    private final SearchBudget budget;

    public LinearizabilityChecker() {
        this(SearchBudget.DEFAULT);
    }

    public LinearizabilityChecker(SearchBudget budget) {
        this.budget = Objects.requireNonNull(budget, "budget");
    }

    public CheckReport check(List<Operation> history) {
        long start = System.nanoTime();
        long origin = history.stream().mapToLong(Operation::callNs).min().orElse(0);
        List<KeyVerdict> results = new ArrayList<>();
        boolean anyViolation = false;
        boolean anyUnknown = false;
        for (KeyHistory key : KeyHistory.partitionByKey(history)) {
            KeyVerdict result = checkKey(key);
            anyViolation |= result.verdict() == Verdict.NOT_LINEARIZABLE;
            anyUnknown |= result.verdict() == Verdict.UNKNOWN;
            results.add(result);
        }
        Verdict overall = anyViolation ? Verdict.NOT_LINEARIZABLE : anyUnknown ? Verdict.UNKNOWN : Verdict.LINEARIZABLE;
        return new CheckReport(overall, results, origin, System.nanoTime() - start);
    }

    private KeyVerdict checkKey(KeyHistory key) {
        SearchOutcome outcome = new RegisterSearch(key).run(budget);
        Violation violation = null;
        if (outcome.verdict() == Verdict.NOT_LINEARIZABLE) {
            AnomalyClassifier.Diagnosis d = new AnomalyClassifier(key).classify(outcome);
            List<Operation> unplaceable = new ArrayList<>();
            if (outcome.blockingOp() >= 0) {
                unplaceable.add(key.ops.get(outcome.blockingOp()));
            }
            for (int op : outcome.pendingAtBlock()) {
                if (op != outcome.blockingOp() && key.step(outcome.stateAtBlock(), op) < 0) {
                    unplaceable.add(key.ops.get(op));
                }
            }
            violation = new Violation(
                    key.key,
                    d.anomaly(),
                    d.explanation(),
                    d.evidence().stream().map(key.ops::get).toList(),
                    unplaceable,
                    key.display(outcome.stateAtBlock()),
                    outcome.linearizedPrefix().length,
                    key.size());
        }
        return new KeyVerdict(
                key.key,
                outcome.verdict(),
                key.recordedCount,
                key.size(),
                outcome.statesExplored(),
                outcome.elapsedNs(),
                outcome.budgetNote(),
                violation);
    }
}
