package io.raftkv.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.testkit.LeaderAgreement.View;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LeaderAgreementTest {
    private static final Set<Long> VOTERS = Set.of(1L, 2L, 3L);

    private static View leader(long id, long term) {
        return new View(id, true, id, term, false, VOTERS);
    }

    private static View follower(long id, long leader, long term) {
        return new View(id, false, leader, term, false, VOTERS);
    }

    @Test
    void aQuorumVouchesForTheHighestTermLeaderOnly() {
        assertThat(LeaderAgreement.byQuorum(List.of(leader(1, 5), follower(2, 1, 5))))
                .isEqualTo(OptionalLong.of(1));
        // An isolated old leader still believes it leads; the new one has a quorum.
        assertThat(LeaderAgreement.byQuorum(List.of(leader(1, 5), leader(2, 6), follower(3, 2, 6))))
                .isEqualTo(OptionalLong.of(2));
        // A leader nobody else has heard of yet.
        assertThat(LeaderAgreement.byQuorum(List.of(leader(2, 6), follower(3, 1, 5))))
                .isEmpty();
        // A learner does not count towards the quorum.
        assertThat(LeaderAgreement.byQuorum(List.of(leader(1, 5), new View(4, false, 1, 5, true, VOTERS))))
                .isEmpty();
    }

    @Test
    void allRunningMembersMustHaveSettled() {
        assertThat(LeaderAgreement.byAll(List.of(
                        Optional.of(leader(1, 5)), Optional.of(follower(2, 1, 5)), Optional.of(follower(3, 1, 5)))))
                .isEqualTo(OptionalLong.of(1));
        assertThat(LeaderAgreement.byAll(
                        List.of(Optional.of(leader(1, 5)), Optional.of(follower(2, 1, 5)), Optional.empty())))
                .isEmpty();
        assertThat(LeaderAgreement.byAll(List.of(Optional.of(leader(1, 5)), Optional.of(follower(2, 1, 4)))))
                .isEmpty();
        assertThat(LeaderAgreement.byAll(List.of(Optional.of(leader(1, 5)), Optional.of(leader(2, 6)))))
                .isEmpty();
        // A running node outside the membership (a joiner not added yet) is not asked to agree.
        assertThat(LeaderAgreement.byAll(
                        List.of(Optional.of(leader(1, 5)), Optional.of(new View(9, false, 0, 0, false, Set.of())))))
                .isEqualTo(OptionalLong.of(1));
    }

    @Test
    void pollReturnsTheFirstValueAndFailsNamingWhatItWaitedFor() {
        int[] calls = {0};
        assertThat(Poll.until(
                        "three calls",
                        java.time.Duration.ofSeconds(5),
                        java.time.Duration.ofMillis(1),
                        () -> ++calls[0] == 3 ? Optional.of("done") : Optional.empty()))
                .isEqualTo("done");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Poll.until(
                        "nothing", java.time.Duration.ofMillis(30), java.time.Duration.ofMillis(5), Optional::empty))
                .isInstanceOf(Poll.TimedOut.class)
                .hasMessage("timed out after PT0.03S waiting for nothing");
    }
}
