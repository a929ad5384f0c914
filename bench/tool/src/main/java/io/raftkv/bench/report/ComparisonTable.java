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

    /** One row of figures; any field may be null. */
    public record Row(String scenario, String title, Measured baseline, Measured candidate) {
        /** Candidate over baseline throughput; null unless both ran (0 when the candidate completed nothing). */
        public Double throughputRatio() {
            return baseline == null || candidate == null || baseline.successes() == 0 ? null
                    : candidate.throughput() / baseline.throughput();
        }

        /** Candidate over baseline p99; null unless both completed operations (no latency otherwise). */
        public Double p99Ratio() {
            return baseline == null || candidate == null || baseline.successes() == 0 || candidate.successes() == 0
                    ? null : candidate.latency().p99Ms() / baseline.latency().p99Ms();
        }
    }

    public List<Row> rows() {
        Map<String, String> titles = new LinkedHashMap<>();
        for (SystemResults sr : new SystemResults[]{baseline, candidate}) {
            if (sr != null) {
                sr.results().forEach(r -> titles.putIfAbsent(r.scenario(), r.title()));
            }
        }
        List<Row> rows = new ArrayList<>();
        titles.forEach((name, title) -> rows.add(new Row(name, title, measured(baseline, name), measured(candidate, name))));
        return rows;
    }

    private static Measured measured(SystemResults sr, String scenario) {
        if (sr == null) {
            return null;
        }
        return sr.result(scenario).filter(ScenarioResult::ran).map(ScenarioResult::measured).orElse(null);
    }

    public String baselineName() {
        return baseline != null ? baseline.system() : "etcd";
    }

    public String candidateName() {
        return candidate != null ? candidate.system() : "raftkv";
    }

    /** A Markdown table (also readable as plain text in a terminal). */
    public String markdown() {
        String b = baselineName();
        String c = candidateName();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "| scenario | %s op/s | %s p50 ms | %s p99 ms | %s op/s | %s p50 ms | %s p99 ms"
                + " | op/s %s/%s | p99 %s/%s | errors %s / %s |%n", b, b, b, c, c, c, c, b, c, b, b, c));
        sb.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|---|\n");
        for (Row r : rows()) {
            sb.append("| ").append(r.title()).append(" | ")
                    .append(figures(r.baseline())).append(" | ")
                    .append(figures(r.candidate())).append(" | ")
                    .append(ratio(r.throughputRatio())).append(" | ")
                    .append(ratio(r.p99Ratio())).append(" | ")
                    .append(errors(r.baseline())).append(" / ").append(errors(r.candidate())).append(" |\n");
        }
        return sb.toString();
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
        sb.append(String.format(Locale.ROOT, "| scenario | %s servers µs CPU/op | %s servers µs CPU/op | %s bench client CPU"
                + " | %s bench client CPU | %s largest RSS MiB | %s largest RSS MiB |%n", b, c, b, c, b, c));
        sb.append("|---|--:|--:|--:|--:|--:|--:|\n");
        for (Row r : rows()) {
            sb.append("| ").append(r.title()).append(" | ")
                    .append(cpu(baseline, r.scenario())).append(" | ")
                    .append(cpu(candidate, r.scenario())).append(" | ")
                    .append(share(r.baseline())).append(" | ")
                    .append(share(r.candidate())).append(" | ")
                    .append(rss(baseline, r.scenario())).append(" | ")
                    .append(rss(candidate, r.scenario())).append(" |\n");
        }
        return sb.toString();
    }

    private static String cpu(SystemResults sr, String scenario) {
        if (sr == null) {
            return "—";
        }
        return sr.result(scenario).map(ScenarioResult::serverCpuMicrosPerOp)
                .map(v -> String.format(Locale.ROOT, "%,.0f", v)).orElse("—");
    }

    private static String rss(SystemResults sr, String scenario) {
        if (sr == null) {
            return "—";
        }
        return sr.result(scenario).map(ScenarioResult::serverMaxRssMiB)
                .map(v -> String.format(Locale.ROOT, "%,.0f", v)).orElse("—");
    }

    private static String share(Measured m) {
        return m == null || Double.isNaN(m.clientCpuShare()) ? "—"
                : String.format(Locale.ROOT, "%.0f %%", m.clientCpuShare() * 100);
    }

    private static String figures(Measured m) {
        if (m == null) {
            return "— | — | —";
        }
        if (m.successes() == 0) {
            return "0 | — | —";
        }
        return String.format(Locale.ROOT, "%,.0f | %.2f | %.2f", m.throughput(), m.latency().p50Ms(), m.latency().p99Ms());
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
        for (SystemResults sr : new SystemResults[]{baseline, candidate}) {
            Optional.ofNullable(sr).ifPresent(s -> sb.append("- ").append(s.system()).append(": ").append(s.server()).append(", client ").append(s.target())
                    .append(", run started ").append(s.startedAt()).append(" (load average ")
                    .append(s.machine().getString("loadAverage", "unknown")).append("), seed ").append(s.seed())
                    .append('\n'));
        }
        return sb.toString();
    }
}
