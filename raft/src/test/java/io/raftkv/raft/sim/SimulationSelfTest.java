package io.raftkv.raft.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Shows the simulation as a whole can fail: a driver that breaks the Ready contract on purpose is
 * caught within a bounded number of seeds, with the seed and replay command in the message.
 */
class SimulationSelfTest {
    private static final int MAX_SEEDS = 200;

    private static Simulation.Result firstFailure(Simulation.Options options) {
        for (long seed = 1; seed <= MAX_SEEDS; seed++) {
            Simulation.Result r = Simulation.run(seed, options);
            if (r.failed()) {
                return r;
            }
        }
        return null;
    }

    @Test
    void sendingVotesAndAcknowledgementsBeforeTheWriteIsCaught() {
        Simulation.Result r = firstFailure(new Simulation.Options(
                300, false, SimParams.Bootstrap.AUTO, null, SimParams.DriverBug.SEND_PERSISTED_EARLY));
        assertThat(r).as("a failing seed within %d", MAX_SEEDS).isNotNull();
        System.out.println(
                "SEND_PERSISTED_EARLY caught: " + r.failure().lines().limit(2).toList());
        assertThat(r.failure()).startsWith("seed=" + r.seed() + " replay: ").contains("ReadyContract");
    }

    @Test
    void leaderReadsWithoutReadIndexAreCaughtUnderPartitions() {
        Simulation.Result r = firstFailure(new Simulation.Options(
                600, false, SimParams.Bootstrap.AUTO, FaultProfile.PARTITIONS, SimParams.DriverBug.LOCAL_LEADER_READS));
        assertThat(r).as("a failing seed within %d", MAX_SEEDS).isNotNull();
        System.out.println(
                "LOCAL_LEADER_READS caught: " + r.failure().lines().limit(2).toList());
        assertThat(r.failure()).startsWith("seed=" + r.seed() + " replay: ").contains("LinearizableRead");
    }
}
