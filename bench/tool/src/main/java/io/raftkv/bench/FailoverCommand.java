package io.raftkv.bench;

import io.raftkv.bench.cluster.LocalCluster;
import io.raftkv.bench.spi.ReadMode;
import io.raftkv.bench.spi.Target;
import io.raftkv.bench.spi.TargetOptions;
import io.raftkv.bench.suite.FailoverBenchmark;
import io.raftkv.bench.target.Targets;
import io.raftkv.bench.workload.KeyOrder;
import io.raftkv.bench.workload.Workload;
import io.raftkv.bench.workload.WorkloadSpec;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code raftkv-bench failover}: SIGKILL the leader N times under load, for each system. */
@Command(
        name = "failover",
        mixinStandardHelpOptions = true,
        description = "Start each system's local cluster, keep writers busy and SIGKILL the leader N times; report the"
                + " time from each kill to the first successful write (p50, max).")
final class FailoverCommand implements Callable<Integer> {
    @Mixin
    ClusterOptions clusters;

    @Option(
            names = "--systems",
            split = ",",
            defaultValue = "etcd,raftkv",
            description = "Systems to run, in order (default: ${DEFAULT-VALUE}).")
    List<String> systems;

    @Option(
            names = "--rounds",
            defaultValue = "10",
            description = "Leader kills per system (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--writers", defaultValue = "32", description = "Concurrent writers (default: ${DEFAULT-VALUE}).")
    int writers;

    @Option(
            names = "--connections",
            defaultValue = "8",
            description = "Client connections (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(
            names = "--deadline",
            defaultValue = "2s",
            converter = DurationConverter.class,
            description = "Per-call deadline (default: ${DEFAULT-VALUE}).")
    Duration deadline;

    @Option(names = "--seed", defaultValue = "10", description = "Workload seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--out",
            defaultValue = "docs/benchmarks",
            description = "Output directory (default: ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() {
        for (String system : systems) {
            FailoverBenchmark.Report r = runSystem(system);
            System.out.println(r.summary());
            write(out.resolve("failover-" + system + ".json"), r.toJson().encodePrettily() + "\n");
        }
        StringBuilder md = new StringBuilder(
                "| system | leader kills | p50 ms | max ms | each kill, ms |\n|---|--:|--:|--:|---|\n");
        for (String system : Targets.SYSTEMS) {
            Path f = out.resolve("failover-" + system + ".json");
            if (Files.isRegularFile(f)) {
                JsonObject o = read(f);
                md.append(String.format(
                        Locale.ROOT,
                        "| %s | %d | %.1f | %.1f | %s |%n",
                        system,
                        o.getJsonArray("outageMs").size(),
                        o.getDouble("p50Ms"),
                        o.getDouble("maxMs"),
                        o.getJsonArray("outageMs").encode()));
            }
        }
        write(out.resolve("failover.md"), md.toString());
        System.out.println();
        System.out.println(md);
        return 0;
    }

    private FailoverBenchmark.Report runSystem(String system) {
        WorkloadSpec spec = new WorkloadSpec(100, ReadMode.LINEARIZABLE, 10_000, 8, 256, KeyOrder.RANDOM, seed);
        try (LocalCluster cluster = clusters.cluster(system)) {
            System.out.println("starting " + clusters.members + " " + system + " members on loopback ...");
            cluster.start(clusters.startupTimeout);
            try (Target target = Targets.open(
                    system,
                    new TargetOptions(cluster.clientEndpoints(), connections, deadline),
                    clusters.etcdDriver,
                    cluster.clientCredentials())) {
                return new FailoverBenchmark(cluster, target, new Workload(spec), writers, System.out).run(rounds);
            }
        }
    }

    private static void write(Path f, String text) {
        try {
            Files.createDirectories(f.toAbsolutePath().getParent());
            Files.writeString(f, text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + f, e);
        }
    }

    private static JsonObject read(Path f) {
        try {
            return new JsonObject(Files.readString(f));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f, e);
        }
    }
}
