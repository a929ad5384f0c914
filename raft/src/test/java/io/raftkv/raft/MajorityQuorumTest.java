package io.raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MajorityQuorumTest {
    @Test
    void committedIndexIsTheMajorityMatch() {
        Map<Long, Long> match = Map.of(1L, 5L, 2L, 3L, 3L, 9L);
        assertThat(MajorityQuorum.committedIndex(Set.of(1L, 2L, 3L), match::get))
                .isEqualTo(5);
        Map<Long, Long> five = Map.of(1L, 1L, 2L, 2L, 3L, 3L, 4L, 4L, 5L, 5L);
        assertThat(MajorityQuorum.committedIndex(five.keySet(), five::get)).isEqualTo(3);
        Map<Long, Long> four = Map.of(1L, 10L, 2L, 7L, 3L, 8L, 4L, 1L);
        // 4 voters need 3: the third highest is 7.
        assertThat(MajorityQuorum.committedIndex(four.keySet(), four::get)).isEqualTo(7);
        assertThat(MajorityQuorum.committedIndex(Set.of(1L), id -> 4L)).isEqualTo(4);
        assertThat(MajorityQuorum.committedIndex(Set.of(), id -> 4L)).isZero();
    }

    @Test
    void voteResultCountsOnlyVoters() {
        Set<Long> voters = Set.of(1L, 2L, 3L);
        assertThat(MajorityQuorum.voteResult(voters, Map.of(1L, true))).isEqualTo(MajorityQuorum.VoteResult.PENDING);
        assertThat(MajorityQuorum.voteResult(voters, Map.of(1L, true, 2L, true)))
                .isEqualTo(MajorityQuorum.VoteResult.WON);
        assertThat(MajorityQuorum.voteResult(voters, Map.of(1L, true, 2L, false)))
                .isEqualTo(MajorityQuorum.VoteResult.PENDING);
        assertThat(MajorityQuorum.voteResult(voters, Map.of(1L, true, 2L, false, 3L, false)))
                .isEqualTo(MajorityQuorum.VoteResult.LOST);
        assertThat(MajorityQuorum.voteResult(voters, Map.of(2L, false, 3L, false)))
                .isEqualTo(MajorityQuorum.VoteResult.LOST);
        // Votes of non-voters (learners) never count.
        assertThat(MajorityQuorum.voteResult(voters, Map.of(1L, true, 7L, true, 8L, true)))
                .isEqualTo(MajorityQuorum.VoteResult.PENDING);
        assertThat(MajorityQuorum.voteResult(Set.of(), Map.of(1L, true))).isEqualTo(MajorityQuorum.VoteResult.LOST);
        assertThat(MajorityQuorum.voteResult(Set.of(1L), Map.of(1L, true))).isEqualTo(MajorityQuorum.VoteResult.WON);
        assertThat(MajorityQuorum.quorumSize(4)).isEqualTo(3);
        assertThat(MajorityQuorum.quorumSize(5)).isEqualTo(3);
    }
}
