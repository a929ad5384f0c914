package io.raftkv.raft.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.raft.Message;
import io.raftkv.raft.MessageType;
import io.raftkv.raft.StateType;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Shows every checker can fail: a hand-built history that breaks its property is reported as a
 * violation naming the property, and a valid history close to it is not.
 */
class CheckerTest {

    private static Entry entry(long term, long index, long value) {
        return Entry.normal(term, index, SimStateMachine.encodeValue(value, 0));
    }

    @Nested
    class ElectionSafety {
        @Test
        void twoLeadersInOneTermIsAViolation() {
            ElectionSafetyChecker c = new ElectionSafetyChecker();
            c.onRole(1, 3, StateType.LEADER);
            assertThatThrownBy(() -> c.onRole(2, 3, StateType.LEADER))
                    .isInstanceOf(SafetyViolation.class)
                    .hasMessageContaining("ElectionSafety")
                    .hasMessageContaining("two leaders in term 3");
        }

        @Test
        void oneLeaderPerTermIsFine() {
            ElectionSafetyChecker c = new ElectionSafetyChecker();
            c.onRole(1, 3, StateType.LEADER);
            c.onRole(2, 3, StateType.FOLLOWER);
            c.onRole(1, 3, StateType.LEADER);
            c.onRole(2, 4, StateType.LEADER);
            assertThat(c.checks()).isEqualTo(4);
        }
    }

    @Nested
    class LeaderAppendOnly {
        @Test
        void aLeaderOverwritingItsOwnEntryIsAViolation() {
            LeaderAppendOnlyChecker c = new LeaderAppendOnlyChecker();
            ListLogView before = ListLogView.ofTerms(1, 2);
            c.onLeaderBatch(7, 2, before, List.of(entry(2, 3, 30)), false);
            ListLogView after = new ListLogView(0, 0, List.of(before.entry(1), before.entry(2), entry(2, 3, 30)));
            assertThatThrownBy(() -> c.onLeaderBatch(7, 2, after, List.of(entry(2, 3, 31)), false))
                    .isInstanceOf(SafetyViolation.class)
                    .hasMessageContaining("LeaderAppendOnly")
                    .hasMessageContaining("overwrites");
        }

        @Test
        void aLeaderTruncatingItsLogIsAViolation() {
            LeaderAppendOnlyChecker c = new LeaderAppendOnlyChecker();
            ListLogView log = ListLogView.ofTerms(1, 2, 2, 2);
            c.onLeaderBatch(7, 2, log, List.of(), false);
            // Re-writing entry 2 unchanged makes storage drop 3..4: a deletion.
            assertThatThrownBy(() -> c.onLeaderBatch(7, 2, log, List.of(log.entry(2)), false))
                    .isInstanceOf(SafetyViolation.class)
                    .hasMessageContaining("truncated");
        }

        @Test
        void aLeaderInstallingASnapshotIsAViolation() {
            LeaderAppendOnlyChecker c = new LeaderAppendOnlyChecker();
            ListLogView log = ListLogView.ofTerms(1, 2);
            c.onLeaderBatch(7, 2, log, List.of(), false);
            assertThatThrownBy(() -> c.onLeaderBatch(7, 2, log, List.of(), true))
                    .isInstanceOf(SafetyViolation.class)
                    .hasMessageContaining("snapshot");
        }

        @Test
        void appendingAndANewTermAreFine() {
            LeaderAppendOnlyChecker c = new LeaderAppendOnlyChecker();
            ListLogView log = ListLogView.ofTerms(1, 2);
            c.onLeaderBatch(7, 2, log, List.of(entry(2, 3, 30)), false);
            ListLogView after = new ListLogView(0, 0, List.of(log.entry(1), log.entry(2), entry(2, 3, 30)));
            c.onLeaderBatch(7, 2, after, List.of(entry(2, 4, 40)), false);
            // Leading a later term starts afresh: its first batch may replace what it got as follower.
            c.onNotLeader(7);
            c.onLeaderBatch(7, 5, after, List.of(entry(4, 3, 33)), false);
            assertThat(c.checks()).isEqualTo(3);
        }
    }

