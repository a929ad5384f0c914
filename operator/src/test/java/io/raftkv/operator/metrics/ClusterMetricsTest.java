package io.raftkv.operator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.raftkv.operator.TestClusters;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.api.v1alpha1.RaftKvClusterStatus;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ClusterMetricsTest {

    private static RaftKvCluster withDegraded(String name, String status) {
        RaftKvCluster c = TestClusters.cluster("apps", name, 3);
        RaftKvClusterStatus s = new RaftKvClusterStatus();
        if (status != null) {
            s.setConditions(List.of(new ConditionBuilder()
                    .withType("Degraded")
                    .withStatus(status)
                    .build()));
        }
        c.setStatus(s);
        return c;
    }

    @Test
    void degradedFollowsTheConditionPerCluster() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ClusterMetrics metrics = new ClusterMetrics(registry);
        metrics.observe(() ->
                Stream.of(withDegraded("stuck", "True"), withDegraded("fine", "False"), withDegraded("new", null)));
        metrics.refresh();
        assertThat(registry.get("raftkv.cluster.degraded")
                        .tag("name", "stuck")
                        .gauge()
                        .value())
                .isEqualTo(1);
        assertThat(registry.get("raftkv.cluster.degraded")
                        .tag("name", "fine")
                        .gauge()
                        .value())
                .isZero();
        assertThat(registry.get("raftkv.cluster.degraded")
                        .tag("name", "new")
                        .gauge()
                        .value())
                .isZero();

        metrics.observe(Stream::empty);
        metrics.refresh();
        assertThat(registry.find("raftkv.cluster.degraded").gauges()).isEmpty();
    }

    /** Two operator replicas: only the one holding the Lease exports per-cluster series. */
    @Test
    void standbyReplicaExportsNoPerClusterSeriesUntilItLeads() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ClusterMetrics metrics = new ClusterMetrics(registry);
        metrics.observe(() -> Stream.of(withDegraded("a", "False")));
        var election = io.raftkv.operator.RaftKvOperator.leaderElection(
                new io.raftkv.operator.OperatorSettings(
                        java.util.Set.of(), true, "lock", java.util.Optional.empty(), "replica-2", 0),
                "ops",
                metrics);

        metrics.refresh();
        assertThat(registry.find("raftkv.cluster.replicas.desired").gauges()).isEmpty();
        assertThat(registry.get("raftkv.operator.leader").gauge().value()).isZero();

        election.getLeaderCallbacks().orElseThrow().onStartLeading();
        metrics.refresh();
        assertThat(registry.get("raftkv.cluster.replicas.desired")
                        .tag("name", "a")
                        .gauge()
                        .value())
                .isEqualTo(3);
        assertThat(registry.get("raftkv.operator.leader").gauge().value()).isEqualTo(1);

        election.getLeaderCallbacks().orElseThrow().onStopLeading();
        metrics.refresh();
        assertThat(registry.find("raftkv.cluster.replicas.desired").gauges()).isEmpty();
    }
}
