package io.raftkv.bench.report;

import io.raftkv.bench.load.Measured;
import io.raftkv.bench.suite.ScenarioResult;
import io.raftkv.bench.suite.SystemResults;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The side-by-side table: one row per scenario, throughput and latency of the baseline system
 * (etcd) and the candidate (RaftKV), and the ratios that issue 8 sets targets on — throughput
 * candidate/baseline (higher is better) and p99 candidate/baseline (lower is better). Scenarios
 * appear in the order the results list them; a missing or skipped figure prints as "—".
 */
public final class ComparisonTable {
    private final SystemResults baseline;
    private final SystemResults candidate;

    /** Either may be null (not run yet); the table then shows only the other. */
    public ComparisonTable(SystemResults baseline, SystemResults candidate) {
        if (baseline == null && candidate == null) {
            throw new IllegalArgumentException("no results to compare");
        }
        this.baseline = baseline;
        this.candidate = candidate;
    }

    /** One row: each system's result for the scenario, null when it did not run (or was skipped). */
    public record Row(String scenario, String title, ScenarioResult baselineResult, ScenarioResult candidateResult) {
        /** The baseline's representative (median-throughput) run, or null. */
        public Measured baseline() {
            return baselineResult == null ? null : baselineResult.measured();
        }

        /** The candidate's representative (median-throughput) run, or null. */
        public Measured candidate() {
            return candidateResult == null ? null : candidateResult.measured();
        }

        /** Candidate over baseline median throughput; null unless both ran (0 when the candidate completed nothing). */
        public Double throughputRatio() {
            return baselineResult == null || candidateResult == null || baselineResult.throughput() == 0
                    ? null
                    : candidateResult.throughput() / baselineResult.throughput();
        }

        /** Candidate over baseline median p99; null unless both completed operations (no latency otherwise). */
        public Double p99Ratio() {
            return baselineResult == null
                            || candidateResult == null
                            || baseline().successes() == 0
                            || candidate().successes() == 0
                    ? null
                    : candidateResult.p99Ms() / baselineResult.p99Ms();
        }
    }

    public List<Row> rows() {
        Map<String, String> titles = new LinkedHashMap<>();
        for (SystemResults sr : new SystemResults[] {baseline, candidate}) {
            if (sr != null) {
                sr.results().forEach(r -> titles.putIfAbsent(r.scenario(), r.title()));
            }
        }
        List<Row> rows = new ArrayList<>();
        titles.forEach(
                (name, title) -> rows.add(new Row(name, title, result(baseline, name), result(candidate, name))));
        return rows;
    }

    private static ScenarioResult result(SystemResults sr, String scenario) {
        if (sr == null) {
            return null;
        }
        return sr.result(scenario).filter(ScenarioResult::ran).orElse(null);
    }

    public String baselineName() {
        return baseline != null ? baseline.system() : "etcd";
    }

    public String candidateName() {
        return candidate != null ? candidate.system() : "raftkv";
    }

