package io.raftkv.bench.suite;

import io.raftkv.bench.load.LatencySummary;
import io.raftkv.bench.load.Measured;
import io.vertx.core.json.JsonObject;

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
 */
public record ScenarioResult(String scenario, String title, String workload, String load, int connections,
                             String skipped, Measured measured, Double serverCpuMicrosPerOp, Double serverMaxRssMiB) {

    public static ScenarioResult skipped(Scenario s, String why) {
        return new ScenarioResult(s.name(), s.title(), s.workload().describe(), s.load().describe(), s.connections(),
                why, null, null, null);
    }

    public static ScenarioResult of(Scenario s, Measured m) {
        return of(s, m, null, null);
    }

    public static ScenarioResult of(Scenario s, Measured m, Double serverCpuMicrosPerOp, Double serverMaxRssMiB) {
        return new ScenarioResult(s.name(), s.title(), s.workload().describe(), s.load().describe(), s.connections(),
                null, m, serverCpuMicrosPerOp, serverMaxRssMiB);
    }

    public boolean ran() {
        return measured != null;
    }

    public JsonObject toJson() {
        JsonObject o = new JsonObject().put("scenario", scenario).put("title", title).put("workload", workload)
                .put("load", load).put("connections", connections);
        if (measured == null) {
            return o.put("skipped", skipped);
        }
        LatencySummary l = measured.latency();
        return o.put("seconds", measured.seconds())
                .put("operations", measured.successes())
                .put("throughputOpsPerSec", round(measured.throughput()))
                .put("latencyMs", new JsonObject().put("mean", l.meanMs()).put("p50", l.p50Ms()).put("p90", l.p90Ms())
                        .put("p99", l.p99Ms()).put("p999", l.p999Ms()).put("max", l.maxMs()))
                .put("errors", new JsonObject(new TreeMap<>(measured.errors())))
                .put("warmupErrors", new JsonObject(new TreeMap<>(measured.warmupErrors())))
                .put("unfinished", measured.unfinished())
                .put("errorSamples", new JsonObject(new TreeMap<String, Object>(measured.errorSamples())))
                .put("clientCpuShare", Double.isNaN(measured.clientCpuShare()) ? null
                        : Math.round(measured.clientCpuShare() * 1000) / 1000.0)
                .put("serverCpuMicrosPerOp", serverCpuMicrosPerOp == null ? null : round(serverCpuMicrosPerOp))
                .put("serverMaxRssMiB", serverMaxRssMiB == null ? null : round(serverMaxRssMiB));
    }

    public static ScenarioResult fromJson(JsonObject o) {
        if (o.containsKey("skipped")) {
            return new ScenarioResult(o.getString("scenario"), o.getString("title"), o.getString("workload"),
                    o.getString("load"), o.getInteger("connections"), o.getString("skipped"), null, null, null);
        }
        JsonObject l = o.getJsonObject("latencyMs");
        LatencySummary latency = new LatencySummary(o.getLong("operations"), l.getDouble("mean"), l.getDouble("p50"),
                l.getDouble("p90"), l.getDouble("p99"), l.getDouble("p999"), l.getDouble("max"));
        Measured m = new Measured(o.getDouble("seconds"), o.getLong("operations"), counts(o.getJsonObject("errors")),
                counts(o.getJsonObject("warmupErrors")), latency, o.getLong("unfinished", 0L),
                o.getValue("clientCpuShare") instanceof Number n ? n.doubleValue() : Double.NaN,
                samples(o.getJsonObject("errorSamples")));
        Double cpu = o.getValue("serverCpuMicrosPerOp") instanceof Number n ? n.doubleValue() : null;
        Double rss = o.getValue("serverMaxRssMiB") instanceof Number n ? n.doubleValue() : null;
        return new ScenarioResult(o.getString("scenario"), o.getString("title"), o.getString("workload"),
                o.getString("load"), o.getInteger("connections"), null, m, cpu, rss);
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
