package io.raftkv.bench.jmh;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The JMH harness must really commit what it proposes, or the benchmark measures nothing. */
class InMemoryRaftGroupTest {
    @Test
    void proposalsCommitAndStorageStaysCompacted() {
        InMemoryRaftGroup group = InMemoryRaftGroup.withLeader(3);
        long start = group.leaderApplied();
        byte[] payload = new byte[256];
        long last = 0;
        for (int round = 0; round < 50; round++) {
            for (int i = 0; i < 100; i++) {
                last = group.leader().propose(payload);
            }
            group.stabilize();
            assertThat(group.leaderApplied()).isEqualTo(last);
        }
        assertThat(last - start).isEqualTo(5_000);
    }

    @Test
    void benchmarkMethodRunsAndReturnsTheLastIndex() {
        ProposeCommitBenchmark b = new ProposeCommitBenchmark();
        b.batch = 16;
        b.payloadBytes = 64;
        b.setUp();
        long first = b.proposeAndCommit();
        long second = b.proposeAndCommit();
        assertThat(second - first).isEqualTo(16);
    }
}
