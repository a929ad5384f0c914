package io.raftkv.bench;

import io.raftkv.bench.cluster.LocalCluster;
import io.raftkv.bench.report.ComparisonChart;
import io.raftkv.bench.report.ComparisonTable;
import io.raftkv.bench.suite.Machine;
import io.raftkv.bench.suite.Scenario;
import io.raftkv.bench.suite.StandardSuite;
import io.raftkv.bench.suite.SuiteRunner;
import io.raftkv.bench.suite.SystemResults;
import io.raftkv.bench.target.Targets;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code raftkv-bench compare}: in each of {@code --rounds} rounds, for each system in turn (the order
 * reversed every other round, so neither system always runs first on a machine that heats up or
 * gets busier), start a fresh local cluster, warm it up the same way, run the standard suite, stop
 * it and save {@code results-<system>-round<N>.json}; then merge the rounds into
 * {@code results-<system>.json} (medians, every round's figures for the spread) and render the
 * side-by-side report from the results files in the output directory.
 */
@Command(
        name = "compare",
        mixinStandardHelpOptions = true,
        description = "Start local etcd and RaftKV clusters in turn, run the same suite against each, write the"
                + " side-by-side table, JSON and PNG charts.")
final class CompareCommand implements java.util.concurrent.Callable<Integer> {
    @Mixin
    ClusterOptions clusters;

    @Option(
            names = "--systems",
            split = ",",
            defaultValue = "etcd,raftkv",
            description = "Systems to run, in order: etcd (plain gRPC stubs, as etcd's own benchmark tool), etcd-jetcd"
                    + " (etcd through jetcd, shown as a separate table), etcd-tls (etcd with TLS on every port, the"
                    + " same driver over mutual TLS), raftkv, raftkv-unary, raftkv-tls"
                    + " (default: ${DEFAULT-VALUE})."
                    + " The table compares raftkv with etcd, or with raftkv-unary when etcd has no results in --out, or"
                    + " raftkv-tls with raftkv when neither has; with etcd-tls results, tables of both systems with TLS"
                    + " and of each system's TLS cost follow.")
    List<String> systems;

    @Option(names = "--scenarios", split = ",", description = "Only these scenarios (default: all).")
    List<String> only;

    @Option(
            names = "--out",
            defaultValue = "docs/benchmarks",
            description = "Output directory (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(
            names = "--warmup",
            defaultValue = "3s",
            converter = DurationConverter.class,
            description = "Warm-up per scenario (default: ${DEFAULT-VALUE}).")
    Duration warmup;

    @Option(
            names = "--cluster-warmup",
            defaultValue = "45s",
            converter = DurationConverter.class,
            description = "Unmeasured mixed load after each cluster starts, before the suite (JIT and caches;"
                    + " the same for every system; 0s: none) (default: ${DEFAULT-VALUE}).")
    Duration clusterWarmup;

    @Option(
            names = "--duration",
            defaultValue = "15s",
            converter = DurationConverter.class,
            description = "Measured time per scenario (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--key-space", defaultValue = "10000", description = "Distinct keys (default: ${DEFAULT-VALUE}).")
    long keySpace;

    @Option(names = "--seed", defaultValue = "8", description = "Workload seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--deadline",
            defaultValue = "5s",
            converter = DurationConverter.class,
            description = "Per-call deadline (default: ${DEFAULT-VALUE}).")
    Duration deadline;

    @Option(
            names = "--rounds",
            defaultValue = "3",
            description = "Rounds: every system runs the whole suite this many times on a fresh cluster, alternating;"
                    + " the table shows medians and the spread (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(
            names = "--report-only",
            description = "Do not run anything: render the report from the results files in --out.")
    boolean reportOnly;

    @Override
    public Integer call() {
        if (!reportOnly) {
            List<Scenario> scenarios = StandardSuite.scenarios(keySpace, warmup, duration, seed).stream()
                    .filter(s -> only == null || only.contains(s.name()))
                    .collect(Collectors.toList());
            if (scenarios.isEmpty()) {
                throw new IllegalArgumentException("no scenario matches " + only);
            }
            if (rounds < 1) {
                throw new IllegalArgumentException("--rounds must be ≥ 1, got " + rounds);
            }
            java.util.Map<String, List<SystemResults>> bySystem = new java.util.LinkedHashMap<>();
            systems.forEach(s -> bySystem.put(s, new java.util.ArrayList<>()));
            for (int round = 1; round <= rounds; round++) {
                List<String> order = new java.util.ArrayList<>(systems);
                if (round % 2 == 0) {
                    java.util.Collections.reverse(order);
                }
                for (String system : order) {
                    System.out.println("=== round " + round + " of " + rounds + ": " + system + " (load average "
                            + Machine.loadAverage() + ")");
                    SystemResults r = runSystem(system, scenarios);
                    r.write(out.resolve("rounds"), system + "-round" + round);
                    bySystem.get(system).add(r);
                }
            }
            bySystem.forEach((system, rs) -> {
                SystemResults.merge(rs).write(out);
                System.out.println("wrote " + SystemResults.file(out, system));
            });
        }
        return render(out);
    }

    private SystemResults runSystem(String system, List<Scenario> scenarios) {
        try (LocalCluster cluster = clusters.cluster(system)) {
            System.out.println("starting " + clusters.members + " " + system + " members on loopback ...");
            cluster.start(clusters.startupTimeout);
            System.out.println(system + " is up: " + cluster.clientEndpoints());
            SuiteRunner runner = new SuiteRunner(
                            system,
                            cluster.clientEndpoints(),
                            deadline,
                            o -> Targets.open(system, o, clusters.etcdDriver, cluster.clientCredentials()),
                            System.out,
                            true)
                    .withServerCpu(cluster::serverCpuNanos, cluster::maxMemberRssBytes);
            cluster.metrics().ifPresent(runner::withMetrics);
            if (!clusterWarmup.isZero()) {
                runner.warmUp(StandardSuite.clusterWarmup(keySpace, clusterWarmup, seed));
            }
            return runner.run(scenarios, seed, cluster.serverVersion());
        }
    }

    /**
     * With {@value Targets#ETCD_TLS} results: both systems with TLS side by side, and the cost of TLS
     * for each system (plaintext against TLS, from the same rounds).
     */
    private static String tlsSections(Path dir) {
        SystemResults etcd = SystemResults.read(dir, Targets.ETCD).orElse(null);
        SystemResults etcdTls = SystemResults.read(dir, Targets.ETCD_TLS).orElse(null);
        SystemResults raftkv = SystemResults.read(dir, Targets.RAFTKV).orElse(null);
        SystemResults raftkvTls = SystemResults.read(dir, Targets.RAFTKV_TLS).orElse(null);
        if (etcdTls == null) {
            return "";
        }
        StringBuilder md = new StringBuilder();
        if (raftkvTls != null) {
            ComparisonTable both = new ComparisonTable(etcdTls, raftkvTls);
            md.append("\nTLS on both sides (etcd: client and peer mutual TLS; RaftKV: the same, plus its role check"
                            + " per call), the same driver over mutual TLS:\n\n")
                    .append(both.markdown())
                    .append('\n')
                    .append(both.cpuMarkdown());
        }
        if (etcd != null) {
            ComparisonTable cost = new ComparisonTable(etcd, etcdTls);
            md.append("\nThe cost of TLS for etcd (plaintext against TLS, same rounds):\n\n")
                    .append(cost.markdown())
                    .append('\n')
                    .append(cost.cpuMarkdown());
        }
        if (raftkv != null && raftkvTls != null) {
            ComparisonTable cost = new ComparisonTable(raftkv, raftkvTls);
            md.append("\nThe cost of TLS for RaftKV (plaintext against TLS, same rounds):\n\n")
                    .append(cost.markdown())
                    .append('\n')
                    .append(cost.cpuMarkdown());
        }
        return md.toString();
    }

    /**
     * Renders comparison.md, compare.json and the charts from the results files in {@code dir}. The
     * baseline is etcd; without etcd results it is {@code raftkv-unary} (RaftKV with one unary call
     * per operation), which compares the client's two transports.
     */
    static int render(Path dir) {
        SystemResults etcd = SystemResults.read(dir, Targets.ETCD)
                .or(() -> SystemResults.read(dir, Targets.RAFTKV_UNARY))
                .orElse(null);
        SystemResults raftkv = SystemResults.read(dir, Targets.RAFTKV).orElse(null);
        SystemResults tls = SystemResults.read(dir, Targets.RAFTKV_TLS).orElse(null);
        if (etcd == null && tls != null) { // the cost of TLS: plaintext RaftKV against RaftKV with TLS and auth
            etcd = raftkv;
            raftkv = tls;
        }
        SystemResults etcdTls = SystemResults.read(dir, Targets.ETCD_TLS).orElse(null);
        if (etcd == null && raftkv == null && etcdTls != null) { // only TLS runs: both systems with TLS
            etcd = etcdTls;
            raftkv = tls;
        }
        if (etcd == null && raftkv == null) {
            System.err.println("no results-*.json in " + dir);
            return 1;
        }
        ComparisonTable table = new ComparisonTable(etcd, raftkv);
        String machine = Machine.oneLine((etcd != null ? etcd : raftkv).machine());
        String md = table.markdown() + "\n" + table.cpuMarkdown() + "\n" + table.steadinessMarkdown() + "\n"
                + table.leaseRatio().map(l -> "- " + l + "\n").orElse("") + table.provenance() + "- machine: " + machine
                + "\n";
        SystemResults jetcd = SystemResults.read(dir, Targets.ETCD_JETCD).orElse(null);
        if (jetcd != null && etcd != null && etcd.system().equals(Targets.ETCD)) {
            ComparisonTable second = new ComparisonTable(etcd, jetcd);
            md += "\netcd through jetcd, a weaker load generator, against etcd through plain gRPC stubs (same"
                    + " servers; for reference only):\n\n" + second.markdown() + "\n" + second.cpuMarkdown() + "\n"
                    + second.provenance();
        }
        SystemResults sameClient = SystemResults.read(dir, Targets.RAFTKV_ETCD).orElse(null);
        if (sameClient != null && etcd != null && etcd.system().equals(Targets.ETCD)) {
            ComparisonTable same = new ComparisonTable(etcd, sameClient);
            md += "\nThe same etcd client (plain gRPC stubs from etcd's protos, one unary call per operation) against"
                    + " etcd and against RaftKV's etcd API (" + Targets.RAFTKV_ETCD + "):\n\n" + same.markdown() + "\n"
                    + same.cpuMarkdown() + "\n" + same.provenance();
        }
        md += tlsSections(dir);
        try {
            Files.writeString(dir.resolve("comparison.md"), md);
            JsonArray systemsJson = new JsonArray();
            Arrays.asList(etcd, raftkv).forEach(s -> {
                if (s != null) {
                    systemsJson.add(s.toJson());
                }
            });
            Files.writeString(
                    dir.resolve("compare.json"),
                    new JsonObject()
                                    .put("renderedAt", Instant.now().toString())
                                    .put("systems", systemsJson)
                                    .encodePrettily()
                            + "\n");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        List<Path> charts = ComparisonChart.write(table, dir, "3 members on loopback, " + machine.split(",")[0]);
        System.out.println();
        System.out.println(md);
        System.out.println(
                "wrote " + dir.resolve("comparison.md") + ", " + dir.resolve("compare.json") + ", " + charts);
        return 0;
    }
}
