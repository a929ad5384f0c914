package io.raftkv.raft.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * A long simulation campaign ({@code make sim SEEDS=N}): runs only when
 * {@code -Dsim.campaign.seeds=N} is set, starting at {@code -Dsim.campaign.firstSeed} (default
 * 1,000,000, past the seeds of the normal suite), and prints a summary line. Any failure names its
 * seed and the command that replays it.
 */
@EnabledIfSystemProperty(named = "sim.campaign.seeds", matches = "\\d+")
class SimulationCampaign {

    @Test
    void campaign() {
        long seeds = Long.getLong("sim.campaign.seeds");
        long first = Long.getLong("sim.campaign.firstSeed", 1_000_000L);
        int faultTicks = Integer.getInteger("sim.faultTicks", Simulation.DEFAULT_FAULT_TICKS);
        SimulationRunner.Outcome o = SimulationRunner.run(first, seeds, faultTicks, SimulationRunner.threads(4));
        System.out.println("campaign seeds " + first + ".." + (first + seeds - 1) + ": " + o.summary());
        for (String f : o.failures()) {
            System.out.println(f);
        }
        assertThat(o.failures())
                .as("%d of %d seeds failed", o.stats().failures, seeds)
                .isEmpty();
    }
}
