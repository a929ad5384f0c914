package io.raftkv.operator.status;

import static io.raftkv.operator.status.ConditionTypes.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import io.raftkv.operator.TestClusters;
import io.raftkv.operator.api.v1alpha1.ClusterOperation;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.api.v1alpha1.RaftKvClusterStatus;
import io.raftkv.operator.dependents.ClusterObjectsAccess;
import io.raftkv.operator.membership.MembershipPlan;
import io.raftkv.operator.membership.MembershipProgress;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ClusterStatusCalculatorTest {

    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
    private static final Instant T1 = Instant.parse("2030-01-01T00:05:00Z");

    private final RaftKvCluster cluster = TestClusters.stored("ns", "kv", 3);

    @Test
    void newClusterIsCreatingUntilEveryMemberHasBeenReady() {
        RaftKvClusterStatus s = compute(Optional.empty(), List.of(), T0);
        assertThat(s.getPhase()).isEqualTo(PHASE_CREATING);
        assertCondition(s, AVAILABLE, "False", REASON_BOOTSTRAPPING);
        assertCondition(s, PROGRESSING, "True", REASON_CREATING);
        assertCondition(s, DEGRADED, "False", REASON_AS_EXPECTED);

        cluster.setStatus(s);
        s = compute(sts(3, 2), List.of(), T1);
        assertThat(s.getPhase()).isEqualTo(PHASE_CREATING);
        assertCondition(s, AVAILABLE, "True", REASON_QUORUM_READY);
        assertCondition(s, DEGRADED, "False", REASON_AS_EXPECTED);

        cluster.setStatus(s);
        s = compute(sts(3, 3), List.of(), T1);
        assertThat(s.getPhase()).isEqualTo(PHASE_RUNNING);
        assertCondition(s, PROGRESSING, "False", REASON_STABLE);
        assertThat(s.getReadyReplicas()).isEqualTo(3);
        assertThat(s.getReplicas()).isEqualTo(3);
        assertThat(s.getObservedGeneration()).isEqualTo(1L);
    }

    @Test
    void aMemberLostAfterCreationIsDegradedAndLosingQuorumIsUnavailable() {
        cluster.setStatus(compute(sts(3, 3), List.of(), T0));
        cluster.setStatus(compute(sts(3, 3), List.of(), T0));
        RaftKvClusterStatus one = compute(sts(3, 2), List.of(), T1);
        assertThat(one.getPhase()).isEqualTo(PHASE_DEGRADED);
        assertCondition(one, DEGRADED, "True", REASON_REPLICAS_NOT_READY);
        assertCondition(one, AVAILABLE, "True", REASON_QUORUM_READY);

        cluster.setStatus(one);
        RaftKvClusterStatus two = compute(sts(3, 1), List.of(), T1);
        assertCondition(two, AVAILABLE, "False", REASON_QUORUM_LOST);
    }

    @Test
    void lastTransitionTimeMovesOnlyWhenTheStatusChanges() {
        cluster.setStatus(compute(sts(3, 3), List.of(), T0));
        RaftKvClusterStatus same = compute(sts(3, 3), List.of(), T1);
        assertThat(condition(same, AVAILABLE).getLastTransitionTime()).isEqualTo("2030-01-01T00:00:00Z");
        assertThat(same).isEqualTo(compute(sts(3, 3), List.of(), T1));

        cluster.setStatus(same);
        RaftKvClusterStatus lost = compute(sts(3, 1), List.of(), T1);
        assertThat(condition(lost, AVAILABLE).getLastTransitionTime()).isEqualTo("2030-01-01T00:05:00Z");
    }

    @Test
    void invalidSpecIsDegradedAndJudgesAvailabilityByWhatRuns() {
        cluster.getSpec().setReplicas(4);
        RaftKvClusterStatus s = compute(sts(3, 3), List.of("spec.replicas is 4"), T0);
        assertThat(s.getPhase()).isEqualTo(PHASE_DEGRADED);
        assertCondition(s, DEGRADED, "True", REASON_INVALID_SPEC);
        assertThat(condition(s, DEGRADED).getMessage()).contains("spec.replicas is 4");
        assertCondition(s, PROGRESSING, "False", REASON_INVALID_SPEC);
        assertCondition(s, AVAILABLE, "True", REASON_QUORUM_READY);
    }

    @Test
    void scalingAndPendingTemplateUpdatesAreProgressing() {
        cluster.setStatus(compute(sts(3, 3), List.of(), T0));
        cluster.getSpec().setReplicas(5);
        RaftKvClusterStatus scaling = compute(sts(3, 3), List.of(), T1);
        assertCondition(scaling, PROGRESSING, "True", REASON_SCALING);
        assertThat(scaling.getPhase()).isEqualTo(PHASE_UPDATING);

        cluster.setStatus(scaling);
        // All five pods exist, one is not ready yet: still scaling, not degraded.
        RaftKvClusterStatus joining = compute(sts(5, 4), List.of(), T1);
        assertCondition(joining, PROGRESSING, "True", REASON_SCALING);
        assertCondition(joining, DEGRADED, "False", REASON_AS_EXPECTED);

        cluster.setStatus(joining);
        StatefulSet outdated = sts(5, 5).orElseThrow();
        outdated.getStatus().setUpdateRevision("rev2");
        outdated.getStatus().setUpdatedReplicas(0);
        RaftKvClusterStatus pending = compute(Optional.of(outdated), List.of(), T1);
        assertCondition(pending, PROGRESSING, "True", REASON_UPDATE_PENDING);
        assertThat(pending.getPhase()).isEqualTo(PHASE_UPDATING);
    }

    @Test
    void nodeOwnedFieldsAreCopiedUnchanged() {
        RaftKvClusterStatus reported = new RaftKvClusterStatus();
        reported.setLeader("kv-2");
        reported.setTerm(12L);
        reported.setCommitIndex(99L);
        cluster.setStatus(reported);
        RaftKvClusterStatus s = compute(sts(3, 3), List.of(), T0);
        assertThat(s.getLeader()).isEqualTo("kv-2");
        assertThat(s.getTerm()).isEqualTo(12L);
        assertThat(s.getCommitIndex()).isEqualTo(99L);
        assertThat(s.getSelector()).isEqualTo(ClusterObjectsAccess.selector(cluster));
    }

    @Test
    void membershipOperationsShowAsScalingOrUpgradingAndBlockedOnesAsDegraded() {
        cluster.setStatus(compute(sts(3, 3), List.of(), T0));
        cluster.setStatus(compute(sts(3, 3), List.of(), T0));
        ClusterOperation addLearner = new ClusterOperation(
                ClusterOperation.Kind.ScaleUp,
                "kv-3",
                "4294967296",
                "AddLearner",
                "2030-01-01T00:00:00Z",
                "2030-01-01T00:00:00Z",
                null);
        cluster.getSpec().setReplicas(5);

        RaftKvClusterStatus scaling = ClusterStatusCalculator.compute(
                cluster, sts(4, 3), List.of(), T1, new MembershipProgress(Optional.of(addLearner), Optional.empty()));
        assertThat(scaling.getPhase()).isEqualTo(PHASE_SCALING);
        assertThat(scaling.getOperation()).isEqualTo(addLearner);
        assertThat(condition(scaling, PROGRESSING).getReason()).isEqualTo(REASON_SCALING);
        assertThat(condition(scaling, PROGRESSING).getMessage()).contains("kv-3", "AddLearner");
        assertThat(condition(scaling, DEGRADED).getStatus()).isEqualTo("False");
        assertThat(condition(scaling, AVAILABLE).getStatus()).isEqualTo("True");

        RaftKvClusterStatus stuck = ClusterStatusCalculator.compute(
                cluster,
                sts(4, 3),
                List.of(),
                T1,
                new MembershipProgress(
                        Optional.of(addLearner),
                        Optional.of(new MembershipPlan.Problem("LearnerNotCaughtUp", "learner 4294967296 lags"))));
        assertThat(stuck.getPhase()).isEqualTo(PHASE_DEGRADED);
        assertThat(condition(stuck, DEGRADED).getReason()).isEqualTo("LearnerNotCaughtUp");
        assertThat(condition(stuck, DEGRADED).getMessage()).isEqualTo("learner 4294967296 lags");
        assertThat(condition(stuck, PROGRESSING).getStatus()).isEqualTo("True");

        ClusterOperation restart = new ClusterOperation(
                ClusterOperation.Kind.RollingRestart,
                "kv-2",
                "3",
                "DeletePod",
                "2030-01-01T00:00:00Z",
                "2030-01-01T00:00:00Z",
                null);
        cluster.getSpec().setReplicas(3);
        RaftKvClusterStatus upgrading = ClusterStatusCalculator.compute(
                cluster, sts(3, 2), List.of(), T1, new MembershipProgress(Optional.of(restart), Optional.empty()));
        assertThat(upgrading.getPhase()).isEqualTo(PHASE_UPGRADING);
        assertThat(condition(upgrading, PROGRESSING).getReason()).isEqualTo(REASON_ROLLING_UPDATE);
        // A pod down for its restart is expected, not a degradation.
        assertThat(condition(upgrading, DEGRADED).getStatus()).isEqualTo("False");

        // Converged: the operation disappears from the status.
        RaftKvClusterStatus done =
                ClusterStatusCalculator.compute(cluster, sts(3, 3), List.of(), T1, MembershipProgress.idle());
        assertThat(done.getOperation()).isNull();
        assertThat(done.getPhase()).isEqualTo(PHASE_RUNNING);
    }

    private RaftKvClusterStatus compute(Optional<StatefulSet> sts, List<String> problems, Instant now) {
        return ClusterStatusCalculator.compute(cluster, sts, problems, now);
    }

    private static Optional<StatefulSet> sts(int replicas, int ready) {
        StatefulSet sts = new io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder()
                .withNewMetadata()
                .withGeneration(1L)
                .endMetadata()
                .withNewSpec()
                .withReplicas(replicas)
                .endSpec()
                .withStatus(new StatefulSetStatusBuilder()
                        .withObservedGeneration(1L)
                        .withReplicas(replicas)
                        .withReadyReplicas(ready)
                        .withUpdatedReplicas(replicas)
                        .withCurrentRevision("rev1")
                        .withUpdateRevision("rev1")
                        .build())
                .build();
        return Optional.of(sts);
    }

    private static Condition condition(RaftKvClusterStatus status, String type) {
        return ClusterStatusCalculator.find(status, type).orElseThrow();
    }

    private static void assertCondition(RaftKvClusterStatus status, String type, String value, String reason) {
        Condition c = condition(status, type);
        assertThat(c.getStatus()).as(type + " status").isEqualTo(value);
        assertThat(c.getReason()).as(type + " reason").isEqualTo(reason);
        assertThat(c.getObservedGeneration()).isEqualTo(1L);
    }

    /**
     * Scaling 1 → 3 (and 3 → 7, 5 → 9): while the new pods join, the one ready voter is a quorum
     * of the current configuration; judging against spec.replicas called it QuorumLost.
     */
    @Test
    void scalingUpIsJudgedAgainstTheCurrentVotersNotTheSpec() {
        RaftKvCluster single = TestClusters.stored("ns", "one", 1);
        single.setStatus(
                ClusterStatusCalculator.compute(single, sts(1, 1), List.of(), T0, MembershipProgress.idle(), 1));
        assertCondition(single.getStatus(), AVAILABLE, "True", REASON_QUORUM_READY);

        single.getSpec().setReplicas(3);
        ClusterOperation adding = new ClusterOperation(
                ClusterOperation.Kind.ScaleUp,
                "one-1",
                null,
                "WaitForPodReady",
                T0.toString(),
                T0.toString(),
                "waiting for pod one-1 to run");
        RaftKvClusterStatus growing = ClusterStatusCalculator.compute(
                single, sts(2, 1), List.of(), T1, new MembershipProgress(Optional.of(adding), Optional.empty()), 1);
        assertCondition(growing, AVAILABLE, "True", REASON_QUORUM_READY);
        assertThat(growing.getPhase()).isEqualTo(PHASE_SCALING);

        RaftKvCluster seven = TestClusters.stored("ns", "seven", 7);
        seven.setStatus(ClusterStatusCalculator.compute(seven, sts(3, 3), List.of(), T0, MembershipProgress.idle(), 3));
        RaftKvClusterStatus s = ClusterStatusCalculator.compute(
                seven, sts(4, 3), List.of(), T1, new MembershipProgress(Optional.of(adding), Optional.empty()), 3);
        assertCondition(s, AVAILABLE, "True", REASON_QUORUM_READY);
    }
}
