package io.raftkv.chaos;

import io.raftkv.api.v1.ReadConsistency;
import io.raftkv.chaos.cluster.CaRotation;
import io.raftkv.chaos.cluster.ClusterOptions;
import io.raftkv.chaos.workload.WorkloadOptions;
import io.raftkv.e2e.faults.Fault;
import io.raftkv.e2e.faults.Faults;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.function.Supplier;

/** What the process-level chaos tests share: the node jar, run directories, seeds, faults by name. */
final class ChaosTestSupport {
    private ChaosTestSupport() {}

    static Path nodeJar() {
        return ClusterOptions.nodeJarFromSystemProperty();
    }

    /** A fresh directory {@code <chaos.dir>/<name>-<timestamp>} (system property {@code chaos.dir}, else target/chaos). */
    static Path campaignDir(String name) {
        Path root = Path.of(System.getProperty("chaos.dir", "target/chaos"))
                .toAbsolutePath()
                .normalize();
        return root.resolve(name + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    }

    /**
     * The campaign's base seed: {@code -Dchaos.seed=N} replays a campaign, otherwise a fresh one
     * (printed, so a failure can be replayed).
     */
    static long baseSeed(String what) {
        String given = System.getProperty("chaos.seed", "");
        long seed = given.isBlank() ? System.nanoTime() : Long.parseLong(given.trim());
        System.out.println(what + ": base seed " + seed + " (replay with -Dchaos.seed=" + seed + ")");
        return seed;
    }

    /** A supplier of fresh instances of the fault kind {@code name} (one of {@link #allFaults()}). */
    static Supplier<Fault> fault(String name) {
        allFaults().stream()
                .filter(f -> f.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(
                        "unknown fault kind '" + name + "'; kinds are " + names(allFaults())));
        return () -> allFaults().stream()
                .filter(f -> f.name().equals(name))
                .findFirst()
                .orElseThrow();
    }

    /**
     * Every fault kind: the shared ones ({@link Faults#all()}) and the process cluster's own,
     * {@link CaRotation} ({@code rotate-ca}, which runs its cluster with TLS on whatever
     * {@code chaos.tls} says).
     */
    static List<Fault> allFaults() {
        List<Fault> all = new java.util.ArrayList<>(Faults.all());
        all.add(new CaRotation());
        return all;
    }

    /** The gate's kinds: {@link Faults#gate()} and {@code rotate-ca}. */
    static List<Fault> gateFaults() {
        List<Fault> gate = new java.util.ArrayList<>(Faults.gate());
        gate.add(new CaRotation());
        return gate;
    }

    /** Fault kinds named in {@code -Dchaos.faults} (comma-separated), or empty for "all". */
    static List<String> selectedFaults() {
        String given = System.getProperty("chaos.faults", "").trim();
        if (given.isEmpty()) {
            return List.of();
        }
        List<String> names = java.util.Arrays.stream(given.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
        names.forEach(ChaosTestSupport::fault); // rejects unknown names with the list of kinds
        return names;
    }

    /**
     * The workload: {@link WorkloadOptions#defaults()}, with the gets' consistency from
     * {@code -Dchaos.reads} ({@code LINEARIZABLE}, the default, or {@code LEASE}: the leader answers
     * from its lease; the checker holds them to linearizability all the same). Reads go to the leader.
     */
    static WorkloadOptions workload() {
        String given = System.getProperty("chaos.reads", "LINEARIZABLE").trim().toUpperCase(java.util.Locale.ROOT);
        ReadConsistency reads = switch (given) {
            case "LINEARIZABLE" -> ReadConsistency.LINEARIZABLE;
            case "LEASE" -> ReadConsistency.LEASE;
            default ->
                throw new IllegalArgumentException("-Dchaos.reads must be LINEARIZABLE or LEASE, got '" + given
                        + "' (SERIALIZABLE reads are not linearizable: StaleReadDetectionTest covers them)");
        };
        if (reads != ReadConsistency.LINEARIZABLE) {
            System.out.println("chaos: gets use " + reads + " reads (-Dchaos.reads)");
        }
        return WorkloadOptions.defaults().withReads(reads, false);
    }

    static List<String> names(List<Fault> faults) {
        return faults.stream().map(Fault::name).toList();
    }
}
