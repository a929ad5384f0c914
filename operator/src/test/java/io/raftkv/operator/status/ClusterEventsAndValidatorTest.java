package io.raftkv.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.raftkv.operator.TestClusters;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.api.v1alpha1.RaftKvClusterStatus;
import io.raftkv.operator.status.ClusterEvents.ClusterEvent;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ClusterEventsAndValidatorTest {

    @Test
    void eventsForDegradedRecoveredAvailableAndQuorumLost() {
        RaftKvClusterStatus healthy = status("True", "QuorumReady", "False", "AsExpected");
        RaftKvClusterStatus degraded = status("True", "QuorumReady", "True", "ReplicasNotReady");
        RaftKvClusterStatus lost = status("False", "QuorumLost", "True", "ReplicasNotReady");

        assertThat(reasons(ClusterEvents.transitions(null, healthy))).containsExactly("Available");
        assertThat(reasons(ClusterEvents.transitions(healthy, healthy))).isEmpty();
        assertThat(reasons(ClusterEvents.transitions(healthy, degraded))).containsExactly("ReplicasNotReady");
        assertThat(reasons(ClusterEvents.transitions(degraded, lost))).containsExactly("QuorumLost");
        assertThat(reasons(ClusterEvents.transitions(lost, healthy))).containsExactly("Recovered", "Available");
    }

    @Test
    void validatorNamesEveryProblem() {
        RaftKvCluster cluster = TestClusters.stored("ns", "kv", 3);
        assertThat(SpecValidator.problems(cluster, Optional.empty())).isEmpty();

        cluster.getSpec().setReplicas(4);
        cluster.getSpec().setImage(" ");
        cluster.getSpec().getStorage().setSize("ten gigs");
        cluster.getSpec().getRaft().setHeartbeatTicks(10);
        assertThat(SpecValidator.problems(cluster, Optional.empty()))
                .satisfiesExactly(
                        p -> assertThat(p).contains("spec.replicas is 4"),
                        p -> assertThat(p).contains("spec.image"),
                        p -> assertThat(p).contains("spec.storage.size 'ten gigs'"),
                        p -> assertThat(p).contains("spec.raft.electionTicks"));

        cluster.getSpec().setReplicas(11);
        assertThat(SpecValidator.problems(cluster, Optional.empty()).get(0)).contains("from 1 to 9");
    }

    @Test
    void validatorRefusesStorageChangesOfALiveCluster() {
        RaftKvCluster cluster = TestClusters.stored("ns", "kv", 3);
        StatefulSet live = io.raftkv.operator.dependents.StatefulSetDependentAccess.desired(cluster);
        cluster.getSpec().getStorage().setSize("10240Mi");
        assertThat(SpecValidator.problems(cluster, Optional.of(live)))
                .as("same size")
                .isEmpty();
        cluster.getSpec().getStorage().setSize("20Gi");
        cluster.getSpec().getStorage().setStorageClassName("other");
        assertThat(SpecValidator.problems(cluster, Optional.of(live)))
                .satisfiesExactly(
                        p -> assertThat(p).contains("spec.storage.size cannot change"),
                        p -> assertThat(p).contains("spec.storage.storageClassName cannot change"));
    }

    @Test
    void anAlarmReportedByTheLeaderBecomesTheAlarmConditionAndOneWarningUntilCleared() {
        RaftKvClusterStatus healthy = status("True", "QuorumReady", "False", "AsExpected");
        RaftKvClusterStatus alarmed = withCondition(
                status("True", "QuorumReady", "False", "AsExpected"),
                ClusterStatusCalculator.alarm(List.of("NOSPACE:2")));
        RaftKvClusterStatus cleared = withCondition(
                status("True", "QuorumReady", "False", "AsExpected"), ClusterStatusCalculator.alarm(List.of()));
        assertThat(alarmed.getConditions().get(2).getReason()).isEqualTo("NOSPACE");
        assertThat(alarmed.getConditions().get(2).getMessage()).contains("NOSPACE:2", "raftkvctl alarm disarm");
        assertThat(cleared.getConditions().get(2).getStatus()).isEqualTo("False");
        assertThat(reasons(ClusterEvents.transitions(healthy, alarmed))).containsExactly("AlarmNOSPACE");
        assertThat(reasons(ClusterEvents.transitions(alarmed, alarmed))).isEmpty();
        assertThat(reasons(ClusterEvents.transitions(alarmed, cleared))).containsExactly("AlarmCleared");
    }

    private static RaftKvClusterStatus withCondition(
            RaftKvClusterStatus s, io.fabric8.kubernetes.api.model.Condition c) {
        List<io.fabric8.kubernetes.api.model.Condition> all = new java.util.ArrayList<>(s.getConditions());
        all.add(c);
        s.setConditions(all);
        return s;
    }

    private static RaftKvClusterStatus status(
            String available, String availableReason, String degraded, String degradedReason) {
        RaftKvClusterStatus s = new RaftKvClusterStatus();
        s.setConditions(List.of(
                new ConditionBuilder()
                        .withType("Available")
                        .withStatus(available)
                        .withReason(availableReason)
                        .withMessage("m")
                        .build(),
                new ConditionBuilder()
                        .withType("Degraded")
                        .withStatus(degraded)
                        .withReason(degradedReason)
                        .withMessage("m")
                        .build()));
        return s;
    }

    private static List<String> reasons(List<ClusterEvent> events) {
        return events.stream().map(ClusterEvent::reason).toList();
    }

    /** Keys the API server would refuse with a 422 on every owned object are named up front. */
    @Test
    void validatorRefusesLabelAndAnnotationKeysTheApiServerWould() {
        RaftKvCluster cluster = TestClusters.stored("ns", "kv", 3);
        cluster.getSpec()
                .setLabels(new java.util.LinkedHashMap<>(java.util.Map.of(
                        "team", "kv", "example.com/tier", "gold", "bad key", "x", "ok", "-bad-value")));
        cluster.getSpec()
                .setAnnotations(
                        new java.util.LinkedHashMap<>(java.util.Map.of("/nope", "x", "note", "any text, even spaces")));
        assertThat(SpecValidator.problems(cluster, Optional.empty()))
                .anySatisfy(p -> assertThat(p).startsWith("spec.labels key 'bad key'"))
                .anySatisfy(p -> assertThat(p).startsWith("spec.labels['ok'] value '-bad-value'"))
                .anySatisfy(p -> assertThat(p).startsWith("spec.annotations key '/nope'"))
                .hasSize(3);
    }
}
