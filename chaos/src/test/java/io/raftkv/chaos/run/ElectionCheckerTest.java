package io.raftkv.chaos.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.chaos.run.ElectionChecker.Observation;
import io.raftkv.chaos.run.ElectionChecker.Term;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The election checker accepts one leader per term and catches two leaders of a term and wrong observations. */
class ElectionCheckerTest {
    private static final Term A = new Term("a", 10, "e/1", 0, 100, false, Set.of("a-0", "a-0/p0"));
    private static final Term B = new Term("b", 20, "e/2", 150, 200, false, Set.of("b-0"));

    @Test
    void successiveTermsAndMatchingObservationsPass() {
        var r = ElectionChecker.check(
                List.of(B, A),
                List.of(new Observation(10, "e/1", "a-0/p0"), new Observation(30, "e/3", "c-4")),
                Set.of("c-4"),
                Long.MIN_VALUE);
        assertThat(r.violations()).isEmpty();
        assertThat(r.terms()).isEqualTo(2);
    }

    @Test
    void twoLeadersAtOnceAreReported() {
        Term overlapping = new Term("b", 20, "e/2", 90, 200, false, Set.of("b-0"));
        assertThat(ElectionChecker.check(List.of(A, overlapping), List.of(), Set.of(), Long.MIN_VALUE)
                        .violations())
                .singleElement()
                .asString()
                .contains("b (token 20) began");
    }

    @Test
    void twoWinnersOfOneRevisionAreReported() {
        Term same = new Term("b", 10, "e/2", 150, 200, false, Set.of("b-0"));
        assertThat(ElectionChecker.check(List.of(A, same), List.of(), Set.of(), Long.MIN_VALUE)
                        .violations())
                .anySatisfy(v -> assertThat(v).startsWith("two leaders of term 10"));
    }

    @Test
    void anObservedLeaderThatWasNotElectedOrShowsAnotherValueIsReported() {
        var r = ElectionChecker.check(
                List.of(A),
                List.of(new Observation(10, "e/1", "b-0"), new Observation(30, "e/3", "c-4")),
                Set.of(),
                Long.MIN_VALUE);
        assertThat(r.violations()).hasSize(2);
    }

    @Test
    void anAbandonedLeadershipMustPassOn() {
        Term abandoned = new Term("a", 10, "e/1", 0, 100, true, Set.of("a-0"));
        assertThat(ElectionChecker.check(List.of(abandoned), List.of(), Set.of(), 100 + 31_000_000_000L)
                        .passed())
                .isFalse();
    }
}