    @Nested
    class LogMatching {
        @Test
        void sameIndexAndTermWithDifferentContentIsAViolation() {
            LogMatchingChecker c = new LogMatchingChecker();
            c.onAppend(1, 0, List.of(entry(1, 1, 10), entry(1, 2, 20)));
            assertThatThrownBy(() -> c.onAppend(2, 1, List.of(entry(1, 2, 21))))
                    .isInstanceOf(SafetyViolation.class)
                    .hasMessageContaining("LogMatching")
                    .hasMessageContaining("different entries");
        }

        @Test
        void sameEntryAfterADifferentTermIsAViolation() {
            LogMatchingChecker c = new LogMatchingChecker();
            c.onAppend(1, 1, List.of(entry(3, 5, 50)));
            assertThatThrownBy(() -> c.onAppend(2, 2, List.of(entry(3, 5, 50))))
                    .isInstanceOf(SafetyViolation.class)
                    .hasMessageContaining("preceded by term");
        }

        @Test
        void decreasingTermsAlongALogAreAViolation() {
            LogMatchingChecker c = new LogMatchingChecker();
            assertThatThrownBy(() -> c.onAppend(1, 0, List.of(entry(2, 1, 10), entry(1, 2, 20))))
                    .isInstanceOf(SafetyViolation.class)
                    .hasMessageContaining("below the term");
        }

        @Test
        void identicalPrefixesAndDivergentSuffixesAreFine() {
            LogMatchingChecker c = new LogMatchingChecker();
            c.onAppend(1, 0, List.of(entry(1, 1, 10), entry(1, 2, 20), entry(2, 3, 30)));
            c.onAppend(2, 0, List.of(entry(1, 1, 10), entry(1, 2, 20), entry(3, 3, 31)));
            c.onAppend(3, 1, List.of(entry(2, 3, 30)));
            c.onAppend(4, -1, List.of(entry(3, 3, 31)));
            assertThat(c.checks()).isEqualTo(8);
        }
    }

    @Nested
    class LeaderCompleteness {
        @Test
        void aNewLeaderMissingACommittedEntryIsAViolation() {
            LeaderCompletenessChecker c = new LeaderCompletenessChecker();
            Entry committed = entry(2, 3, 30);
            c.onCommitted(committed, 2);
            ListLogView stale = new ListLogView(0, 0, List.of(entry(1, 1, 10), entry(1, 2, 20), entry(1, 3, 99)));
            assertThatThrownBy(() -> c.onLeader(5, 3, stale))
                    .isInstanceOf(SafetyViolation.class)
                    .hasMessageContaining("LeaderCompleteness")
                    .hasMessageContaining("new leader 5 of term 3 lacks");
        }

        @Test
        void aCommitLearntLaterThatACurrentLeaderLacksIsAViolation() {
            LeaderCompletenessChecker c = new LeaderCompletenessChecker();
            c.onLeader(5, 4, ListLogView.ofTerms(1, 1));
            assertThatThrownBy(() -> c.onCommitted(entry(2, 3, 30), 3))
                    .isInstanceOf(SafetyViolation.class)
                    .hasMessageContaining("leader 5 of term 4 does not hold");
        }

        @Test
        void leadersHoldingCommittedEntriesOrTheirSnapshotAreFine() {
            LeaderCompletenessChecker c = new LeaderCompletenessChecker();
            Entry e = entry(1, 2, 20);
            c.onCommitted(e, 1);
            c.onLeader(5, 2, new ListLogView(0, 0, List.of(entry(1, 1, 10), e)));
            c.onLeader(6, 3, new ListLogView(2, 1, List.of()));
            // A stale leader of an older term need not hold entries committed in a later term.
            c.onLeader(7, 1, ListLogView.ofTerms(1));
            c.onNotLeader(6);
            c.onCommitted(entry(2, 3, 30), 2);
            assertThat(c.checks()).isPositive();
        }
    }

    @Nested
    class StateMachineSafety {
        @Test
        void differentEntriesAppliedAtOneIndexIsAViolation() {
            StateMachineSafetyChecker c = new StateMachineSafetyChecker();
            assertThat(c.onApplied(1, 4, SimStateMachine.fingerprint(entry(2, 4, 40))))
                    .isTrue();
            assertThatThrownBy(() -> c.onApplied(2, 4, SimStateMachine.fingerprint(entry(3, 4, 40))))
                    .isInstanceOf(SafetyViolation.class)
                    .hasMessageContaining("StateMachineSafety")
                    .hasMessageContaining("index 4");
        }

