package io.raftkv.chaos.run;

import io.raftkv.chaos.workload.WorkloadOptions;
import io.raftkv.e2e.faults.Fault;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * One chaos run (one history): a fresh cluster of {@code nodes}, the workload, one fault kind on
 * the schedule, then the checks.
 *
 * @param faultName name for reports (the fault's {@link Fault#name()})
 * @param fault     makes the fault instance (a fault remembers what it did between inject and heal)
 * @param nodes     cluster size
 * @param seed      seeds every random choice of the run: faults, proxies, clients; printed, replayable
 *                  (thread scheduling and timing still vary between runs)
 * @param schedule  when the fault goes on and off
 * @param workload  the clients
 * @param minOps    a run with fewer workload operations fails (the gate asks for ≥ 6,000 per history)
 * @param nodeJar   the node's runnable jar
 * @param dir       this run's directory (created; must not exist yet)
 * @param keepData  keep the nodes' data directories even if the run passes (logs and history are always kept)
 */
public record RunSpec(
        String faultName,
        Supplier<Fault> fault,
        int nodes,
        long seed,
        FaultSchedule schedule,
        WorkloadOptions workload,
        long minOps,
        Path nodeJar,
        Path dir,
        boolean keepData) {

    public RunSpec {
        Objects.requireNonNull(faultName, "faultName");
        Objects.requireNonNull(fault, "fault");
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(workload, "workload");
        Objects.requireNonNull(nodeJar, "nodeJar");
        Objects.requireNonNull(dir, "dir");
        if (nodes < 3) {
            throw new IllegalArgumentException(
                    "chaos runs need at least 3 nodes (a quorum survives one fault), got " + nodes);
        }
        if (minOps < 0) {
            throw new IllegalArgumentException("minOps must be >= 0, got " + minOps);
        }
    }
}
