package io.raftkv.bench;

import io.raftkv.bench.load.LoadMode;
import io.raftkv.bench.load.LoadRunner;
import io.raftkv.bench.load.LoadSpec;
import io.raftkv.bench.load.Measured;
import io.raftkv.bench.spi.ReadMode;
import io.raftkv.bench.spi.Target;
import io.raftkv.bench.spi.TargetOptions;
import io.raftkv.bench.suite.Preloader;
import io.raftkv.bench.suite.Scenario;
import io.raftkv.bench.suite.ScenarioResult;
import io.raftkv.bench.suite.SuiteRunner;
import io.raftkv.bench.target.Targets;
import io.raftkv.bench.workload.KeyOrder;
import io.raftkv.bench.workload.Workload;
import io.raftkv.bench.workload.WorkloadSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code raftkv-bench run}: one workload against one running system. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description =
                "Run one workload against a running RaftKV or etcd cluster and print (and optionally save) the result.")
final class RunCommand implements Callable<Integer> {
    @Option(
            names = "--system",
            defaultValue = "raftkv",
            description =
                    "raftkv, raftkv-unary (the client with pipelining off), etcd (plain gRPC stubs, as etcd's benchmark tool) or etcd-jetcd (default: ${DEFAULT-VALUE}).")
    String system;

    @Option(names = "--endpoints", required = true, split = ",", description = "Client endpoints host:port,...")
    String[] endpoints;

    @Option(
            names = "--connections",
            defaultValue = "1",
            description = "Client connections (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(
            names = "--clients",
            defaultValue = "1",
            description = "Closed loop: concurrent clients (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--rate", description = "Open loop at this many operations per second (instead of a closed loop).")
    Double rate;

    @Option(
            names = "--max-in-flight",
            defaultValue = "10000",
            description = "Open loop: operations allowed in flight (default: ${DEFAULT-VALUE}).")
    int maxInFlight;

    @Option(
            names = "--put-percent",
            defaultValue = "100",
            description = "Share of puts in percent; the rest are gets (default: ${DEFAULT-VALUE}).")
    int putPercent;

    @Option(
            names = "--read-mode",
            defaultValue = "LINEARIZABLE",
            description = "LINEARIZABLE, LEASE or SERIALIZABLE (default: ${DEFAULT-VALUE}).")
    ReadMode readMode;

    @Option(names = "--key-space", defaultValue = "10000", description = "Distinct keys (default: ${DEFAULT-VALUE}).")
    long keySpace;

    @Option(names = "--key-size", defaultValue = "8", description = "Key bytes (default: ${DEFAULT-VALUE}).")
    int keySize;

    @Option(names = "--value-size", defaultValue = "256", description = "Value bytes (default: ${DEFAULT-VALUE}).")
    int valueSize;

    @Option(
            names = "--key-order",
            defaultValue = "RANDOM",
            description = "RANDOM or SEQUENTIAL (default: ${DEFAULT-VALUE}).")
    KeyOrder keyOrder;

    @Option(names = "--seed", description = "Workload seed (default: random, printed).")
    Long seed;

    @Option(
            names = "--preload",
            description = "Write every key once before a workload with reads (default: true).",
            defaultValue = "true",
            negatable = true)
    boolean preload;

    @Option(
            names = "--warmup",
            defaultValue = "2s",
            converter = DurationConverter.class,
            description = "Warm-up (default: ${DEFAULT-VALUE}).")
    Duration warmup;

    @Option(
            names = "--duration",
            defaultValue = "10s",
            converter = DurationConverter.class,
            description = "Measured time (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(
            names = "--deadline",
            defaultValue = "5s",
            converter = DurationConverter.class,
            description = "Per-call deadline, retries included (default: ${DEFAULT-VALUE}).")
    Duration deadline;

    @Option(names = "--json", description = "Also write the result as JSON to this file.")
    Path json;

    @Option(
            names = "--fail-on-errors",
            description = "Exit 1 if any call failed (warm-up included) or nothing succeeded.")
    boolean failOnErrors;

    @Option(names = "--no-progress", description = "No progress line.")
    boolean noProgress;

    @Option(names = "--etcd-driver", description = "The etcd driver jar (default: next to raftkv-bench.jar).")
    Path etcdDriver;

    @Option(names = "--cacert", description = "RaftKV with --tls on: the CA bundle of the nodes' certificates.")
    String cacert;

    @Option(names = "--cert", description = "RaftKV with --auth on: a client certificate (PEM).")
    String cert;

    @Option(names = "--key", description = "The private key of --cert (PEM).")
    String key;

    @Option(names = "--token", description = "RaftKV with --auth on: a bearer token (or env RAFTKV_TOKEN).")
    String token;

    @Override
    public Integer call() throws Exception {
        long s = seed != null ? seed : System.nanoTime();
        WorkloadSpec spec = new WorkloadSpec(putPercent, readMode, keySpace, keySize, valueSize, keyOrder, s);
        LoadSpec load = rate != null
                ? LoadSpec.open(rate, maxInFlight, warmup, duration)
                : LoadSpec.closed(clients, warmup, duration);
        Scenario scenario = new Scenario("run", spec.describe(), spec, load, connections);
        System.out.println("workload: " + spec.describe() + "; " + load.describe() + ", " + connections
                + " connections, seed " + s);
        io.raftkv.api.client.ClientCredentials credentials = io.raftkv.api.client.ClientCredentials.fromSettings(
                cacert, cert, key, token != null ? token : System.getenv("RAFTKV_TOKEN"));
        try (Target target = Targets.open(
                system, new TargetOptions(Arrays.asList(endpoints), connections, deadline), etcdDriver, credentials)) {
            System.out.println("target: " + target.describe());
            Workload workload = new Workload(spec);
            if (spec.reads() && preload) {
                Preloader.preload(target, workload, 100, Duration.ofMinutes(10));
            }
            Measured m = new LoadRunner(target, workload, load, p -> {
                        if (!noProgress) {
                            System.err.println(p.line(system));
                        }
                    })
                    .run();
            System.out.println(SuiteRunner.summary(system + (load.mode() == LoadMode.OPEN ? " (open loop)" : ""), m));
            if (json != null) {
                Files.writeString(
                        json,
                        ScenarioResult.of(scenario, m)
                                        .toJson()
                                        .put("system", system)
                                        .put("target", target.describe())
                                        .put("seed", s)
                                        .encodePrettily()
                                + "\n");
            }
            if (failOnErrors && (m.errorCount() > 0 || !m.warmupErrors().isEmpty() || m.successes() == 0)) {
                System.err.println("FAILED: errors " + m.errors() + ", warm-up errors " + m.warmupErrors()
                        + ", successes " + m.successes());
                return 1;
            }
            return 0;
        }
    }
}
