package io.raftkv.bench.suite;

import io.raftkv.bench.cluster.ClusterMetrics;
import io.raftkv.bench.load.LatencySummary;
import io.raftkv.bench.load.Measured;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One scenario's outcome on one system, as stored in the results JSON. A scenario the system cannot
 * run (etcd has no lease read) has {@code skipped} set and no figures.
 *
 * @param serverCpuMicrosPerOp CPU time all server processes together spent per successful
 *                             operation during the measured window, or null when not measured
 * @param serverMaxRssMiB      the largest resident set size of any member seen in the window (MiB),
 *                             or null when not measured
 * @param leaderChanges        leader changes during the measured window (the most any member saw; summed
 *                             over rounds), or null when not measured
 * @param slowestPersistMs     upper bound of the slowest Raft persist of any member in the window (the
 *                             smallest histogram bound that held them all), or null when not measured
 * @param loadAverage          the machine's 1, 5, 15 minute load averages when the window closed
 * @param rounds               every round's figures when this result merges several rounds (empty: one run);
 *                             {@code measured} is then the round with the median throughput
 */
public record ScenarioResult(
        String scenario,
        String title,
        String workload,
        String load,
        int connections,
        String skipped,
        Measured measured,
        Double serverCpuMicrosPerOp,
        Double serverMaxRssMiB,
        Long leaderChanges,
        Double slowestPersistMs,
        String loadAverage,
        List<Round> rounds) {

    /** One round's headline figures. */
    public record Round(
            double throughput,
            double p50Ms,
            double p99Ms,
            Long leaderChanges,
            Double slowestPersistMs,
            String loadAverage) {
        JsonObject toJson() {
            return new JsonObject()
                    .put("throughputOpsPerSec", round(throughput))
                    .put("p50Ms", p50Ms)
                    .put("p99Ms", p99Ms)
                    .put("leaderChanges", leaderChanges)
                    .put(
                            "slowestPersistMs",
                            slowestPersistMs == null || slowestPersistMs.isInfinite() ? null : slowestPersistMs)
                    .put("slowestPersistBeyondLargestBucket", slowestPersistMs != null && slowestPersistMs.isInfinite())
                    .put("loadAverage", loadAverage);
        }

        static Round fromJson(JsonObject o) {
            return new Round(
                    o.getDouble("throughputOpsPerSec"),
                    o.getDouble("p50Ms"),
                    o.getDouble("p99Ms"),
                    o.getLong("leaderChanges"),
                    o.getBoolean("slowestPersistBeyondLargestBucket", false)
                            ? Double.valueOf(Double.POSITIVE_INFINITY)
                            : o.getDouble("slowestPersistMs"),
                    o.getString("loadAverage"));
        }
    }

    public ScenarioResult {
        rounds = rounds == null ? List.of() : List.copyOf(rounds);
    }

    public static ScenarioResult skipped(Scenario s, String why) {
        return new ScenarioResult(
                s.name(),
                s.title(),
                s.workload().describe(),
                s.load().describe(),
                s.connections(),
                why,
                null,
                null,
                null,
                null,
                null,
                null,
                List.of());
    }

    public static ScenarioResult of(Scenario s, Measured m) {
        return of(s, m, null, null);
    }

    public static ScenarioResult of(Scenario s, Measured m, Double serverCpuMicrosPerOp, Double serverMaxRssMiB) {
        return of(s, m, serverCpuMicrosPerOp, serverMaxRssMiB, ClusterMetrics.Window.UNKNOWN, null);
    }

    public static ScenarioResult of(
            Scenario s,
            Measured m,
            Double serverCpuMicrosPerOp,
            Double serverMaxRssMiB,
            ClusterMetrics.Window steadiness,
            String loadAverage) {
        return new ScenarioResult(
                s.name(),
                s.title(),
                s.workload().describe(),
                s.load().describe(),
                s.connections(),
                null,
                m,
                serverCpuMicrosPerOp,
                serverMaxRssMiB,
                steadiness.leaderChanges(),
                steadiness.slowestPersistMs(),
                loadAverage,
                List.of());
    }

    /**
     * Merges the same scenario's results from several rounds: the round with the median throughput
     * stands for the rest (errors, CPU), every round's figures are kept for the spread, leader
     * changes add up and the slowest persist is the slowest of all rounds (over the rounds where
     * they could be read). A scenario skipped in any
     * round is skipped.
     */
    public static ScenarioResult merge(List<ScenarioResult> perRound) {
        if (perRound.isEmpty()) {
            throw new IllegalArgumentException("no rounds to merge");
        }
        for (ScenarioResult r : perRound) {
            if (!r.ran()) {
                return r;
            }
        }
        List<Round> rounds = new ArrayList<>();
        perRound.forEach(r -> rounds.addAll(r.roundsOrSelf()));
        List<ScenarioResult> byThroughput = new ArrayList<>(perRound);
        byThroughput.sort(Comparator.comparingDouble(r -> r.measured().throughput()));
        ScenarioResult mid = byThroughput.get((byThroughput.size() - 1) / 2);
        // Rounds whose figure could not be read (a member did not answer its scrape) are left out.
        Long changes = null;
        Double slowest = null;
        Double rss = null;
        for (ScenarioResult r : perRound) {
            if (r.leaderChanges() != null) {
                changes = changes == null ? r.leaderChanges() : changes + r.leaderChanges();
            }
            if (r.slowestPersistMs() != null) {
                slowest = slowest == null ? r.slowestPersistMs() : Math.max(slowest, r.slowestPersistMs());
            }
            rss = r.serverMaxRssMiB() == null
                    ? rss
                    : rss == null ? r.serverMaxRssMiB() : Math.max(rss, r.serverMaxRssMiB());
        }
        return new ScenarioResult(
                mid.scenario(),
                mid.title(),
                mid.workload(),
                mid.load(),
                mid.connections(),
                null,
                mid.measured(),
                mid.serverCpuMicrosPerOp(),
                rss,
                changes,
                slowest,
                mid.loadAverage(),
                rounds);
    }

    private List<Round> roundsOrSelf() {
        if (!rounds.isEmpty()) {
            return rounds;
        }
        return List.of(new Round(
                measured.throughput(),
                measured.latency().p50Ms(),
                measured.latency().p99Ms(),
                leaderChanges,
                slowestPersistMs,
                loadAverage));
    }

    /** Throughput: the median over rounds (the one run's when there was one). */
    public double throughput() {
        return median(roundsOrSelf().stream().mapToDouble(Round::throughput).toArray());
    }

    /** p50 latency: the median over rounds. */
    public double p50Ms() {
        return median(roundsOrSelf().stream().mapToDouble(Round::p50Ms).toArray());
    }

    /** p99 latency: the median over rounds. */
    public double p99Ms() {
        return median(roundsOrSelf().stream().mapToDouble(Round::p99Ms).toArray());
    }

    /** The lowest and highest throughput of the rounds. */
    public double[] throughputRange() {
        double[] t =
                roundsOrSelf().stream().mapToDouble(Round::throughput).sorted().toArray();
        return new double[] {t[0], t[t.length - 1]};
    }

    /** The lowest and highest p99 of the rounds. */
    public double[] p99Range() {
        double[] t = roundsOrSelf().stream().mapToDouble(Round::p99Ms).sorted().toArray();
        return new double[] {t[0], t[t.length - 1]};
    }

    public int roundCount() {
        return roundsOrSelf().size();
    }

    static double median(double[] values) {
        double[] v = values.clone();
        java.util.Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    public boolean ran() {
        return measured != null;
    }

    public JsonObject toJson() {
        JsonObject o = new JsonObject()
                .put("scenario", scenario)
                .put("title", title)
                .put("workload", workload)
                .put("load", load)
                .put("connections", connections);
        if (measured == null) {
            return o.put("skipped", skipped);
        }
        LatencySummary l = measured.latency();
        return o.put("seconds", measured.seconds())
                .put("operations", measured.successes())
                .put("throughputOpsPerSec", round(measured.throughput()))
                .put(
                        "latencyMs",
                        new JsonObject()
                                .put("mean", l.meanMs())
                                .put("p50", l.p50Ms())
                                .put("p90", l.p90Ms())
                                .put("p99", l.p99Ms())
                                .put("p999", l.p999Ms())
                                .put("max", l.maxMs()))
                .put("errors", new JsonObject(new TreeMap<>(measured.errors())))
                .put("warmupErrors", new JsonObject(new TreeMap<>(measured.warmupErrors())))
                .put("unfinished", measured.unfinished())
                .put("errorSamples", new JsonObject(new TreeMap<String, Object>(measured.errorSamples())))
                .put(
                        "clientCpuShare",
                        Double.isNaN(measured.clientCpuShare())
                                ? null
                                : Math.round(measured.clientCpuShare() * 1000) / 1000.0)
                .put("serverCpuMicrosPerOp", serverCpuMicrosPerOp == null ? null : round(serverCpuMicrosPerOp))
                .put("serverMaxRssMiB", serverMaxRssMiB == null ? null : round(serverMaxRssMiB))
                .put("leaderChanges", leaderChanges)
                .put(
                        "slowestPersistMs",
                        slowestPersistMs == null || slowestPersistMs.isInfinite() ? null : slowestPersistMs)
                .put("slowestPersistBeyondLargestBucket", slowestPersistMs != null && slowestPersistMs.isInfinite())
                .put("loadAverage", loadAverage)
                .put(
                        "rounds",
                        rounds.isEmpty()
                                ? null
                                : new JsonArray(
                                        rounds.stream().map(Round::toJson).toList()));
    }

    public static ScenarioResult fromJson(JsonObject o) {
        if (o.containsKey("skipped")) {
            return new ScenarioResult(
                    o.getString("scenario"),
                    o.getString("title"),
                    o.getString("workload"),
                    o.getString("load"),
                    o.getInteger("connections"),
                    o.getString("skipped"),
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    List.of());
        }
        JsonObject l = o.getJsonObject("latencyMs");
        LatencySummary latency = new LatencySummary(
                o.getLong("operations"),
                l.getDouble("mean"),
                l.getDouble("p50"),
                l.getDouble("p90"),
                l.getDouble("p99"),
                l.getDouble("p999"),
                l.getDouble("max"));
        Measured m = new Measured(
                o.getDouble("seconds"),
                o.getLong("operations"),
                counts(o.getJsonObject("errors")),
                counts(o.getJsonObject("warmupErrors")),
                latency,
                o.getLong("unfinished", 0L),
                o.getValue("clientCpuShare") instanceof Number n ? n.doubleValue() : Double.NaN,
                samples(o.getJsonObject("errorSamples")));
        Double cpu = o.getValue("serverCpuMicrosPerOp") instanceof Number n ? n.doubleValue() : null;
        Double rss = o.getValue("serverMaxRssMiB") instanceof Number n ? n.doubleValue() : null;
        Double slowest = o.getBoolean("slowestPersistBeyondLargestBucket", false)
                ? Double.valueOf(Double.POSITIVE_INFINITY)
                : o.getDouble("slowestPersistMs");
        List<Round> rounds = new ArrayList<>();
        JsonArray rs = o.getJsonArray("rounds");
        if (rs != null) {
            rs.forEach(r -> rounds.add(Round.fromJson((JsonObject) r)));
        }
        return new ScenarioResult(
                o.getString("scenario"),
                o.getString("title"),
                o.getString("workload"),
                o.getString("load"),
                o.getInteger("connections"),
                null,
                m,
                cpu,
                rss,
                o.getLong("leaderChanges"),
                slowest,
                o.getString("loadAverage"),
                rounds);
    }

    private static Map<String, Long> counts(JsonObject o) {
        Map<String, Long> out = new TreeMap<>();
        if (o != null) {
            o.forEach(e -> out.put(e.getKey(), ((Number) e.getValue()).longValue()));
        }
        return out;
    }

    private static Map<String, String> samples(JsonObject o) {
        Map<String, String> out = new TreeMap<>();
        if (o != null) {
            o.forEach(e -> out.put(e.getKey(), String.valueOf(e.getValue())));
        }
        return out;
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
