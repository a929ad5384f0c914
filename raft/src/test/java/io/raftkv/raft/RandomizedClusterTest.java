package io.raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded random runs of a 5-node cluster (drops, partitions, restarts, compaction, transfers,
 * reads) checking Election Safety, State Machine Safety and monotonic commit after every round.
 * The in-depth simulator lives in the {@code sim} package; this is the core's own smoke net.
 * Replay one seed with {@code -Dsurefire.argLine=-Draft.randomized.seed=N}; run more seeds with
 * {@code -Draft.randomized.seeds=N} the same way.
 */
class RandomizedClusterTest {
    private static final int SEEDS = 40;
    private static final int ROUNDS = 250;

    @Test
    void safetyHoldsUnderRandomFaults() {
        String fixed = System.getProperty("raft.randomized.seed");
        if (fixed != null) {
            run(Long.parseLong(fixed));
            return;
        }
        long seeds = Long.getLong("raft.randomized.seeds", SEEDS);
        for (long seed = 0; seed < seeds; seed++) {
            run(seed);
        }
    }

    private static void run(long seed) {
        try {
            runUnchecked(seed);
        } catch (Throwable t) {
            throw new AssertionError(
                    "randomized seed " + seed + " failed (replay with -Draft.randomized.seed=" + seed + "): " + t, t);
        }
    }

    private static void runUnchecked(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        TestNetwork net = TestNetwork.voters(
                5,
                b -> b.preVote(true)
                        .checkQuorum(true)
                        .randomSeed(b.build().id() * 31 + seed)
                        .maxInflightMsgs(4)
                        .maxSizePerMsgBytes(200));
        double dropRate = rnd.nextDouble() * 0.2;
        net.dropIf(m -> rnd.nextDouble() < dropRate);
        Map<Long, Long> leaderOfTerm = new HashMap<>();
        Map<Long, Long> lastCommit = new HashMap<>();
        int proposals = 0;
        for (int round = 0; round < ROUNDS; round++) {
            int action = rnd.nextInt(100);
            long id = 1 + rnd.nextInt(5);
            if (action < 5) {
                net.heal();
                net.dropIf(m -> rnd.nextDouble() < dropRate);
                net.isolate(id);
            } else if (action < 10) {
                net.heal();
                net.dropIf(m -> rnd.nextDouble() < dropRate);
            } else if (action < 13) {
                net.restart(id);
                lastCommit.remove(id);
            } else if (action < 16 && net.lastApplied(id) > net.storages.get(id).firstIndex()) {
                net.compact(id);
            } else if (action < 18 && net.leader() != Raft.NONE) {
                try {
                    net.node(net.leader()).transferLeadership(id);
                } catch (ProposalDroppedException e) {
                    // not a voter / transfer refused: fine
                }
            } else if (action < 25) {
                try {
                    net.node(id).readIndex(("r" + round).getBytes());
                } catch (ProposalDroppedException e) {
                    // no leader or not committed in term yet
                }
            } else if (action < 60) {
                long l = net.leader();
                if (l != Raft.NONE) {
                    try {
                        net.node(l).propose(("s" + seed + "p" + proposals++).getBytes());
                    } catch (ProposalDroppedException e) {
                        // transfer in progress or limit
                    }
                }
            }
            for (RawNode n : net.nodes.values()) {
                n.tick();
            }
            net.stabilize();
            check(net, leaderOfTerm, lastCommit);
        }
        // Liveness after healing: a leader emerges and a new proposal commits everywhere.
        net.heal();
        net.tickAll(60);
        long l = net.leader();
        assertThat(l).as("leader after heal").isNotZero();
        net.proposeAndCommit(l, "final");
        net.tickAll(5);
        for (long id : net.nodes.keySet()) {
            List<String> data = net.appliedData(id);
            if (net.storages.get(id).snapshot().isEmpty() || !data.isEmpty()) {
                assertThat(data).as("node %d", id).contains("final");
            }
        }
    }

    private static void check(TestNetwork net, Map<Long, Long> leaderOfTerm, Map<Long, Long> lastCommit) {
        for (Map.Entry<Long, RawNode> e : net.nodes.entrySet()) {
            Status s = e.getValue().status();
            if (s.softState().state() == StateType.LEADER) {
                Long prev = leaderOfTerm.putIfAbsent(s.hardState().term(), e.getKey());
                assertThat(prev == null || prev.equals(e.getKey()))
                        .as(
                                "election safety: term %d has leaders %s and %d",
                                s.hardState().term(), prev, e.getKey())
                        .isTrue();
            }
            long commit = s.hardState().commit();
            Long before = lastCommit.put(e.getKey(), commit);
            assertThat(before == null || before <= commit)
                    .as("commit of %d went back from %s to %d", e.getKey(), before, commit)
                    .isTrue();
        }
        // State machine safety: no two nodes applied different entries at one index.
        Map<Long, Entry> byIndex = new HashMap<>();
        for (Map.Entry<Long, List<Entry>> e : net.applied.entrySet()) {
            for (Entry en : e.getValue()) {
                if (new String(en.data()).startsWith("snap@")) {
                    continue;
                }
                Entry other = byIndex.putIfAbsent(en.index(), en);
                assertThat(other == null || other.equals(en))
                        .as("state machine safety at index %d: %s vs %s (node %d)", en.index(), other, en, e.getKey())
                        .isTrue();
            }
        }
    }
}
