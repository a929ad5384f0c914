package io.raftkv.chaos.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.chaos.run.LockChecker.Hold;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The lock checker accepts back-to-back critical sections and catches overlaps and reused tokens. */
class LockCheckerTest {
    @Test
    void backToBackHoldsPass() {
        assertThat(LockChecker.check(List.of(
                                new Hold("b", 20, 100, 200), new Hold("a", 10, 0, 100), new Hold("c", 30, 250, 300)))
                        .passed())
                .isTrue();
    }

    @Test
    void anOverlapIsReported() {
        LockChecker.Result r = LockChecker.check(List.of(new Hold("a", 10, 0, 100), new Hold("b", 20, 99, 200)));
        assertThat(r.violations()).singleElement().asString().contains("b (token 20) began 0.000 ms before a");
    }

    @Test
    void aHoldThatStartedBeforeAnOlderTokenEndedIsAnOverlapEvenWhenFoundOutOfOrder() {
        // The later token began first: tokens must increase with the order holds began.
        LockChecker.Result r = LockChecker.check(List.of(new Hold("late", 20, 0, 10), new Hold("early", 10, 5, 50)));
        assertThat(r.passed()).isFalse();
    }

    @Test
    void aReusedTokenIsReported() {
        assertThat(LockChecker.check(List.of(new Hold("a", 10, 0, 1), new Hold("b", 10, 5, 6)))
                        .violations())
                .singleElement()
                .asString()
                .startsWith("two holds with fencing token 10");
    }

    @Test
    void anAbandonedHoldMustBeTakenOverAfterItsLeaseEnded() {
        LockChecker.Result taken = LockChecker.check(
                List.of(new Hold("a", 10, 0, 2_000_000_000L, true), new Hold("b", 20, 2_500_000_000L, 2_600_000_000L)),
                60_000_000_000L);
        assertThat(taken.passed()).isTrue();
        assertThat(taken.abandoned()).isEqualTo(1);
        assertThat(taken.takeoverMs()).containsExactly(500.0);

        LockChecker.Result stuck =
                LockChecker.check(List.of(new Hold("a", 10, 0, 2_000_000_000L, true)), 60_000_000_000L);
        assertThat(stuck.violations()).singleElement().asString().contains("abandoned the lock and nobody held it");
        assertThat(LockChecker.check(List.of(new Hold("a", 10, 0, 2_000_000_000L, true)), 3_000_000_000L)
                        .passed())
                .as("the run stopped too soon after the abandoned lease's end to require a takeover")
                .isTrue();
    }

    @Test
    void aHoldTakenBeforeTheAbandonedLeaseEndedIsAnOverlap() {
        assertThat(LockChecker.check(
                                List.of(
                                        new Hold("a", 10, 0, 2_000_000_000L, true),
                                        new Hold("b", 20, 1_000_000_000L, 1_100_000_000L)),
                                60_000_000_000L)
                        .passed())
                .isFalse();
    }
}
