package io.raftkv.operator.membership;

import static io.raftkv.operator.membership.ClusterScenario.T0;
import static io.raftkv.operator.membership.ClusterScenario.stable;
import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.operator.api.v1alpha1.ClusterOperation;
import io.raftkv.operator.api.v1alpha1.ClusterOperation.Kind;
import io.raftkv.operator.membership.MembershipStep.AddLearner;
import io.raftkv.operator.membership.MembershipStep.DeletePod;
import io.raftkv.operator.membership.MembershipStep.Idle;
import io.raftkv.operator.membership.MembershipStep.Promote;
import io.raftkv.operator.membership.MembershipStep.Remove;
import io.raftkv.operator.membership.MembershipStep.ScaleStatefulSet;
import io.raftkv.operator.membership.MembershipStep.TransferLeadership;
import io.raftkv.operator.membership.MembershipStep.Wait;
import java.time.Duration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Every transition of the {@link MembershipPlanner}, one rule at a time. */
class MembershipPlannerTest {

    private final MembershipPlanner planner = new MembershipPlanner(MembershipSettings.DEFAULTS);

    private MembershipPlan plan(ClusterScenario scenario) {
        return planner.plan(scenario.build());
    }

    private static Wait waitOf(MembershipPlan plan) {
        assertThat(plan.step()).isInstanceOf(Wait.class);
        return (Wait) plan.step();
    }

    @Test
    void convergedClusterIsIdleWithoutOperation() {
        MembershipPlan plan = plan(stable(3, 3));
        assertThat(plan.step()).isInstanceOf(Idle.class);
        assertThat(plan.operation()).isEmpty();
        assertThat(plan.problem()).isEmpty();
    }

    @Nested
    class ScaleUp {

        @Test
        void firstGrowsTheStatefulSetByOnePod() {
            MembershipPlan plan = plan(stable(3, 5));
            assertThat(plan.step()).isEqualTo(new ScaleStatefulSet(3, 4));
            ClusterOperation op = plan.operation().orElseThrow();
            assertThat(op.getKind()).isEqualTo(Kind.ScaleUp);
            assertThat(op.getPod()).isEqualTo("kv-3");
            assertThat(op.getStartedAt()).isEqualTo("2026-01-01T00:00:00Z");
        }

        @Test
        void waitsForTheNewPodToRunAndAnswer() {
            assertThat(waitOf(plan(stable(3, 5).statefulSet(4))).waitingFor())
                    .isEqualTo(MembershipPlanner.POD_STARTING);
            assertThat(waitOf(plan(stable(3, 5).statefulSet(4).pod(3, true, false, "r1")))
                            .waitingFor())
                    .isEqualTo(MembershipPlanner.MEMBER_STARTING);
        }

        @Test
        void addsTheNewPodAsLearnerUnderTheIdItReports() {
            MembershipPlan plan =
                    plan(stable(3, 5).statefulSet(4).pod(3, true, false, "r1").joining(3, 1L << 40));
            assertThat(plan.step()).isEqualTo(new AddLearner(3, 1L << 40));
            assertThat(plan.operation().orElseThrow().getMemberId()).isEqualTo(Long.toString(1L << 40));
        }

        @Test
        void waitsWhileTheLearnerCatchesUpThenPromotes() {
            ClusterScenario s = stable(3, 5).statefulSet(4).pod(3, true, true, "r1");
            long commit = s.commit();
            Wait wait = waitOf(plan(s.learner(3, 77, commit - 500)));
            assertThat(wait.waitingFor()).isEqualTo(MembershipPlanner.LEARNER_CATCHING_UP);
            assertThat(wait.message()).contains("learner 77", "index " + (commit - 500));

            assertThat(plan(s.learner(3, 77, commit - 100)).step()).isEqualTo(new Promote(3, 77));
            assertThat(plan(s.learner(3, 77, commit)).step()).isEqualTo(new Promote(3, 77));
        }

        @Test
        void growsAgainOnlyAfterThePromotion() {
            MembershipPlan plan = plan(stable(4, 5));
            assertThat(plan.step()).isEqualTo(new ScaleStatefulSet(4, 5));
            assertThat(plan.operation().orElseThrow().getPod()).isEqualTo("kv-4");
        }