        @Test
        void theSameEntryAppliedEverywhereIsFine() {
            StateMachineSafetyChecker c = new StateMachineSafetyChecker();
            long fp = SimStateMachine.fingerprint(entry(2, 4, 40));
            assertThat(c.onApplied(1, 4, fp)).isTrue();
            assertThat(c.onApplied(2, 4, fp)).isFalse();
        }
    }

    @Nested
    class CommitMonotonicity {
        @Test
        void aDecreasingInMemoryCommitIsAViolation() {
            CommitMonotonicityChecker c = new CommitMonotonicityChecker();
            c.onMemoryCommit(1, 1, 5);
            assertThatThrownBy(() -> c.onMemoryCommit(1, 1, 4))
                    .isInstanceOf(SafetyViolation.class)
                    .hasMessageContaining("CommitMonotonicity");
        }

        @Test
        void aDecreasingDurableCommitIsAViolation() {
            CommitMonotonicityChecker c = new CommitMonotonicityChecker();
            c.onDurableCommit(1, 5);
            assertThatThrownBy(() -> c.onDurableCommit(1, 3)).isInstanceOf(SafetyViolation.class);
        }

        @Test
        void restartingBelowTheDurableCommitIsAViolation() {
            CommitMonotonicityChecker c = new CommitMonotonicityChecker();
            c.onDurableCommit(1, 5);
            assertThatThrownBy(() -> c.onMemoryCommit(1, 2, 4))
                    .isInstanceOf(SafetyViolation.class)
                    .hasMessageContaining("below its durable commit");
        }

        @Test
        void restartingAtTheDurableCommitAfterAHigherMemoryCommitIsFine() {
            CommitMonotonicityChecker c = new CommitMonotonicityChecker();
            c.onDurableCommit(1, 5);
            c.onMemoryCommit(1, 1, 8);
            c.onMemoryCommit(1, 2, 5);
            c.onMemoryCommit(1, 2, 9);
            assertThat(c.checks()).isEqualTo(4);
        }
    }

    @Nested
    class LinearizableRead {
        @Test
        void aReadIndexBelowAnEarlierAcknowledgedWriteIsAViolation() {
            LinearizableReadChecker c = new LinearizableReadChecker();
            c.onWriteAcknowledged(100, 7);
            c.onReadIssued(1);
            assertThatThrownBy(() -> c.onReadServed(1, 6, 7, i -> i == 7 ? 100 : 0))
                    .isInstanceOf(SafetyViolation.class)
                    .hasMessageContaining("LinearizableRead")
                    .hasMessageContaining("acknowledged at index 7");
        }

        @Test
        void servingBeforeTheReadIndexIsApplied() {
            LinearizableReadChecker c = new LinearizableReadChecker();
            c.onReadIssued(1);
            assertThatThrownBy(() -> c.onReadServed(1, 6, 5, i -> 0))
                    .isInstanceOf(SafetyViolation.class)
                    .hasMessageContaining("below its read index");
        }

        @Test
        void aServingNodeWithADifferentWriteAtTheIndexIsAViolation() {
            LinearizableReadChecker c = new LinearizableReadChecker();
            c.onWriteAcknowledged(100, 7);
            c.onReadIssued(1);
            assertThatThrownBy(() -> c.onReadServed(1, 8, 8, i -> 55))
                    .isInstanceOf(SafetyViolation.class)
                    .hasMessageContaining("holds value 55");
        }

        @Test
        void writesAcknowledgedAfterTheReadBeganNeedNotBeSeen() {
            LinearizableReadChecker c = new LinearizableReadChecker();
            c.onWriteAcknowledged(100, 7);
            c.onReadIssued(1);
            c.onWriteAcknowledged(200, 9);
            assertThatNoException().isThrownBy(() -> c.onReadServed(1, 7, 7, i -> i == 7 ? 100 : 0));
        }
    }

    @Nested
    class ReadyContract {
        private final ListLogView durable = ListLogView.ofTerms(1, 1, 2);

