package io.raftkv.bench;

import io.raftkv.bench.cluster.ClusterMetrics;
import io.raftkv.bench.cluster.LocalCluster;
import io.raftkv.bench.load.LoadRunner;
import io.raftkv.bench.load.LoadSpec;
import io.raftkv.bench.load.Measured;
import io.raftkv.bench.load.Progress;
import io.raftkv.bench.spi.ReadMode;
import io.raftkv.bench.spi.Target;
import io.raftkv.bench.spi.TargetOptions;
import io.raftkv.bench.suite.Machine;
import io.raftkv.bench.suite.SuiteRunner;
import io.raftkv.bench.target.Targets;
import io.raftkv.bench.workload.KeyOrder;
import io.raftkv.bench.workload.Workload;
import io.raftkv.bench.workload.WorkloadSpec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code raftkv-bench warm-start}: how fast a fresh cluster gets to its warm throughput. This JVM (the
 * load generator) first warms itself against a throwaway cluster, so what is measured is the nodes'
 * warm-up, not the client's. Then a fresh cluster starts and the same load runs from the moment every
 * member is ready; throughput and the servers' CPU are recorded per second since the members were
 * spawned. The warm figure is the mean of the run's last {@code --warm-window}.
 */
@Command(
        name = "warm-start",
        mixinStandardHelpOptions = true,
        description = "Start a fresh RaftKV cluster and record puts per second from the start (the load generator"
                + " warmed beforehand); report the throughput at 10 s after the start against the run's warm tail.")
final class WarmStartCommand implements Callable<Integer> {
    @Mixin
    ClusterOptions clusters;

    @Option(names = "--clients", defaultValue = "1", description = "Closed-loop clients (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--connections", defaultValue = "1", description = "Connections (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(
            names = "--duration",
            defaultValue = "60s",
            converter = DurationConverter.class,
            description = "Load on the fresh cluster, from its start (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(
            names = "--warm-window",
            defaultValue = "15s",
            converter = DurationConverter.class,
            description = "The warm figure: the mean over the run's last window (default: ${DEFAULT-VALUE}).")
    Duration warmWindow;

    @Option(
            names = "--generator-warmup",
            defaultValue = "20s",
            converter = DurationConverter.class,
            description = "The load generator's own warm-up against a throwaway cluster; 0s to skip"
                    + " (default: ${DEFAULT-VALUE}).")
    Duration generatorWarmup;

    @Option(names = "--label", defaultValue = "raftkv", description = "Names the run in the output.")
    String label;

    @Option(names = "--json", description = "Also write the per-second series and the figures to this file.")
    Path json;

