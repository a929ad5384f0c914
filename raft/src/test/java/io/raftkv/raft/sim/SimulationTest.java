package io.raftkv.raft.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The deterministic simulation of the Raft core, as part of the normal test suite: at least 10,000
 * seeds across cluster sizes 3/5/7 and all fault profiles, every checker after every step.
 *
 * <p>{@code -Dsim.seed=N} replays one seed alone with a trace of its last events;
 * {@code -Dsim.seeds=N} changes how many seeds run (mutation testing runs fewer), and
 * {@code -Dsim.threads=N} on how many threads (default: up to 2, one per core).
 */
class SimulationTest {
    private static final long FIRST_SEED = 1;

    @Test
    void manySeedsKeepEverySafetyAndLivenessProperty() {
        String single = System.getProperty("sim.seed");
        if (single != null && !single.isBlank()) {
            Simulation.Result r = Simulation.run(Long.parseLong(single.trim()), faultTicks(), true);
            System.out.println(r.stats().summary());
            assertThat(r.failure()).as("seed %s", single).isNull();
            return;
        }
        long seeds = Long.getLong("sim.seeds", 10_000L);
        SimulationRunner.Outcome o = SimulationRunner.run(FIRST_SEED, seeds, faultTicks(),
                SimulationRunner.threads(Integer.getInteger("sim.threads", 2)));
        System.out.println(o.summary());
        assertThat(o.failures()).as("%d of %d seeds failed; first failures below", o.stats().failures, seeds)
                .isEmpty();
        assertThat(o.stats().seeds).isEqualTo(seeds);
    }

    @Test
    void aSeedReplaysExactly() {
        Simulation.Result a = Simulation.run(42, 300, false);
        Simulation.Result b = Simulation.run(42, 300, false);
        assertThat(a.failure()).isNull();
        assertThat(b.stats().summary()).isEqualTo(a.stats().summary());
        assertThat(a.stats().steps).isPositive();
    }

    private static int faultTicks() {
        return Integer.getInteger("sim.faultTicks", Simulation.DEFAULT_FAULT_TICKS);
    }
}