        @Test
        void acknowledgingAppendsThatAreNotDurableIsAViolation() {
            ReadyContractChecker c = new ReadyContractChecker();
            Message ack = Message.builder(MessageType.APP_RESP)
                    .from(2)
                    .to(1)
                    .term(2)
                    .index(5)
                    .build();
            assertThatThrownBy(() -> c.onSend(ack, new HardState(2, 1, 3), durable))
                    .isInstanceOf(SafetyViolation.class)
                    .hasMessageContaining("ReadyContract")
                    .hasMessageContaining("acknowledges appends up to 5");
        }

        @Test
        void grantingAVoteThatIsNotDurableIsAViolation() {
            ReadyContractChecker c = new ReadyContractChecker();
            Message vote =
                    Message.builder(MessageType.VOTE_RESP).from(2).to(3).term(4).build();
            assertThatThrownBy(() -> c.onSend(vote, new HardState(3, 0, 3), durable))
                    .isInstanceOf(SafetyViolation.class)
                    .hasMessageContaining("grants its vote");
            assertThatThrownBy(() -> c.onSend(vote, new HardState(4, 1, 3), durable))
                    .isInstanceOf(SafetyViolation.class);
        }

        @Test
        void applyingWhatIsNotDurableOrNotCommittedOrOutOfOrderIsAViolation() {
            ReadyContractChecker c = new ReadyContractChecker();
            assertThatThrownBy(() -> c.onApply(2, 2, entry(2, 3, 31), durable, 3))
                    .isInstanceOf(SafetyViolation.class)
                    .hasMessageContaining("not in its durable log");
            assertThatThrownBy(() -> c.onApply(2, 2, durable.entry(3), durable, 2))
                    .isInstanceOf(SafetyViolation.class)
                    .hasMessageContaining("beyond its commit index");
            assertThatThrownBy(() -> c.onApply(2, 1, durable.entry(3), durable, 3))
                    .isInstanceOf(SafetyViolation.class)
                    .hasMessageContaining("after index 1");
        }

        @Test
        void overwritingTheCommittedPrefixIsAViolation() {
            ReadyContractChecker c = new ReadyContractChecker();
            assertThatThrownBy(() -> c.onEntriesToPersist(2, durable, 2, 0, List.of(entry(3, 2, 22))))
                    .isInstanceOf(SafetyViolation.class)
                    .hasMessageContaining("overwrite committed");
            assertThatThrownBy(() -> c.onEntriesToPersist(2, durable, 2, 0, List.of(entry(3, 5, 22))))
                    .isInstanceOf(SafetyViolation.class)
                    .hasMessageContaining("gap");
            assertThatNoException().isThrownBy(() -> c.onEntriesToPersist(2, durable, 2, 4, List.of(entry(3, 5, 22))));
        }

        @Test
        void persistingACommitPastTheLogOrAnOlderTermIsAViolation() {
            ReadyContractChecker c = new ReadyContractChecker();
            assertThatThrownBy(() -> c.onPersisted(2, new HardState(2, 0, 4), durable))
                    .isInstanceOf(SafetyViolation.class)
                    .hasMessageContaining("past its durable last index");
            c.onPersisted(2, new HardState(3, 0, 3), durable);
            assertThatThrownBy(() -> c.onPersisted(2, new HardState(2, 0, 3), durable))
                    .isInstanceOf(SafetyViolation.class)
                    .hasMessageContaining("after term 3");
        }

        @Test
        void aSnapshotThatRollsBackTheStateMachineIsAViolation() {
            ReadyContractChecker c = new ReadyContractChecker();
            assertThatThrownBy(() -> c.onSnapshotApply(2, 5, 5)).isInstanceOf(SafetyViolation.class);
        }

        @Test
        void aCorrectReadyIsFine() {
            ReadyContractChecker c = new ReadyContractChecker();
            c.onEntriesToPersist(2, durable, 2, 0, List.of(entry(3, 3, 33), entry(3, 4, 44)));
            c.onSend(
                    Message.builder(MessageType.APP_RESP)
                            .from(2)
                            .to(1)
                            .term(2)
                            .index(3)
                            .build(),
                    new HardState(2, 1, 2),
                    durable);
            c.onSend(
                    Message.builder(MessageType.VOTE_RESP).from(2).to(3).term(4).build(),
                    new HardState(4, 3, 2),
                    durable);
            c.onPersisted(2, new HardState(4, 3, 3), durable);
            c.onApply(2, 2, durable.entry(3), durable, 3);
            c.onSnapshotApply(2, 6, 5);
            assertThat(c.checks()).isEqualTo(6);
        }
    }

