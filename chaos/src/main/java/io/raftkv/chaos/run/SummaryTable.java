package io.raftkv.chaos.run;

import java.util.List;

/** Renders run results as the fixed-width summary table that chaos runs print and keep. */
public final class SummaryTable {
    private static final String ROW = "%-18s %5s %20s %6s %4s %7s %7s %6s %7s %7s %5s %5s %6s %-17s %s%n";

    private SummaryTable() {}

    public static String render(List<RunResult> results) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(
                ROW, "fault", "nodes", "seed", "secs", "inj", "ops", "ok", "failed", "unknown", "retried", "viol",
                "lost", "hashes", "verdict", "result"));
        long ops = 0;
        int passed = 0;
        for (RunResult r : results) {
            ops += r.ops();
            passed += r.passed() ? 1 : 0;
            b.append(String.format(
                    ROW,
                    r.fault(),
                    r.nodes(),
                    Long.toUnsignedString(r.seed()),
                    r.workloadMs() / 1000,
                    r.injections(),
                    r.ops(),
                    r.ok(),
                    r.failed(),
                    r.unknown(),
                    r.responsesDropped(),
                    r.violations() + (r.undecided() > 0 ? "+" + r.undecided() + "?" : ""),
                    r.lostWrites(),
                    r.hashesEqual() ? "equal" : "DIFFER",
                    r.verdict() == null ? "-" : r.verdict().name(),
                    r.passed() ? "PASS" : "FAIL: " + String.join("; ", r.problems())));
        }
        b.append(String.format("%d of %d runs passed, %d operations in total%n", passed, results.size(), ops));
        b.append("legend: inj = fault cycles injected; ok = answered (a cas whose compare failed included);"
                + " failed = certainly not applied; unknown = indeterminate; retried = acknowledged writes"
                + " re-sent on purpose with the same session; viol = keys not linearizable (+n? = keys not"
                + " verified: UNKNOWN); lost = acknowledged writes the final reads miss\n");
        return b.toString();
    }
}
