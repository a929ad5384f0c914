package io.raftkv.operator.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.raftkv.operator.TestClusters;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.api.v1alpha1.RaftKvClusterStatus;
import io.raftkv.operator.dependents.ClusterObjects;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@code status.leader} is written by the leader node; during a total outage no node is left to
 * clear it, so the operator does — only on positive evidence that the pod it names leads nothing.
 */
class StaleLeaderTest {

    private final FakeNodeAdmin nodes = new FakeNodeAdmin();
    private final MembershipOrchestrator orchestrator =
            new MembershipOrchestrator(nodes, (c, k) -> ClusterObjects.podName(c, k), MembershipSettings.DEFAULTS);
    private final RaftKvCluster cluster = TestClusters.stored("ns", "c", 3);
    private final StatefulSet sts =
            new StatefulSetBuilder().withNewSpec().withReplicas(3).endSpec().build();

    StaleLeaderTest() {
        RaftKvClusterStatus status = new RaftKvClusterStatus();
        status.setLeader("c-0");
        status.setTerm(7L);
        cluster.setStatus(status);
    }

    private boolean leaderGone(List<Pod> pods) {
        return orchestrator
                .prepare(cluster, Optional.of(sts), pods, (ns, name) -> true, Instant.parse("2030-01-01T00:00:00Z"))
                .recordedLeaderGone();
    }

    private static Pod pod(String name, boolean running, boolean ready) {
        return new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace("ns")
                .endMetadata()
                .withNewStatus()
                .withPhase(running ? "Running" : "Pending")
                .addNewCondition()
                .withType("Ready")
                .withStatus(ready ? "True" : "False")
                .endCondition()
                .endStatus()
                .build();
    }

    @Test
    void everyPodGoneClearsTheRecordedLeader() {
        assertThat(leaderGone(List.of())).isTrue();
    }

    @Test
    void recordedLeaderThatAnswersItKnowsNoLeaderIsCleared() {
        for (int i = 0; i < 3; i++) {
            nodes.bootstrapVoter("c-" + i, i + 1, "c-" + i + ".c-peers.ns.svc:9091");
        }
        nodes.makeLeader(0); // quorum lost: nobody leads, every member says so
        assertThat(leaderGone(List.of(pod("c-0", true, false), pod("c-1", true, false), pod("c-2", false, false))))
                .isTrue();
    }

    @Test
    void aLeaderThatAnswersOrSilenceWithoutEvidenceKeepsIt() {
        for (int i = 0; i < 3; i++) {
            nodes.bootstrapVoter("c-" + i, i + 1, "c-" + i + ".c-peers.ns.svc:9091");
        }
        List<Pod> pods = List.of(pod("c-0", true, true), pod("c-1", true, true), pod("c-2", true, true));
        assertThat(leaderGone(pods)).as("c-0 leads").isFalse();

        nodes.stopNode("c-0"); // unreachable is not evidence: it may lead behind a slow network
        nodes.makeLeader(0);
        assertThat(leaderGone(List.of(pod("c-0", true, false)))).isFalse();
    }
}