        @Test
        void doesNothingElseWhileALearnerIsPending() {
            // A learner exists, the user also asked for another replica and a new image: the only
            // step is to wait for the learner.
            ClusterScenario s = stable(3, 7)
                    .statefulSet(4)
                    .pod(3, true, true, "r1")
                    .learner(3, 77, 0)
                    .updateRevision("r2");
            assertThat(waitOf(plan(s)).waitingFor()).isEqualTo(MembershipPlanner.LEARNER_CATCHING_UP);
            // Scaling back down while it is pending removes the learner, nothing else.
            assertThat(plan(s.desired(3)).step()).isEqualTo(new Remove(3, 77));
        }

        @Test
        void retainedVolumeBlocksTheNewPodAtOnce() {
            MembershipPlan plan = plan(stable(3, 5).retainedClaim(3));
            assertThat(waitOf(plan).waitingFor()).isEqualTo(MembershipPlanner.RETAINED_VOLUME);
            assertThat(plan.problem().orElseThrow().reason()).isEqualTo(MembershipPlanner.RETAINED_VOLUME);
            assertThat(plan.problem().get().message()).contains("PersistentVolumeClaim of kv-3");
        }

        @Test
        void podWithHistoryThatIsNotAMemberIsNeverAdded() {
            MembershipPlan plan =
                    plan(stable(3, 5).statefulSet(4).pod(3, true, false, "r1").staleNode(3, 4));
            assertThat(waitOf(plan).waitingFor()).isEqualTo(MembershipPlanner.STALE_VOLUME);
            assertThat(plan.problem().orElseThrow().message()).contains("member 4", "index 512");
        }
    }

    @Nested
    class ScaleDown {

        @Test
        void removesTheHighestMemberFirst() {
            MembershipPlan plan = plan(stable(5, 3));
            assertThat(plan.step()).isEqualTo(new Remove(4, 5));
            assertThat(plan.operation().orElseThrow().getKind()).isEqualTo(Kind.ScaleDown);
            assertThat(plan.operation().get().getPod()).isEqualTo("kv-4");
        }

        @Test
        void thenShrinksTheStatefulSetByOne() {
            // Member of kv-4 removed: its pod goes before the next member is touched.
            ClusterScenario s = stable(4, 3).statefulSet(5).pod(4, true, false, "r1");
            assertThat(plan(s).step()).isEqualTo(new ScaleStatefulSet(5, 4));
            // Then the next highest member.
            assertThat(plan(stable(4, 3)).step()).isEqualTo(new Remove(3, 4));
            assertThat(plan(stable(3, 3).statefulSet(4).pod(3, true, false, "r1"))
                            .step())
                    .isEqualTo(new ScaleStatefulSet(4, 3));
        }

        @Test
        void transfersLeadershipBeforeRemovingTheLeader() {
            ClusterScenario s =
                    stable(5, 3).leader(5).match(1, 990).match(2, 1000).match(3, 995);
            MembershipPlan plan = plan(s);
            assertThat(plan.step()).isEqualTo(new TransferLeadership(5, 2, 1));
            assertThat(plan.operation().orElseThrow().getKind()).isEqualTo(Kind.ScaleDown);
        }

        @Test
        void neverTransfersToAMemberThatIsLeavingOrNotReady() {
            ClusterScenario s = stable(5, 3)
                    .leader(5)
                    .pod(0, true, false, "r1")
                    .pod(1, true, false, "r1")
                    .pod(2, true, false, "r1");
            Wait wait = waitOf(plan(s));
            assertThat(wait.waitingFor()).isEqualTo(MembershipPlanner.NO_TRANSFER_TARGET);
        }

        @Test
        void refusesARemovalThatWouldLeaveNoReadyQuorum() {
            // 5 voters, kv-1 and kv-2 down: removing kv-4 leaves 4 voters with 2 ready.
            ClusterScenario s = stable(5, 3).pod(1, true, false, "r1").pod(2, true, false, "r1");
            Wait wait = waitOf(plan(s));
            assertThat(wait.waitingFor()).isEqualTo(MembershipPlanner.QUORUM_AT_RISK);
            assertThat(wait.message()).contains("4 voters", "only 2 are ready", "quorum needs 3");
        }
    }