    @Option(names = "--seed", defaultValue = "24", description = "Workload seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        if (warmWindow.isNegative() || warmWindow.isZero() || warmWindow.compareTo(duration) >= 0) {
            throw new IllegalArgumentException("--warm-window must be positive and shorter than --duration");
        }
        WorkloadSpec spec = new WorkloadSpec(100, ReadMode.LINEARIZABLE, 10_000, 8, 256, KeyOrder.RANDOM, seed);
        if (!generatorWarmup.isZero() && !generatorWarmup.isNegative()) {
            try (LocalCluster throwaway = clusters.cluster(Targets.RAFTKV)) {
                throwaway.start(clusters.startupTimeout);
                Measured m = load(throwaway, spec, generatorWarmup, p -> {});
                System.out.println(SuiteRunner.summary("generator warm-up", m) + "  (not reported)");
            }
        }
        String load0 = Machine.loadAverage();
        List<double[]> series = new ArrayList<>(); // {seconds since spawn, op/s, server CPU share}
        long[] last = new long[2];
        JsonObject result;
        try (LocalCluster cluster = clusters.cluster(Targets.RAFTKV)) {
            long spawned = System.nanoTime();
            cluster.start(clusters.startupTimeout);
            double readyS = (System.nanoTime() - spawned) / 1e9;
            System.out.printf(Locale.ROOT, "%s: every member ready %.1f s after spawn%n", label, readyS);
            ClusterMetrics.Snapshot open =
                    cluster.metrics().map(ClusterMetrics::scrape).orElse(null);
            last[0] = System.nanoTime();
            last[1] = cluster.serverCpuNanos();
            Measured m = load(cluster, spec, duration, p -> {
                long now = System.nanoTime();
                long cpu = cluster.serverCpuNanos();
                double share = (cpu - last[1]) / (double) (now - last[0]);
                last[0] = now;
                last[1] = cpu;
                double t = readyS + p.elapsedSeconds();
                synchronized (series) {
                    series.add(new double[] {t, p.opsPerSecond(), share});
                }
                System.out.printf(
                        Locale.ROOT,
                        "%s t=%5.1f s  %9.0f op/s  p99 %8.2f ms  server CPU %.2f cores%n",
                        label,
                        t,
                        p.opsPerSecond(),
                        p.p99Ms(),
                        share);
            });
            ClusterMetrics.Window steady = open == null
                    ? ClusterMetrics.Window.UNKNOWN
                    : ClusterMetrics.between(open, cluster.metrics().get().scrape());
            System.out.println(SuiteRunner.summary(label, m));
            result = figures(series, readyS, m, steady, load0);
        }
        System.out.println(label + " " + result.getString("verdict"));
        if (json != null) {
            write(json, result.encodePrettily() + "\n");
        }
        return 0;
    }

    private Measured load(LocalCluster cluster, WorkloadSpec spec, Duration d, Consumer<Progress> progress) {
        try (Target target = Targets.open(
                Targets.RAFTKV,
                new TargetOptions(cluster.clientEndpoints(), connections, Duration.ofSeconds(5)),
                clusters.etcdDriver,
                cluster.clientCredentials())) {
            return new LoadRunner(target, new Workload(spec), LoadSpec.closed(clients, Duration.ZERO, d), progress)
                    .run();
        }
    }

    private JsonObject figures(
            List<double[]> series, double readyS, Measured m, ClusterMetrics.Window steady, String load0) {
        double end = series.isEmpty() ? 0 : series.get(series.size() - 1)[0];
        double warmSum = 0;
        int warmN = 0;
        double at10 = Double.NaN;
        double first70 = Double.NaN;
        JsonArray rows = new JsonArray();
        for (double[] s : series) {
            if (s[0] > end - warmWindow.toMillis() / 1e3) {
                warmSum += s[1];
                warmN++;
            }
            rows.add(new JsonArray().add(round(s[0])).add(Math.round(s[1])).add(round(s[2])));
        }
        double warm = warmN == 0 ? Double.NaN : warmSum / warmN;
        if (readyS > 10) {
            at10 = 0; // not serving yet at 10 s
        }
        for (double[] s : series) {
            if (Double.isNaN(first70) && s[1] >= 0.7 * warm) {
                first70 = s[0];
            }
            if (Double.isNaN(at10) && s[0] >= 10) {
                at10 = s[1];
            }
        }
        String verdict = String.format(
                Locale.ROOT,
                "%d clients: ready %.1f s; at 10 s %.0f op/s = %.0f%% of warm %.0f op/s; first second ≥ 70%% at"
                        + " %.1f s; leader changes %s, slowest persist ≤ %s ms; load average %s → %s",
                clients,
                readyS,
                at10,
                100 * at10 / warm,
                warm,
                first70,
                steady.leaderChanges(),
                steady.slowestPersistMs(),
                load0,
                Machine.loadAverage());
        return new JsonObject()
                .put("label", label)
                .put("at", Instant.now().toString())
                .put("clients", clients)
                .put("connections", connections)
                .put("nodeJvmOptions", clusters.nodeJvmOptions)
                .put("generatorJvm", ManagementFactory.getRuntimeMXBean().getInputArguments())
                .put("readySeconds", round(readyS))
                .put("at10sOpsPerSecond", Math.round(at10))
                .put("warmOpsPerSecond", Math.round(warm))
                .put("first70PercentSecond", round(first70))
                .put("errors", m.errorCount())
                .put("leaderChanges", steady.leaderChanges())
                .put("slowestPersistMs", String.valueOf(steady.slowestPersistMs()))
                .put("series", rows)
                .put("verdict", verdict);
    }

    private static double round(double v) {
        return Double.isNaN(v) ? v : Math.round(v * 10) / 10.0;
    }

    private static void write(Path f, String text) {
        try {
            if (f.toAbsolutePath().getParent() != null) {
                Files.createDirectories(f.toAbsolutePath().getParent());
            }
            Files.writeString(f, text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + f, e);
        }
    }
}
