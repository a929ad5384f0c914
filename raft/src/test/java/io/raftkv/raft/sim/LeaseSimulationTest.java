package io.raftkv.raft.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Leader leases under skewed clocks, in the partition profile (a partitioned leader keeps its lease
 * while the majority elects a new leader and commits): within the drift bound no read is stale;
 * beyond it the read checker catches stale reads — the same seeds, only the bound differs, which
 * shows the first test could fail.
 */
class LeaseSimulationTest {
    private static final int SEEDS = 100;
    private static final int FAULT_TICKS = 1_200;

    private static List<Simulation.Result> run(SimParams.LeaseMode lease, SimStats total) {
        List<Simulation.Result> failures = new ArrayList<>();
        for (long seed = 1; seed <= SEEDS; seed++) {
            Simulation.Result r = Simulation.run(
                    seed,
                    new Simulation.Options(
                            FAULT_TICKS,
                            false,
                            SimParams.Bootstrap.AUTO,
                            FaultProfile.PARTITIONS,
                            SimParams.DriverBug.NONE,
                            lease));
            total.merge(r.stats());
            if (r.failed()) {
                failures.add(r);
            }
        }
        return failures;
    }

    @Test
    void withinTheDriftBoundNoLeaseReadIsStale() {
        SimStats total = new SimStats();
        List<Simulation.Result> failures = run(SimParams.LeaseMode.WITHIN, total);
        System.out.println("lease WITHIN: " + total.summary());
        failures.stream().limit(3).forEach(r -> System.out.println(r.failure()));
        assertThat(failures).extracting(Simulation.Result::failure).isEmpty();
        assertThat(total.events("reads_lease")).as("reads served from a lease").isPositive();
        assertThat(total.events("reads_lease_fallback"))
                .as("lease reads that fell back to ReadIndex")
                .isPositive();
    }

    @Test
    void beyondTheDriftBoundTheCheckerCatchesStaleLeaseReads() {
        SimStats total = new SimStats();
        List<Simulation.Result> failures = run(SimParams.LeaseMode.BEYOND, total);
        System.out.println("lease BEYOND: " + failures.size() + " of " + SEEDS + " seeds failed; " + total.summary());
        assertThat(failures).as("seeds whose stale lease read was caught").isNotEmpty();
        System.out.println(
                "first: " + failures.get(0).failure().lines().limit(3).toList());
        assertThat(failures)
                .allSatisfy(r -> assertThat(r.failure())
                        .startsWith("seed=" + r.seed() + " replay: ")
                        .contains("-Dsim.profile=PARTITIONS -Dsim.lease=BEYOND")
                        .contains("LinearizableRead"));
    }
}
