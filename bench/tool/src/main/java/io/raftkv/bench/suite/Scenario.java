package io.raftkv.bench.suite;

import io.raftkv.bench.load.LoadSpec;
import io.raftkv.bench.workload.WorkloadSpec;

/**
 * One named benchmark of a suite: what to ask, how hard, over how many connections.
 *
 * @param name        stable identifier used in JSON (e.g. {@code put-1000c})
 * @param title       human label for tables and charts
 * @param workload    operation mix, keys and values
 * @param load        clients or rate, warm-up and duration
 * @param connections client connections to open
 * @param cpuNeighbours CPU-hungry processes run beside the systems during the scenario (0: none)
 */
public record Scenario(
        String name, String title, WorkloadSpec workload, LoadSpec load, int connections, int cpuNeighbours) {
    public Scenario(String name, String title, WorkloadSpec workload, LoadSpec load, int connections) {
        this(name, title, workload, load, connections, 0);
    }

    public Scenario {
        if (cpuNeighbours < 0) {
            throw new IllegalArgumentException("cpuNeighbours must be ≥ 0, got " + cpuNeighbours);
        }
        if (name == null || !name.matches("[a-z0-9][a-z0-9-]*")) {
            throw new IllegalArgumentException("scenario name must be lowercase letters, digits and dashes: " + name);
        }
        if (connections < 1) {
            throw new IllegalArgumentException("connections must be ≥ 1, got " + connections);
        }
    }
}
