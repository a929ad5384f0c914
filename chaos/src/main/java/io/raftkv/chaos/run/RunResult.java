package io.raftkv.chaos.run;

import io.raftkv.e2e.linearizability.CheckReport;
import io.raftkv.e2e.linearizability.Verdict;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The outcome of one chaos run: one row of the summary table.
 *
 * @param fault            fault kind
 * @param nodes            cluster size
 * @param seed             the run's seed
 * @param workloadMs       how long the workload ran
 * @param injections       fault cycles that were injected (and healed)
 * @param ops              workload operations recorded (final reads not included)
 * @param ok               answered (a cas whose compare failed included)
 * @param failed           certainly not applied (failed reads)
 * @param unknown          indeterminate outcome
 * @param responsesDropped acknowledged writes retried on purpose (retry mode)
 * @param retryMismatches  retries answered differently from the first attempt (double applies)
 * @param finalReadFailures keys whose final linearizable read failed
 * @param violations       keys the checker found not linearizable
 * @param undecided        keys whose search ran out of budget (UNKNOWN: not verified)
 * @param lostWrites       acknowledged writes the final reads prove lost
 * @param hashesEqual      every member had the same state hash at the same applied index
 * @param verdict          the checker's overall verdict (null if the run broke before checking)
 * @param report           the checker's report (null if the run broke before checking)
 * @param minOps           the run's required minimum of workload operations
 * @param error            what broke the run (harness, cluster start, node crash), or null
 * @param dir              where the history, events, report and node logs are
 */
public record RunResult(
        String fault,
        int nodes,
        long seed,
        long workloadMs,
        int injections,
        long ops,
        long ok,
        long failed,
        long unknown,
        long responsesDropped,
        long retryMismatches,
        int finalReadFailures,
        int violations,
        int undecided,
        int lostWrites,
        boolean hashesEqual,
        Verdict verdict,
        CheckReport report,
        long minOps,
        String error,
        Path dir) {

    /** Pass: verified linearizable, nothing lost or double-applied, replicas equal, enough load, no error. */
    public boolean passed() {
        return problems().isEmpty();
    }

    /** Why the run did not pass; empty if it did. */
    public List<String> problems() {
        List<String> p = new ArrayList<>();
        if (error != null) {
            p.add("error: " + error);
        }
        if (verdict != Verdict.LINEARIZABLE) {
            p.add("checker verdict " + verdict + (verdict == Verdict.UNKNOWN ? " (not verified)" : ""));
        }
        if (lostWrites > 0) {
            p.add(lostWrites + " lost acknowledged writes");
        }
        if (retryMismatches > 0) {
            p.add(retryMismatches + " retried writes answered differently (applied twice?)");
        }
        if (!hashesEqual) {
            p.add("replica state hashes differ or never converged");
        }
        if (finalReadFailures > 0) {
            p.add(finalReadFailures + " keys could not be read at the end");
        }
        if (injections == 0 && error == null) {
            p.add("the fault was never injected");
        }
        if (ops < minOps) {
            p.add("only " + ops + " operations, fewer than the required " + minOps);
        }
        return p;
    }
}
