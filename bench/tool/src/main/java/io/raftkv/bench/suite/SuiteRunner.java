package io.raftkv.bench.suite;

import io.raftkv.bench.cluster.ClusterMetrics;
import io.raftkv.bench.load.LatencySummary;
import io.raftkv.bench.load.LoadRunner;
import io.raftkv.bench.load.Measured;
import io.raftkv.bench.spi.Target;
import io.raftkv.bench.spi.TargetOptions;
import io.raftkv.bench.workload.Workload;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Runs a list of scenarios against one system: preloads the key space once (if any scenario reads),
 * then runs each scenario with a fresh target (its own connections), printing progress and a
 * summary line. The same scenarios and the same code run for every system.
 */
public final class SuiteRunner {
    static final int PRELOAD_WRITERS = 100;
    static final Duration PRELOAD_TIMEOUT = Duration.ofMinutes(10);

    private final String system;
    private final List<String> endpoints;
    private final Duration deadline;
    private final Function<TargetOptions, Target> opener;
    private final PrintStream out;
    private final boolean progress;
    private LongSupplier serverCpuNanos = () -> -1;
    private LongSupplier serverRssBytes = () -> -1;
    private Supplier<ClusterMetrics.Snapshot> metrics = () -> null;

    /**
     * @param opener   opens this system's target for given options
     * @param progress whether to print a progress line every second
     */
    public SuiteRunner(
            String system,
            List<String> endpoints,
            Duration deadline,
            Function<TargetOptions, Target> opener,
            PrintStream out,
            boolean progress) {
        this.system = system;
        this.endpoints = List.copyOf(endpoints);
        this.deadline = deadline;
        this.opener = opener;
        this.out = out;
        this.progress = progress;
    }

    /**
     * Also measures the servers' CPU time per operation, reading {@code cpuNanos} (total CPU time of
     * the server processes, -1 if unknown) when each measured window opens and closes, and the
     * largest member's memory ({@code maxRssBytes}, -1 if unknown) once a second in the window.
     */
    public SuiteRunner withServerCpu(LongSupplier cpuNanos, LongSupplier maxRssBytes) {
        this.serverCpuNanos = cpuNanos;
        this.serverRssBytes = maxRssBytes;
        return this;
    }

    /** Also reads leader changes and the slowest persist of every scenario's window from {@code m}. */
    public SuiteRunner withMetrics(ClusterMetrics m) {
        this.metrics = m::scrape;
        return this;
    }

    /**
     * Runs {@code warmup} and reports only its summary line (as "warm-up"); nothing is recorded.
     * Errors during warm-up are printed, not fatal: a system that is still settling may refuse a few.
     */
    public void warmUp(Scenario warmup) {
        try (Target target = opener.apply(new TargetOptions(endpoints, warmup.connections(), deadline))) {
            String label = warmup.name() + " " + system;
            Measured m = new LoadRunner(target, new Workload(warmup.workload()), warmup.load(), p -> {
                        if (progress) {
                            out.println(p.line(label));
                        }
                    })
                    .run();
            out.println(summary(label, m) + "  (warm-up, not reported)");
        }
    }

    /**
     * @param server the server software and version under test, for the report
     */
    public SystemResults run(List<Scenario> scenarios, long seed, String server) {
        String startedAt = Instant.now().toString();
        List<ScenarioResult> results = new ArrayList<>();
        String description = null;
        boolean preloaded = false;
        for (Scenario s : scenarios) {
            try (Target target = opener.apply(new TargetOptions(endpoints, s.connections(), deadline))) {
                description = target.describe().replaceFirst(", \\d+ (clients|connections).*", "");
                if (s.workload().reads() && !target.supports(s.workload().readMode())) {
                    out.printf(
                            "%-28s %s: skipped (%s reads not supported)%n",
                            s.name(), system, s.workload().readMode());
                    results.add(ScenarioResult.skipped(
                            s, system + " has no " + s.workload().readMode() + " read"));
                    continue;
                }
                Workload workload = new Workload(s.workload());
                if (s.workload().reads() && !preloaded) {
                    long t0 = System.nanoTime();
                    long keys = Preloader.preload(target, workload, PRELOAD_WRITERS, PRELOAD_TIMEOUT);
                    out.printf("%s: preloaded %d keys in %.1f s%n", system, keys, (System.nanoTime() - t0) / 1e9);
                    preloaded = true;
                }
                String label = s.name() + " " + system;
                ServerCpuProbe cpu = ServerCpuProbe.schedule(
                        serverCpuNanos,
                        serverRssBytes,
                        metrics,
                        s.load().warmup(),
                        s.load().duration());
                Measured m;
                try (CpuNeighbour neighbour = CpuNeighbour.start(
                        s.cpuNeighbours(),
                        s.load().warmup().plus(s.load().duration()).plus(Duration.ofSeconds(30)))) {
                    m = new LoadRunner(target, workload, s.load(), p -> {
                                if (progress) {
                                    out.println(p.line(label));
                                }
                            })
                            .run();
                } finally {
                    cpu.close();
                }
                Double cpuPerOp = cpu.microsPerOp(m.successes());
                Double rss = cpu.maxRssMiB();
                ClusterMetrics.Window steady = cpu.steadiness();
                out.println(summary(label, m)
                        + (cpuPerOp == null
                                ? ""
                                : String.format(Locale.ROOT, "  (servers used %.0f µs CPU per operation)", cpuPerOp))
                        + (rss == null ? "" : String.format(Locale.ROOT, "  (largest member RSS %.0f MiB)", rss))
                        + (steady.leaderChanges() == null
                                ? ""
                                : "  (leader changes " + steady.leaderChanges() + ", slowest persist ≤ "
                                        + steady.slowestPersistMs() + " ms)")
                        + "  (load average " + cpu.loadAverage() + ")");
                results.add(ScenarioResult.of(s, m, cpuPerOp, rss, steady, cpu.loadAverage()));
            }
        }
        return new SystemResults(
                system,
                server,
                description == null ? system : description,
                startedAt,
                Machine.describe(),
                seed,
                results);
    }

    /** e.g. {@code put-1c etcd  1,030 op/s  p50 0.9  p90 ...  errors {}}. */
    public static String summary(String label, Measured m) {
        LatencySummary l = m.latency();
        return String.format(
                        Locale.ROOT,
                        "%-28s => %,10.0f op/s  p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f ms  errors %s"
                                + "  (bench client used %.0f%% of the CPUs)%s",
                        label,
                        m.throughput(),
                        l.p50Ms(),
                        l.p90Ms(),
                        l.p99Ms(),
                        l.p999Ms(),
                        l.maxMs(),
                        m.errors(),
                        m.clientCpuShare() * 100,
                        m.warmupErrors().isEmpty() ? "" : "  (warm-up errors " + m.warmupErrors() + ")")
                + (m.errorSamples().isEmpty() ? "" : "\n    first error per code: " + m.errorSamples());
    }
}