    @Nested
    class RollingRestart {

        @Test
        void restartsFollowersFirstHighestOrdinalFirst() {
            MembershipPlan plan = plan(stable(3, 3).updateRevision("r2"));
            assertThat(plan.step()).isEqualTo(new DeletePod(2));
            assertThat(plan.operation().orElseThrow().getKind()).isEqualTo(Kind.RollingRestart);
            assertThat(plan.operation().get().getPod()).isEqualTo("kv-2");
        }

        @Test
        void waitsForTheRestartedPodToBeReadyAndCaughtUp() {
            ClusterScenario s = stable(3, 3).updateRevision("r2").pod(2, true, false, "r2");
            assertThat(waitOf(plan(s)).waitingFor()).isEqualTo(MembershipPlanner.PODS_NOT_READY);
            s.noPod(2);
            assertThat(waitOf(plan(s)).waitingFor()).isEqualTo(MembershipPlanner.PODS_NOT_READY);
            s.pod(2, true, true, "r2").match(3, s.commit() - 101);
            assertThat(waitOf(plan(s)).waitingFor()).isEqualTo(MembershipPlanner.FOLLOWERS_CATCHING_UP);
            s.match(3, s.commit());
            assertThat(plan(s).step()).isEqualTo(new DeletePod(1));
        }

        /**
         * A bad image (r2) crash-loops on pod 1; the user rolls out a fix (r3). Waiting for every
         * pod to be ready would block the fix for ever: the broken pod, which is not a working
         * member, is replaced first. A pod that is not ready but works (a flapping probe) is not.
         */
        @Test
        void crashLoopingPodIsReplacedFirstButAWorkingMemberWaitsItsTurn() {
            ClusterScenario s =
                    stable(3, 3).updateRevision("r3").pod(1, true, false, "r2").inactive(2);
            MembershipPlan plan = plan(s);
            assertThat(plan.step()).isEqualTo(new DeletePod(1));
            assertThat(plan.operation().orElseThrow().getPod()).isEqualTo("kv-1");

            s.noPod(1);
            assertThat(waitOf(plan(s)).waitingFor()).isEqualTo(MembershipPlanner.PODS_NOT_READY);

            ClusterScenario flapping = stable(3, 3).updateRevision("r3").pod(1, true, false, "r2");
            assertThat(waitOf(plan(flapping)).waitingFor()).isEqualTo(MembershipPlanner.PODS_NOT_READY);
        }

        @Test
        void restartsTheLeaderLastAfterTransferringLeadership() {
            ClusterScenario s =
                    stable(3, 3).updateRevision("r2").pod(1, true, true, "r2").pod(2, true, true, "r2");
            MembershipPlan plan = plan(s);
            assertThat(plan.step()).isInstanceOf(TransferLeadership.class);
            TransferLeadership transfer = (TransferLeadership) plan.step();
            assertThat(transfer.fromId()).isEqualTo(1);
            assertThat(transfer.toOrdinal()).isIn(1, 2);
            // Once the leadership moved, the old leader is a follower and goes.
            assertThat(plan(s.leader(transfer.toId())).step()).isEqualTo(new DeletePod(0));
        }

        @Test
        void preferTransferTargetsOnTheNewTemplate() {
            // kv-1 is already updated but slightly behind kv-2 (old template): kv-1 still wins.
            ClusterScenario s = stable(3, 3)
                    .updateRevision("r2")
                    .pod(1, true, true, "r2")
                    .pod(2, true, true, "r2")
                    .leader(1);
            s.pod(2, true, true, "r1").match(2, s.commit() - 5).match(3, s.commit());
            // kv-2 is a follower on the old template: it goes before the leader.
            assertThat(plan(s).step()).isEqualTo(new DeletePod(2));
        }

        @Test
        void singleMemberIsRestartedInPlace() {
            assertThat(plan(stable(1, 1).updateRevision("r2")).step()).isEqualTo(new DeletePod(0));
        }

        @Test
        void scalingComesBeforeRestarting() {
            assertThat(plan(stable(3, 5).updateRevision("r2")).step()).isEqualTo(new ScaleStatefulSet(3, 4));
        }
    }

    @Nested
    class Replacement {

