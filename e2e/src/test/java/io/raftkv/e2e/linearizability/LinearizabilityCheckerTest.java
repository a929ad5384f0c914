package io.raftkv.e2e.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.e2e.history.OpKind;
import io.raftkv.e2e.history.Operation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Hand-built histories on one key "k" (times in ns, kept small so each case reads as a timeline).
 * Known-bad ones must be rejected with the right diagnosis; known-good ones accepted.
 */
class LinearizabilityCheckerTest {
    private final LinearizabilityChecker checker = new LinearizabilityChecker();

    static Operation put(int client, String value, long call, long ret) {
        return Operation.put(client, "k", value, call, ret);
    }

    static Operation get(int client, String value, long call, long ret) {
        return Operation.get(client, "k", value, call, ret);
    }

    static Operation delete(int client, long call, long ret) {
        return Operation.delete(client, "k", call, ret);
    }

    static Operation cas(int client, String expected, String value, boolean swapped, long call, long ret) {
        return Operation.cas(client, "k", expected, value, swapped, call, ret);
    }

    private Violation rejected(Operation... history) {
        CheckReport report = checker.check(List.of(history));
        assertThat(report.verdict()).as(report.render()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        return report.smallestViolation().orElseThrow();
    }

    private void accepted(Operation... history) {
        CheckReport report = checker.check(List.of(history));
        assertThat(report.verdict()).as(report.render()).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Nested
    class KnownBad {
        @Test
        void staleReadWhileNewerStateStaysVisible() {
            Violation v = rejected(
                    put(0, "a", 0, 10),
                    put(1, "b", 20, 30),
                    get(2, "b", 40, 50),
                    get(3, "a", 60, 70),
                    get(2, "b", 80, 90));
            assertThat(v.anomaly()).isEqualTo(Anomaly.STALE_READ);
            assertThat(v.evidence())
                    .extracting(Operation::client, Operation::value)
                    .contains(org.assertj.core.groups.Tuple.tuple(3, "a"), org.assertj.core.groups.Tuple.tuple(1, "b"));
            assertThat(v.unplaceable()).first().isEqualTo(get(3, "a", 60, 70));
        }

        @Test
        void readOfAbsenceAfterAcknowledgedPutIsStaleWhenThePutIsSeenLater() {
            Violation v = rejected(put(0, "a", 0, 10), get(1, null, 20, 30), get(2, "a", 40, 50));
            assertThat(v.anomaly()).isEqualTo(Anomaly.STALE_READ);
        }

        @Test
        void acknowledgedWriteNeverVisibleIsLost() {
            Violation v = rejected(put(0, "a", 0, 10), put(1, "b", 20, 30), get(2, "a", 40, 50));
            assertThat(v.anomaly()).isEqualTo(Anomaly.LOST_WRITE);
            assertThat(v.explanation()).contains("put(k, \"b\")");
        }

        @Test
        void finalReadMissingAWriteThatWasVisibleIsLost() {
            Violation v = rejected(
                    put(0, "a", 0, 10),
                    put(1, "b", 20, 30),
                    get(2, "b", 40, 50),
                    get(2, "a", 60, 70),
                    get(3, "a", 80, 90));
            assertThat(v.anomaly()).isEqualTo(Anomaly.LOST_WRITE);
        }

        @Test
        void lostDelete() {
            Violation v = rejected(put(0, "a", 0, 10), delete(1, 20, 30), get(2, "a", 40, 50));
            assertThat(v.anomaly()).isEqualTo(Anomaly.LOST_WRITE);
        }

        @Test
        void casSucceedingTwiceOnOneWriteIsDoubleApply() {
            Violation v = rejected(put(0, "a", 0, 10), cas(1, "a", "b", true, 20, 30), cas(2, "a", "b", true, 40, 50));
            assertThat(v.anomaly()).isEqualTo(Anomaly.DOUBLE_APPLY);
            assertThat(v.evidence()).hasSize(3);
        }

        @Test
        void twoCreateIfAbsentCasBothSucceedingIsDoubleApply() {
            Violation v = rejected(cas(1, null, "a", true, 0, 10), cas(2, null, "b", true, 20, 30));
            assertThat(v.anomaly()).isEqualTo(Anomaly.DOUBLE_APPLY);
        }

        @Test
        void valueReappearingAfterObservedOverwriteIsDoubleApply() {
            Violation v = rejected(
                    put(0, "a", 0, 10), put(1, "b", 20, 30), get(2, "b", 40, 50), cas(3, "a", "c", true, 60, 70));
            assertThat(v.anomaly()).isEqualTo(Anomaly.DOUBLE_APPLY);
            assertThat(v.explanation()).contains("took effect again");
        }

        @Test
        void casOnOverwrittenValueWithoutObservedOverwriteIsLostWrite() {
            Violation v = rejected(put(0, "a", 0, 10), put(1, "b", 20, 30), cas(3, "a", "c", true, 60, 70));
            assertThat(v.anomaly()).isEqualTo(Anomaly.LOST_WRITE);
        }

        @Test
        void casFailingAlthoughValueMatched() {
            Violation v = rejected(put(0, "a", 0, 10), cas(1, "a", "b", false, 20, 30));
            assertThat(v.anomaly()).isEqualTo(Anomaly.OTHER);
            assertThat(v.unplaceable()).containsExactly(cas(1, "a", "b", false, 20, 30));
            assertThat(v.valueAtBlock()).isEqualTo("\"a\"");
        }

        @Test
        void casSucceedingOnAValueNeverWritten() {
            Violation v = rejected(put(0, "a", 0, 10), cas(1, "z", "b", true, 20, 30));
            assertThat(v.anomaly()).isEqualTo(Anomaly.OTHER);
            assertThat(v.explanation()).contains("no operation ever wrote it");
        }

        @Test
        void readOfNeverWrittenValue() {
            Violation v = rejected(put(0, "a", 0, 10), get(1, "ghost", 20, 30));
            assertThat(v.anomaly()).isEqualTo(Anomaly.OTHER);
            assertThat(v.explanation()).contains("\"ghost\"").contains("no operation ever wrote it");
        }

        @Test
        void readFromTheFuture() {
            Violation v = rejected(get(1, "a", 0, 10), put(0, "a", 20, 30));
            assertThat(v.anomaly()).isEqualTo(Anomaly.OTHER);
            assertThat(v.explanation()).contains("written only later");
        }

        @Test
        void unknownWriteCannotBeUnappliedOnceSeen() {
            rejected(put(0, "a", 0, 10).asUnknown(), get(1, "a", 20, 30), get(2, null, 40, 50));
        }

        @Test
        void concurrentReadsThatDisagreeOnOrder() {
            // Two writes both finish before two sequential reads by one client see them in the
            // order a, b and then another client, after both reads, sees a again.
            Violation v = rejected(
                    put(0, "a", 0, 10),
                    put(1, "b", 0, 10),
                    get(2, "a", 20, 30),
                    get(2, "b", 40, 50),
                    get(3, "a", 60, 70));
            assertThat(v.anomaly()).isIn(Anomaly.STALE_READ, Anomaly.LOST_WRITE, Anomaly.OTHER);
        }

        @Test
        void reportNamesTheSmallestFailingKeyWithTimes() {
            List<Operation> history = new ArrayList<>();
            // key "big" fails with more operations than key "small".
            for (int i = 0; i < 10; i++) {
                history.add(Operation.put(0, "big", "v" + i, i * 100L, i * 100L + 10));
            }
            history.add(Operation.get(1, "big", "v0", 2000, 2010));
            history.add(Operation.put(0, "small", "x", 0, 10));
            history.add(Operation.get(1, "small", "y", 20, 30));
            history.add(Operation.put(0, "fine", "x", 0, 10));
            CheckReport report = checker.check(history);
            assertThat(report.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
            assertThat(report.violations()).extracting(KeyVerdict::key).containsExactly("big", "small");
            assertThat(report.smallestViolation().orElseThrow().key()).isEqualTo("small");
            String text = report.render();
            assertThat(text)
                    .contains("smallest failing key small")
                    .contains("call +0.000 ms")
                    .contains("2 violating");
        }
    }

    @Nested
    class KnownGood {
        @Test
        void emptyHistory() {
            assertThat(checker.check(List.of()).verdict()).isEqualTo(Verdict.LINEARIZABLE);
        }

        @Test
        void readsConcurrentWithAWriteMaySeeEitherState() {
            accepted(put(0, "a", 0, 100), get(1, "a", 10, 20), get(2, null, 15, 25), get(3, "a", 110, 120));
        }

        @Test
        void concurrentWritesTakeEffectInEitherOrder() {
            accepted(
                    put(0, "a", 0, 50),
                    put(1, "b", 10, 60),
                    get(2, "a", 70, 80),
                    cas(3, "a", "c", true, 90, 100),
                    get(2, "c", 110, 120));
        }

        @Test
        void touchingIntervalsAreConcurrent() {
            accepted(put(0, "a", 0, 10), get(1, null, 10, 20));
        }

        @Test
        void unknownWriteThatHappened() {
            accepted(put(0, "a", 0, 10).asUnknown(), get(1, "a", 100, 110));
        }

        @Test
        void unknownWriteThatNeverHappened() {
            accepted(put(0, "a", 0, 10).asUnknown(), get(1, null, 100, 110), get(1, null, 200, 210));
        }

        @Test
        void unknownWriteTakingEffectAfterTheClientGaveUp() {
            accepted(put(0, "a", 0, 10), put(1, "b", 20, 30).asUnknown(), get(2, "a", 40, 50), get(2, "b", 60, 70));
        }

        @Test
        void unknownCasEitherWay() {
            accepted(put(0, "a", 0, 10), cas(1, "a", "b", true, 20, 30).asUnknown(), get(2, "b", 40, 50));
            accepted(put(0, "a", 0, 10), cas(1, "a", "b", true, 20, 30).asUnknown(), get(2, "a", 40, 50));
        }

        @Test
        void unknownDeleteEitherWay() {
            accepted(put(0, "a", 0, 10), delete(1, 20, 30).asUnknown(), get(2, null, 40, 50));
            accepted(put(0, "a", 0, 10), delete(1, 20, 30).asUnknown(), get(2, "a", 40, 50));
        }

        @Test
        void failedCasAndRewrittenValues() {
            accepted(
                    put(0, "a", 0, 10),
                    cas(1, "z", "b", false, 20, 30),
                    cas(1, "a", "b", true, 40, 50),
                    put(2, "a", 60, 70),
                    cas(3, "a", "c", true, 80, 90),
                    cas(3, null, "d", false, 100, 110),
                    delete(0, 120, 130),
                    cas(3, null, "e", true, 140, 150),
                    get(1, "e", 160, 170));
        }

        @Test
        void definitelyFailedWritesAndUnknownReadsCarryNoInformation() {
            Operation rejectedPut = new Operation(0, OpKind.PUT, "k", "x", null, false, false, 0, 10);
            Operation timedOutGet = get(1, "anything", 20, 30).asUnknown();
            accepted(rejectedPut, timedOutGet, get(2, null, 40, 50));
        }

        @Test
        void keysAreIndependent() {
            accepted(
                    Operation.put(0, "x", "1", 0, 10),
                    Operation.put(1, "y", "1", 0, 10),
                    Operation.get(2, "x", "1", 20, 30),
                    Operation.get(2, "y", "1", 20, 30),
                    Operation.get(3, "z", null, 20, 30));
        }
    }

    /** 24 mutually concurrent operations, then a read that nothing explains: every order must be tried. */
    private static List<Operation> exponentialFailingHistory() {
        List<Operation> history = new ArrayList<>();
        for (int c = 0; c < 12; c++) {
            history.add(put(c, "v" + c, 0, 1000));
            history.add(get(12 + c, "v" + c, 0, 1000));
        }
        history.add(get(30, "ghost", 2000, 2010));
        return history;
    }

    @Test
    void exhaustedStateBudgetIsUnknownNotAHang() {
        CheckReport report = new LinearizabilityChecker(new SearchBudget(50, Duration.ofSeconds(5)))
                .check(exponentialFailingHistory());
        assertThat(report.verdict()).isEqualTo(Verdict.UNKNOWN);
        assertThat(report.undecided())
                .singleElement()
                .satisfies(k -> assertThat(k.budgetNote()).contains("state budget of 50 states"));
        assertThat(report.render()).contains("UNKNOWN").contains("1 undecided");
    }

    @Test
    void exhaustedTimeBudgetIsUnknownNotAHang() {
        CheckReport report = new LinearizabilityChecker(new SearchBudget(50_000_000, Duration.ofMillis(50)))
                .check(exponentialFailingHistory());
        assertThat(report.verdict()).isEqualTo(Verdict.UNKNOWN);
        assertThat(report.undecided())
                .singleElement()
                .satisfies(k -> assertThat(k.budgetNote()).contains("time budget of 50 ms"));
    }
}