    @Nested
    class LeaderMembership {
        @Test
        void aLeaderThatIsNotAVoterIsAViolation() {
            LeaderMembershipChecker c = new LeaderMembershipChecker();
            assertThatThrownBy(() -> c.onRole(
                            3, 5, StateType.LEADER, new ConfState(java.util.Set.of(1L, 2L), java.util.Set.of(3L))))
                    .isInstanceOf(SafetyViolation.class)
                    .hasMessageContaining("LeaderMembership");
        }

        @Test
        void votersLeadAndNonVotersFollow() {
            LeaderMembershipChecker c = new LeaderMembershipChecker();
            c.onRole(1, 5, StateType.LEADER, ConfState.ofVoters(1L, 2L));
            c.onRole(3, 5, StateType.FOLLOWER, ConfState.EMPTY);
            assertThat(c.checks()).isEqualTo(2);
        }
    }

    @Nested
    class ProposalOutcome {
        @Test
        void aValueCommittedAtAnotherIndexThanProposedIsAViolation() {
            ProposalOutcomeChecker c = new ProposalOutcomeChecker();
            c.onProposed(100, 5, 2);
            assertThatThrownBy(() -> c.onCommitted(6, 2, 100))
                    .isInstanceOf(SafetyViolation.class)
                    .hasMessageContaining("ProposalOutcome")
                    .hasMessageContaining("proposed at 5/2");
        }

        @Test
        void aValueCommittedTwiceIsAViolation() {
            ProposalOutcomeChecker c = new ProposalOutcomeChecker();
            c.onProposed(100, 5, 2);
            c.onCommitted(5, 2, 100);
            assertThatThrownBy(() -> c.onCommitted(6, 2, 100))
                    .isInstanceOf(SafetyViolation.class)
                    .hasMessageContaining("committed twice");
        }

        @Test
        void anotherEntryAtTheProposalsIndexAndTermIsAViolation() {
            ProposalOutcomeChecker c = new ProposalOutcomeChecker();
            c.onProposed(100, 5, 2);
            assertThatThrownBy(() -> c.onCommitted(5, 2, 0)).isInstanceOf(SafetyViolation.class);
        }

        @Test
        void outcomesBecomeExplicit() {
            ProposalOutcomeChecker c = new ProposalOutcomeChecker();
            c.onProposed(100, 5, 2);
            c.onProposed(101, 6, 2);
            c.onProposed(102, 9, 2);
            c.onProposed(103, 3, 4);
            c.onCommitted(5, 2, 100);
            assertThat(c.outcome(100)).isEqualTo(ProposalOutcomeChecker.Outcome.COMMITTED);
            // 103 (term 4 at index 3) is out: index 5 committed with the lower term 2.
            assertThat(c.outcome(103)).isEqualTo(ProposalOutcomeChecker.Outcome.FAILED);
            assertThat(c.pending()).isEqualTo(2);
            // A term-3 entry commits at 6: 101 (term 2, index 6) and 102 (term 2, later index) are out.
            c.onCommitted(6, 3, 0);
            assertThat(c.pending()).isZero();
            assertThat(c.outcome(101)).isEqualTo(ProposalOutcomeChecker.Outcome.FAILED);
            assertThat(c.outcome(102)).isEqualTo(ProposalOutcomeChecker.Outcome.FAILED);
            assertThat(c.outcome(103)).isEqualTo(ProposalOutcomeChecker.Outcome.FAILED);
            assertThat(c.committedCount()).isEqualTo(1);
            assertThat(c.failedCount()).isEqualTo(3);
            // A stale leader accepting a proposal at an index committed in a later term: failed at once.
            c.onProposed(104, 6, 2);
            assertThat(c.outcome(104)).isEqualTo(ProposalOutcomeChecker.Outcome.FAILED);
            assertThat(c.pending()).isZero();
        }
    }
}