        @Test
        void podOnAFreshVolumeReplacesItsOldMemberRemoveFirst() {
            // kv-1 came back empty under id 99; member 2 is still registered for kv-1.
            ClusterScenario s = stable(3, 3).pod(1, true, false, "r1").joining(1, 99);
            MembershipPlan plan = plan(s);
            assertThat(plan.step()).isEqualTo(new Remove(1, 2));
            ClusterOperation op = plan.operation().orElseThrow();
            assertThat(op.getKind()).isEqualTo(Kind.ReplaceMember);

            // Next reconciliation: the old member is gone, the new one is added; still a replacement.
            ClusterScenario after = stable(3, 3).pod(1, true, false, "r1").joining(1, 99);
            after.build(); // members of kv-1 are replaced below
            ClusterScenario removed = ClusterScenario.stable(3, 3)
                    .pod(1, true, false, "r1")
                    .joining(1, 99)
                    .operation(op);
            MembershipPlan next = planner.plan(withoutMemberAt(removed, 1));
            assertThat(next.step()).isEqualTo(new AddLearner(1, 99));
            assertThat(next.operation().orElseThrow().getKind()).isEqualTo(Kind.ReplaceMember);
            assertThat(next.operation().get().getStartedAt()).isEqualTo(op.getStartedAt());
        }

        @Test
        void replacementWaitsWhenRemovingTheOldMemberWouldCostTheQuorum() {
            // kv-1 came back empty under id 99 while kv-2 (member 3) is not ready: removing member 2
            // would leave voters {1, 3} with one ready — no quorum. Nothing is removed.
            ClusterScenario s =
                    stable(3, 3).pod(1, true, false, "r1").joining(1, 99).pod(2, true, false, "r1");
            Wait wait = waitOf(plan(s));
            assertThat(wait.waitingFor()).isEqualTo(MembershipPlanner.QUORUM_AT_RISK);
            assertThat(plan(s).operation().orElseThrow().getKind()).isEqualTo(Kind.ReplaceMember);
        }

        @Test
        void aVolumeRefusedAtStartUpIsReportedAtOnceWithWhatToDoAndNeverDeleted() {
            ClusterScenario s = stable(3, 3).storageRefused(2).inactive(3);
            MembershipPlan plan = plan(s);
            Wait wait = waitOf(plan);
            assertThat(wait.waitingFor()).isEqualTo(MembershipPlanner.STORAGE_REFUSED);
            assertThat(wait.needsIntervention()).isTrue();
            assertThat(wait.message()).contains("kv-2", "member 3", "delete the PersistentVolumeClaim data-kv-2");
            assertThat(plan.problem()).isPresent();
            assertThat(plan.operation().orElseThrow().getKind()).isEqualTo(Kind.ReplaceMember);

            // With another member down, deleting the volume would cost the quorum: the message says so.
            Wait risky = waitOf(plan(stable(3, 3).storageRefused(2).inactive(3).pod(1, true, false, "r1")));
            assertThat(risky.message()).contains("Do not delete its volume now");
        }

        @Test
        void aMemberThatStillWorksIsNotReportedForAnEarlierRefusal() {
            // The last run exited 3 but the member replicates (e.g. the disk was remounted): nothing to do.
            assertThat(plan(stable(3, 3).storageRefused(2)).step()).isInstanceOf(Idle.class);
        }

        /**
         * The argument of {@link MembershipPlanner}'s "Replacement order": for a dead member (its pod
         * now runs its successor on a fresh volume), removing it first never tolerates fewer failures
         * than adding the successor first, in any phase, and one more in one of them (odd sizes: after
         * promotion; even sizes: during catch-up).
         */
        @Test
        void removeFirstNeverToleratesFewerFailuresThanAddFirstForADeadMember() {
            for (int n = 2; n <= 9; n++) {
                // phases: catch-up (learner replicating), after promotion, end
                int[] addFirst = {tolerance(n, n - 1), tolerance(n + 1, n), tolerance(n, n)};
                int[] removeFirst = {tolerance(n - 1, n - 1), tolerance(n, n), tolerance(n, n)};
                for (int phase = 0; phase < 3; phase++) {
                    assertThat(removeFirst[phase])
                            .as("n=" + n + " phase " + phase)
                            .isGreaterThanOrEqualTo(addFirst[phase]);
                }
                assertThat(removeFirst[0] + removeFirst[1])
                        .as("n=" + n + ": strictly better in one phase")
                        .isGreaterThan(addFirst[0] + addFirst[1]);
            }
        }

