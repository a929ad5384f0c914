package io.raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;

class ProgressTrackerTest {

    @Test
    void restoreReplacesEverythingAndStartsProbingAfterLastIndex() {
        ProgressTracker t = new ProgressTracker(4);
        t.restore(new ConfState(Set.of(1L, 2L), Set.of(3L)), 10);
        t.recordVote(1, true);
        t.restore(new ConfState(Set.of(4L, 5L, 6L), Set.of(7L)), 20);
        assertThat(t.confState()).isEqualTo(new ConfState(Set.of(4L, 5L, 6L), Set.of(7L)));
        assertThat(t.allProgress()).containsOnlyKeys(4L, 5L, 6L, 7L);
        assertThat(t.progress(4).next).isEqualTo(21);
        assertThat(t.progress(4).match).isZero();
        assertThat(t.progress(7).learner).isTrue();
        assertThat(t.progress(7).next).isEqualTo(21);
        assertThat(t.progress(4).inflights.capacity()).isEqualTo(4);
        assertThat(t.tallyVotes()).as("old votes are gone").isEqualTo(MajorityQuorum.VoteResult.PENDING);
        t.recordVote(4, true);
        t.recordVote(4, false); // only the first vote of a member counts
        t.recordVote(5, true);
        assertThat(t.tallyVotes()).isEqualTo(MajorityQuorum.VoteResult.WON);
    }

    @Test
    void singleStepChangesKeepProgressConsistent() {
        ProgressTracker t = new ProgressTracker(2);
        t.restore(ConfState.ofVoters(1L, 2L), 5);
        t.progress(2).match = 4;
        t.apply(new ConfChange(ConfChangeType.ADD_LEARNER, 3, null), 9);
        assertThat(t.progress(3).learner).isTrue();
        assertThat(t.progress(3).next).isEqualTo(10);
        t.progress(3).match = 7;
        t.apply(new ConfChange(ConfChangeType.ADD_VOTER, 3, null), 12);
        assertThat(t.progress(3).learner).isFalse();
        assertThat(t.progress(3).match).as("promotion keeps progress").isEqualTo(7);
        assertThat(t.confState()).isEqualTo(ConfState.ofVoters(1L, 2L, 3L));
        t.apply(new ConfChange(ConfChangeType.ADD_LEARNER, 2, null), 12);
        assertThat(t.progress(2).learner).isTrue();
        assertThat(t.progress(2).match).isEqualTo(4);
        assertThat(t.confState()).isEqualTo(new ConfState(Set.of(1L, 3L), Set.of(2L)));
        t.apply(new ConfChange(ConfChangeType.ADD_VOTER, 8, null), 12);
        assertThat(t.progress(8).next).isEqualTo(13);
        assertThat(t.progress(8).learner).isFalse();
        t.apply(new ConfChange(ConfChangeType.REMOVE, 2, null), 12);
        assertThat(t.progress(2)).isNull();
        assertThat(t.isVoter(2)).isFalse();
        assertThat(t.confState()).isEqualTo(ConfState.ofVoters(1L, 3L, 8L));
    }

    @Test
    void committedAndQuorumActiveUseVotersOnly() {
        ProgressTracker t = new ProgressTracker(2);
        t.restore(new ConfState(Set.of(1L, 2L, 3L), Set.of(4L)), 0);
        t.progress(1).match = 9;
        t.progress(2).match = 5;
        t.progress(4).match = 100;
        assertThat(t.committed()).isEqualTo(5);
        assertThat(t.quorumActive(1)).isFalse();
        t.progress(4).recentActive = true;
        assertThat(t.quorumActive(1)).as("a learner does not make a quorum").isFalse();
        t.progress(3).recentActive = true;
        assertThat(t.quorumActive(1)).isTrue();
        assertThat(t.isSingleVoter(1)).isFalse();
        t.restore(new ConfState(Set.of(1L), Set.of(4L)), 0);
        assertThat(t.isSingleVoter(1)).isTrue();
        assertThat(t.isSingleVoter(4)).isFalse();
    }

    @Test
    void simulateReportsTheResultingConfigurationWithoutChangingIt() {
        ProgressTracker t = new ProgressTracker(2);
        t.restore(ConfState.ofVoters(1L, 2L), 0);
        assertThat(t.simulate(new ConfChange(ConfChangeType.ADD_LEARNER, 2, null)))
                .isEqualTo(new ConfState(Set.of(1L), Set.of(2L)));
        assertThat(t.confState()).isEqualTo(ConfState.ofVoters(1L, 2L));
        t.apply(new ConfChange(ConfChangeType.REMOVE, 2, null), 0);
        assertThatThrownBy(() -> t.simulate(new ConfChange(ConfChangeType.REMOVE, 1, null)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no voters");
    }
}
