package io.raftkv.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.processing.dependent.workflow.CRDPresentActivationCondition;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.dependents.ClusterObjects;
import io.raftkv.operator.dependents.PodMonitor;
import io.raftkv.operator.membership.FakeNodeAdmin;
import io.raftkv.operator.membership.MembershipSettings;
import io.raftkv.operator.metrics.ClusterMetrics;
import java.io.FileInputStream;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code spec.monitoring.enabled} against the mock API server with the Prometheus Operator's
 * PodMonitor CRD installed: the operator creates the cluster's PodMonitor (pod contract labels and
 * port, raftkv_cluster relabeling, owner reference), follows the interval, and deletes it when
 * monitoring is turned off; a cluster without monitoring gets none.
 */
@EnableKubernetesMockClient(crud = true)
class PodMonitorMockServerTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    static KubernetesClient client;
    private static Operator operator;

    @BeforeAll
    static void startOperator() throws Exception {
        try (InputStream crd = new FileInputStream(TestClusters.generatedCrd().toFile())) {
            client.apiextensions().v1().customResourceDefinitions().load(crd).create();
        }
        client.apiextensions()
                .v1()
                .customResourceDefinitions()
                .resource(new CustomResourceDefinitionBuilder()
                        .withNewMetadata()
                        .withName("podmonitors.monitoring.coreos.com")
                        .endMetadata()
                        .withNewSpec()
                        .withGroup("monitoring.coreos.com")
                        .withScope("Namespaced")
                        .withNewNames()
                        .withKind("PodMonitor")
                        .withPlural("podmonitors")
                        .withSingular("podmonitor")
                        .withListKind("PodMonitorList")
                        .endNames()
                        .addNewVersion()
                        .withName("v1")
                        .withServed(true)
                        .withStorage(true)
                        .withNewSchema()
                        .withNewOpenAPIV3Schema()
                        .withType("object")
                        .withXKubernetesPreserveUnknownFields(true)
                        .endOpenAPIV3Schema()
                        .endSchema()
                        .endVersion()
                        .endSpec()
                        .build())
                .create();
        // JOSDK caches CRD presence per JVM; another test class may have seen it absent.
        CRDPresentActivationCondition.clearState();
        operator = RaftKvOperator.create(
                client,
                new SimpleMeterRegistry(),
                new ClusterMetrics(new SimpleMeterRegistry()),
                new OperatorSettings(Set.of(), false, "unused", Optional.empty(), "test", 0),
                Optional.empty(),
                Clock.systemUTC(),
                new FakeNodeAdmin(),
                (cluster, ordinal) -> ClusterObjects.podName(cluster, ordinal),
                MembershipSettings.DEFAULTS);
        operator.start();
    }

    @AfterAll
    static void stopOperator() {
        if (operator != null) {
            operator.stop();
        }
    }

    @Test
    void enabledMonitoringKeepsAPodMonitorUntilTurnedOff() {
        RaftKvCluster cluster = TestClusters.cluster("ns-mon", "gamma", 3);
        cluster.getSpec().getMonitoring().setEnabled(true);
        cluster.getSpec().getMonitoring().setInterval("15s");
        cluster.getSpec().getMonitoring().setLabels(Map.of("release", "kube-prometheus-stack"));
        RaftKvCluster created = client.resource(cluster).create();

        PodMonitor pm = await().atMost(TIMEOUT)
                .until(
                        () -> client.resources(PodMonitor.class)
                                .inNamespace("ns-mon")
                                .withName("gamma")
                                .get(),
                        p -> p != null);
        assertThat(pm.getMetadata().getOwnerReferences())
                .singleElement()
                .satisfies(o ->
                        assertThat(o.getUid()).isEqualTo(created.getMetadata().getUid()));
        assertThat(pm.getMetadata().getLabels())
                .containsEntry("release", "kube-prometheus-stack")
                .containsEntry("app.kubernetes.io/managed-by", "raftkv-operator");
        assertThat(pm.getSpec().selector.getMatchLabels()).isEqualTo(ClusterObjects.selectorLabels(created));
        assertThat(pm.getSpec().namespaceSelector.matchNames).containsExactly("ns-mon");
        PodMonitor.Endpoint endpoint = pm.getSpec().podMetricsEndpoints.get(0);
        assertThat(endpoint.port).isEqualTo("probe");
        assertThat(endpoint.path).isEqualTo("/metrics");
        assertThat(endpoint.interval).isEqualTo("15s");
        assertThat(endpoint.relabelings).singleElement().satisfies(r -> {
            assertThat(r.sourceLabels).containsExactly("__meta_kubernetes_pod_label_app_kubernetes_io_instance");
            assertThat(r.targetLabel).isEqualTo("raftkv_cluster");
        });

        // A merge patch without resourceVersion, as kubectl does: an edit() would race with the
        // operator's concurrent status patches (409) and make this test flaky.
        client.resources(RaftKvCluster.class)
                .inNamespace("ns-mon")
                .withName("gamma")
                .patch(
                        io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                                io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                        "{\"spec\":{\"monitoring\":{\"enabled\":false}}}");
        await().atMost(TIMEOUT)
                .untilAsserted(() -> assertThat(client.resources(PodMonitor.class)
                                .inNamespace("ns-mon")
                                .withName("gamma")
                                .get())
                        .isNull());
    }

    @Test
    void aClusterWithoutMonitoringGetsNoPodMonitor() {
        client.resource(TestClusters.cluster("ns-nomon", "delta", 3)).create();
        await().atMost(TIMEOUT)
                .until(
                        () -> client.apps()
                                .statefulSets()
                                .inNamespace("ns-nomon")
                                .withName("delta")
                                .get(),
                        (StatefulSet s) -> s != null);
        List<PodMonitor> monitors = client.resources(PodMonitor.class)
                .inNamespace("ns-nomon")
                .list()
                .getItems();
        assertThat(monitors).isEmpty();
    }
}