        /** Failures a configuration of {@code voters} with {@code alive} of them working tolerates. */
        private int tolerance(int voters, int alive) {
            return alive - (voters / 2 + 1);
        }

        private ObservedCluster withoutMemberAt(ClusterScenario s, int ordinal) {
            ObservedCluster c = s.build();
            var leader = c.leader().orElseThrow();
            var members = leader.members().stream()
                    .filter(m -> m.ordinal() != ordinal)
                    .toList();
            return new ObservedCluster(
                    c.podNamePrefix(),
                    c.desiredReplicas(),
                    c.statefulSetReplicas(),
                    c.updateRevision(),
                    c.pods(),
                    java.util.Optional.of(new ObservedCluster.LeaderView(
                            leader.leaderId(),
                            leader.leaderOrdinal(),
                            leader.term(),
                            leader.commitIndex(),
                            members,
                            leader.matchIndex())),
                    c.probes(),
                    c.retainedClaims(),
                    c.operation(),
                    c.now());
        }
    }

    @Nested
    class DeadlinesAndLeaders {

        @Test
        void noLeaderMeansNoActionAndDegradedOnlyAfterTheDeadline() {
            ClusterScenario s = stable(3, 5).noLeader();
            MembershipPlan first = plan(s);
            assertThat(waitOf(first).waitingFor()).isEqualTo(MembershipPlanner.NO_LEADER);
            assertThat(first.problem()).isEmpty();

            ClusterOperation recorded = first.operation().orElseThrow();
            MembershipPlan later = plan(s.operation(recorded).at(T0.plus(Duration.ofMinutes(11))));
            assertThat(later.operation().orElseThrow().getStepStartedAt()).isEqualTo(recorded.getStepStartedAt());
            assertThat(later.problem().orElseThrow().reason()).isEqualTo(MembershipPlanner.NO_LEADER);
        }

        @Test
        void noLeaderAndNothingToDoIsIdle() {
            assertThat(plan(stable(3, 3).noLeader()).step()).isInstanceOf(Idle.class);
        }

        @Test
        void learnerThatNeverCatchesUpDegradesAfterTheDeadline() {
            ClusterScenario s =
                    stable(3, 5).statefulSet(4).pod(3, true, true, "r1").learner(3, 77, 10);
            MembershipPlan first = plan(s);
            assertThat(first.problem()).isEmpty();
            ClusterOperation recorded = first.operation().orElseThrow();

            MembershipPlan nineMinutes = plan(s.operation(recorded).at(T0.plusSeconds(9 * 60)));
            assertThat(nineMinutes.problem()).isEmpty();
            MembershipPlan elevenMinutes = plan(s.operation(recorded).at(T0.plusSeconds(11 * 60)));
            assertThat(elevenMinutes.problem().orElseThrow().reason())
                    .isEqualTo(MembershipPlanner.LEARNER_NOT_CAUGHT_UP);
            assertThat(elevenMinutes.problem().get().message()).contains("kv-3", "learner 77");
            // Still waiting, not giving up: the learner is promoted as soon as it catches up.
            assertThat(plan(s.learner(3, 77, s.commit())).step()).isEqualTo(new Promote(3, 77));
        }

        @Test
        void aNewStepRestartsTheStepClockButNotTheOperationClock() {
            ClusterScenario s = stable(3, 5).statefulSet(4).pod(3, true, false, "r1");
            ClusterOperation waiting = plan(s).operation().orElseThrow();
            MembershipPlan add = plan(s.joining(3, 88).operation(waiting).at(T0.plusSeconds(30)));
            ClusterOperation op = add.operation().orElseThrow();
            assertThat(op.getStartedAt()).isEqualTo("2026-01-01T00:00:00Z");
            assertThat(op.getStepStartedAt()).isEqualTo("2026-01-01T00:00:30Z");
            assertThat(op.getStep()).isEqualTo("AddLearner");
        }
    }
}
