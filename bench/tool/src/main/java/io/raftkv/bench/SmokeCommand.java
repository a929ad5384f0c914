package io.raftkv.bench;

import io.raftkv.bench.cluster.LocalCluster;
import io.raftkv.bench.suite.ScenarioResult;
import io.raftkv.bench.suite.StandardSuite;
import io.raftkv.bench.suite.SuiteRunner;
import io.raftkv.bench.suite.SystemResults;
import io.raftkv.bench.target.Targets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code raftkv-bench smoke}: a few seconds of every operation kind against a fresh local 3-member
 * cluster (or given endpoints). Exits 1 if any call failed or any scenario completed nothing, so
 * CI catches a broken client/server path; the figures are printed, never asserted.
 */
@Command(
        name = "smoke",
        mixinStandardHelpOptions = true,
        description = "A short run of every operation kind; exit 1 on any error.")
final class SmokeCommand implements Callable<Integer> {
    @Mixin
    ClusterOptions clusters;

    @Option(names = "--system", defaultValue = "raftkv", description = "raftkv or etcd (default: ${DEFAULT-VALUE}).")
    String system;

    @Option(names = "--endpoints", split = ",", description = "Use this running cluster instead of starting one.")
    List<String> endpoints;

    @Option(
            names = "--duration",
            defaultValue = "2s",
            converter = DurationConverter.class,
            description = "Measured time per scenario (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(
            names = "--warmup",
            defaultValue = "1s",
            converter = DurationConverter.class,
            description = "Warm-up per scenario (default: ${DEFAULT-VALUE}).")
    Duration warmup;

    @Option(names = "--seed", defaultValue = "1", description = "Workload seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        var scenarios = StandardSuite.smoke(1_000, warmup, duration, seed);
        SystemResults results;
        if (endpoints != null) {
            results = suite(endpoints, null).run(scenarios, seed, "at " + endpoints);
        } else {
            try (LocalCluster cluster = clusters.cluster(system)) {
                cluster.start(clusters.startupTimeout);
                results = suite(cluster.clientEndpoints(), cluster.clientCredentials())
                        .run(scenarios, seed, cluster.serverVersion());
            }
        }
        List<String> problems = new ArrayList<>();
        for (ScenarioResult r : results.results()) {
            if (!r.ran()) {
                continue;
            }
            if (r.measured().successes() == 0) {
                problems.add(r.scenario() + ": no operation succeeded");
            }
            if (r.measured().errorCount() > 0) {
                problems.add(r.scenario() + ": errors " + r.measured().errors());
            }
            if (!r.measured().warmupErrors().isEmpty()) {
                // A fresh cluster may still be settling its first leader during the first warm-up.
                System.out.println("warning: " + r.scenario() + ": errors outside the measured window "
                        + r.measured().warmupErrors());
            }
            if (r.measured().unfinished() > 0) {
                problems.add(r.scenario() + ": " + r.measured().unfinished() + " calls never completed");
            }
        }
        if (!problems.isEmpty()) {
            System.err.println("bench smoke FAILED:\n  " + String.join("\n  ", problems));
            return 1;
        }
        System.out.println("bench smoke passed: " + results.results().size() + " scenarios, no errors");
        return 0;
    }

    private SuiteRunner suite(List<String> eps, io.raftkv.api.client.ClientCredentials credentials) {
        return new SuiteRunner(
                system,
                eps,
                Duration.ofSeconds(5),
                o -> Targets.open(system, o, clusters.etcdDriver, credentials),
                System.out,
                false);
    }
}
