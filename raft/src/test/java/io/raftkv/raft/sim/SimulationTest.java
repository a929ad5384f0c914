package io.raftkv.raft.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The deterministic simulation of the Raft core, as part of the normal test suite: the same 10,000
 * seeds every run plus a window of 2,000 fresh ones, across cluster sizes 3/5/7 and all fault
 * profiles, every checker after every step.
 *
 * <p>{@code -Dsim.seed=N} replays one seed alone with a trace of its last events;
 * {@code -Dsim.seeds=N} changes how many seeds run (mutation testing runs fewer), and
 * {@code -Dsim.threads=N} on how many threads (default: up to 2, one per core).
 */
class SimulationTest {
    private static final long FIRST_SEED = 1;
    private static final long FRESH_SEEDS = 2_000;

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
        SimulationRunner.Outcome o = SimulationRunner.run(
                FIRST_SEED, seeds, faultTicks(), SimulationRunner.threads(Integer.getInteger("sim.threads", 2)));
        System.out.println(o.summary());
        assertThat(o.failures())
                .as("%d of %d seeds failed; first failures below", o.stats().failures, seeds)
                .isEmpty();
        assertThat(o.stats().seeds).isEqualTo(seeds);
        if (seeds >= 1_000) {
            // The schedules the suite exists for keep occurring: the loop's deferred commit and apply
            // back-pressure, restarts ahead of the stored commit, and every operator membership action
            // with the membership liveness drills after it.
            for (String event : new String[] {
                "commit_only_writes_deferred",
                "loop_waits_for_apply",
                "restarts_ahead_of_stored_commit",
                "membership_scale_in",
                "membership_remove_leader",
                "membership_replace_done",
                "membership_replace_remove_leader",
                "membership_drill_transfers",
                "membership_drill_elections"
            }) {
                assertThat(o.stats().events(event))
                        .as("runs with event %s", event)
                        .isPositive();
            }
        }
    }

    /**
     * A window of fresh seeds every run, so that the suite does not only re-prove the same 10,000:
     * {@value #FRESH_SEEDS} seeds (or {@code -Dsim.fresh.seeds=N}) starting at a point derived from
     * {@code -Dsim.fresh.key} ({@code make test} passes the UTC date and the commit; without it, the
     * UTC date). The window is printed, and {@code -Dsim.fresh.firstSeed=N} runs it again.
     */
    @Test
    void aFreshSeedWindowKeepsEveryProperty() {
        if (System.getProperty("sim.seed") != null
                && !System.getProperty("sim.seed").isBlank()) {
            return;
        }
        long seeds = Long.getLong("sim.fresh.seeds", FRESH_SEEDS);
        if (seeds <= 0) {
            return;
        }
        String key = System.getProperty("sim.fresh.key", "");
        if (key.isBlank()) {
            key = java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString();
        }
        long first = Long.getLong("sim.fresh.firstSeed", freshFirstSeed(key));
        String window = "fresh simulation window: seeds " + first + ".." + (first + seeds - 1) + " (key " + key
                + "; rerun the window: mvn -B -pl raft test -Dtest=SimulationTest#aFreshSeedWindowKeepsEveryProperty"
                + " -Dsim.fresh.firstSeed=" + first + ")";
        System.out.println(window);
        SimulationRunner.Outcome o = SimulationRunner.run(
                first, seeds, faultTicks(), SimulationRunner.threads(Integer.getInteger("sim.threads", 2)));
        System.out.println(window + ": " + o.summary());
        o.failures().forEach(System.out::println);
        assertThat(o.failures())
                .as("%s: %d of %d seeds failed; first failures below", window, o.stats().failures, seeds)
                .isEmpty();
        assertThat(o.stats().seeds).isEqualTo(seeds);
    }

    /**
     * First seed of the window for {@code key}: above the fixed suite and the campaign's default
     * range, spread over [10^9, 10^9 + 2^40) so that different keys rarely overlap.
     */
    static long freshFirstSeed(String key) {
        long h = 1125899906842597L;
        for (int i = 0; i < key.length(); i++) {
            h = 31 * h + key.charAt(i);
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return 1_000_000_000L + ((h >>> 1) % (1L << 40));
    }

    /**
     * Seeds that once failed, each with what it found; they run every time (the rule each one broke
     * also has a unit test in the core). Seeds replay one simulator version: when the simulator
     * draws differently, a seed here keeps running but may no longer build the same schedule.
     */
    @Test
    void seedsThatOnceFailedPass() {
        long[] seeds = {
            917012590L, // a stale-term vote request went unanswered (ElectionTest, staleTermVote…)
            3000003735L, // a conf change applied after a newer snapshot rolled the configuration back
            3000011598L, // the same, found by the membership liveness property
            4000157574L, // a rejected higher-term vote restarted the election timer (ElectionTest, aRejectedVote…)
            4000155489L, // the same pattern, seen with a narrower fix of it (pre-vote off, a stale voter
            // out-campaigning)
        };
        for (long seed : seeds) {
            Simulation.Result r = Simulation.run(seed, faultTicks(), false);
            assertThat(r.failure()).as("seed %d", seed).isNull();
        }
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
