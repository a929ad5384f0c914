package io.raftkv.node.corruption;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which member the corruption check blames, from the hashes that answered. */
class CorruptionJudgeTest {
    private static Map<Long, Long> hashes(long... idAndHash) {
        Map<Long, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < idAndHash.length; i += 2) {
            m.put(idAndHash[i], idAndHash[i + 1]);
        }
        return m;
    }

    @Test
    void equalHashesBlameNobody() {
        assertThat(CorruptionCheck.judge(1, hashes(1, 7, 2, 7, 3, 7))).isEmpty();
        assertThat(CorruptionCheck.judge(1, hashes(1, 7))).isEmpty();
    }

    @Test
    void theMinorityIsCorruptWhoeverLeads() {
        assertThat(CorruptionCheck.judge(1, hashes(1, 7, 2, 7, 3, 9))).containsExactly(3L);
        assertThat(CorruptionCheck.judge(1, hashes(1, 9, 2, 7, 3, 7))).containsExactly(1L);
        assertThat(CorruptionCheck.judge(2, hashes(1, 7, 2, 7, 3, 9, 4, 7, 5, 8)))
                .containsExactly(3L, 5L);
    }

    @Test
    void aTieIsDecidedForTheLeader() {
        // Member 3 did not answer: 1 and 2 disagree, nobody holds a majority; etcd trusts the leader.
        assertThat(CorruptionCheck.judge(1, hashes(1, 7, 2, 9))).containsExactly(2L);
        assertThat(CorruptionCheck.judge(2, hashes(1, 7, 2, 9))).containsExactly(1L);
        assertThat(CorruptionCheck.judge(1, hashes(1, 7, 2, 9, 3, 5))).containsExactly(2L, 3L);
    }
}