    /**
     * A Markdown table (also readable as plain text in a terminal). Figures are medians over the
     * rounds; with more than one round the throughput and p99 cells add the lowest and highest round
     * in parentheses.
     */
    public String markdown() {
        String b = baselineName();
        String c = candidateName();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(
                Locale.ROOT,
                "| scenario | %s op/s | %s p50 ms | %s p99 ms | %s op/s | %s p50 ms | %s p99 ms"
                        + " | op/s %s/%s | p99 %s/%s | errors %s / %s |%n",
                b,
                b,
                b,
                c,
                c,
                c,
                c,
                b,
                c,
                b,
                b,
                c));
        sb.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|---|\n");
        for (Row r : rows()) {
            sb.append("| ")
                    .append(r.title())
                    .append(" | ")
                    .append(figures(r.baselineResult()))
                    .append(" | ")
                    .append(figures(r.candidateResult()))
                    .append(" | ")
                    .append(ratio(r.throughputRatio()))
                    .append(" | ")
                    .append(ratio(r.p99Ratio()))
                    .append(" | ")
                    .append(errors(r.baseline()))
                    .append(" / ")
                    .append(errors(r.candidate()))
                    .append(" |\n");
        }
        return sb.toString();
    }

    /**
     * Steadiness: per scenario, the leader changes during the measured windows (all rounds together)
     * and the slowest Raft persist of any member (an upper bound read from histogram buckets; etcd:
     * its WAL fsync, RaftKV: a Ready from hand-over to durable), and the load averages when the
     * windows closed.
     */
    public String steadinessMarkdown() {
        String b = baselineName();
        String c = candidateName();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(
                Locale.ROOT,
                "| scenario | %s leader changes | %s slowest persist ms | %s leader changes"
                        + " | %s slowest persist ms | rounds | load average (1 min) at the end of each round |%n",
                b,
                b,
                c,
                c));
        sb.append("|---|--:|--:|--:|--:|--:|---|\n");
        for (Row r : rows()) {
            ScenarioResult any = r.candidateResult() != null ? r.candidateResult() : r.baselineResult();
            sb.append("| ")
                    .append(r.title())
                    .append(" | ")
                    .append(changes(r.baselineResult()))
                    .append(" | ")
                    .append(slowest(r.baselineResult()))
                    .append(" | ")
                    .append(changes(r.candidateResult()))
                    .append(" | ")
                    .append(slowest(r.candidateResult()))
                    .append(" | ")
                    .append(any == null ? "—" : Integer.toString(any.roundCount()))
                    .append(" | ")
                    .append(loads(r.baselineResult(), r.candidateResult()))
                    .append(" |\n");
        }
        return sb.toString();
    }

    /**
     * The candidate's LEASE get over its linearizable get (both at 1,000 clients), when both ran:
     * what the lease saves over a ReadIndex round.
     */
    public Optional<String> leaseRatio() {
        if (candidate == null) {
            return Optional.empty();
        }
        Optional<ScenarioResult> lease = candidate.result("get-lease-1000c").filter(ScenarioResult::ran);
        Optional<ScenarioResult> lin =
                candidate.result("get-linearizable-1000c").filter(ScenarioResult::ran);
        if (lease.isEmpty() || lin.isEmpty() || lin.get().throughput() == 0) {
            return Optional.empty();
        }
        return Optional.of(String.format(
                Locale.ROOT,
                "%s LEASE get / linearizable get at 1000 clients: %.2f× throughput"
                        + " (%,.0f vs %,.0f op/s), p99 %.2f ms vs %.2f ms",
                candidateName(),
                lease.get().throughput() / lin.get().throughput(),
                lease.get().throughput(),
                lin.get().throughput(),
                lease.get().p99Ms(),
                lin.get().p99Ms()));
    }

    private static String changes(ScenarioResult r) {
        return r == null || r.leaderChanges() == null ? "—" : Long.toString(r.leaderChanges());
    }

    private static String slowest(ScenarioResult r) {
        if (r == null || r.slowestPersistMs() == null) {
            return "—";
        }
        return r.slowestPersistMs().isInfinite()
                ? "> 10,000"
                : String.format(
                        Locale.ROOT,
                        "≤ %s",
                        new java.text.DecimalFormat("#,##0.##", java.text.DecimalFormatSymbols.getInstance(Locale.ROOT))
                                .format(r.slowestPersistMs()));
    }

    private static String loads(ScenarioResult... rs) {
        List<String> out = new ArrayList<>();
        for (ScenarioResult r : rs) {
            if (r == null) {
                continue;
            }
            List<String> ones = new ArrayList<>();
            if (r.rounds().isEmpty()) {
                ones.add(first(r.loadAverage()));
            } else {
                r.rounds().forEach(x -> ones.add(first(x.loadAverage())));
            }
            out.add(String.join(", ", ones));
        }
        return out.isEmpty() ? "—" : String.join(" / ", out);
    }

    private static String first(String loadAverage) {
        return loadAverage == null ? "?" : loadAverage.split(" ")[0];
    }

    /**
     * Where the CPU went: per scenario, the servers' CPU time per operation (all members together),
     * the share of the machine's CPUs the bench client took, and the largest member's memory. On a machine the client shares with
     * the servers, these say more about efficiency than throughput alone.
     */
    public String cpuMarkdown() {
        String b = baselineName();
        String c = candidateName();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(
                Locale.ROOT,
                "| scenario | %s servers µs CPU/op | %s servers µs CPU/op | %s bench client CPU"
                        + " | %s bench client CPU | %s largest RSS MiB | %s largest RSS MiB |%n",
                b,
                c,
                b,
                c,
                b,
                c));
        sb.append("|---|--:|--:|--:|--:|--:|--:|\n");
        for (Row r : rows()) {
            sb.append("| ")
                    .append(r.title())
                    .append(" | ")
                    .append(cpu(baseline, r.scenario()))
                    .append(" | ")
                    .append(cpu(candidate, r.scenario()))
                    .append(" | ")
                    .append(share(r.baseline()))
                    .append(" | ")
                    .append(share(r.candidate()))
                    .append(" | ")
                    .append(rss(baseline, r.scenario()))
                    .append(" | ")
                    .append(rss(candidate, r.scenario()))
                    .append(" |\n");
        }
        return sb.toString();
    }

    private static String cpu(SystemResults sr, String scenario) {
        if (sr == null) {
            return "—";
        }
        return sr.result(scenario)
                .map(ScenarioResult::serverCpuMicrosPerOp)
                .map(v -> String.format(Locale.ROOT, "%,.0f", v))
                .orElse("—");
    }

    private static String rss(SystemResults sr, String scenario) {
        if (sr == null) {
            return "—";
        }
        return sr.result(scenario)
                .map(ScenarioResult::serverMaxRssMiB)
                .map(v -> String.format(Locale.ROOT, "%,.0f", v))
                .orElse("—");
    }

    private static String share(Measured m) {
        return m == null || Double.isNaN(m.clientCpuShare())
                ? "—"
                : String.format(Locale.ROOT, "%.0f %%", m.clientCpuShare() * 100);
    }

    private static String figures(ScenarioResult r) {
        if (r == null) {
            return "— | — | —";
        }
        if (r.measured().successes() == 0 && r.roundCount() == 1) {
            return "0 | — | —";
        }
        if (r.roundCount() == 1) {
            return String.format(Locale.ROOT, "%,.0f | %.2f | %.2f", r.throughput(), r.p50Ms(), r.p99Ms());
        }
        double[] t = r.throughputRange();
        double[] p = r.p99Range();
        return String.format(
                Locale.ROOT,
                "%,.0f (%,.0f–%,.0f) | %.2f | %.2f (%.2f–%.2f)",
                r.throughput(),
                t[0],
                t[1],
                r.p50Ms(),
                r.p99Ms(),
                p[0],
                p[1]);
    }

    private static String ratio(Double r) {
        return r == null ? "—" : String.format(Locale.ROOT, "%.2f×", r);
    }

    private static String errors(Measured m) {
        return m == null ? "—" : m.errorCount() == 0 ? "0" : m.errors().toString();
    }

    /** Shown under the table: where each column's figures came from. */
    public String provenance() {
        StringBuilder sb = new StringBuilder();
        for (SystemResults sr : new SystemResults[] {baseline, candidate}) {
            Optional.ofNullable(sr)
                    .ifPresent(s -> sb.append("- ")
                            .append(s.system())
                            .append(": ")
                            .append(s.server())
                            .append(", client ")
                            .append(s.target())
                            .append(", run started ")
                            .append(s.startedAt())
                            .append(" (load average ")
                            .append(s.machine().getString("loadAverage", "unknown"))
                            .append("), seed ")
                            .append(s.seed())
                            .append('\n'));
        }
        return sb.toString();
    }
}
