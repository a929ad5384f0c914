package io.raftkv.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.dependents.ClusterObjects;
import io.raftkv.operator.membership.FakeNodeAdmin;
import io.raftkv.operator.membership.MembershipSettings;
import io.raftkv.operator.metrics.ClusterMetrics;
import io.raftkv.operator.status.ConditionTypes;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One tenant's malformed RaftKvCluster must not stop the operator for everyone else. The mock
 * server validates nothing, like an API server whose CRD predates a schema rule, so it stores a
 * spec whose quantities Fabric8 cannot parse. The operator must still start, manage the valid
 * cluster beside it, and report the bad one as Degraded with an event naming the field.
 */
@EnableKubernetesMockClient(crud = true)
class UnreadableSpecMockServerTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    KubernetesClient client;
    private Operator operator;

    @BeforeEach
    void loadCrd() throws IOException {
        try (InputStream crd = new FileInputStream(TestClusters.generatedCrd().toFile())) {
            client.apiextensions().v1().customResourceDefinitions().load(crd).create();
        }
    }

    @AfterEach
    void stopOperator() {
        if (operator != null) {
            operator.stop();
        }
    }

    private void startOperator() {
        OperatorSettings settings = new OperatorSettings(Set.of(), false, "unused", Optional.empty(), "test", 0);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        operator = RaftKvOperator.create(
                client,
                registry,
                new ClusterMetrics(registry),
                settings,
                Optional.empty(),
                Clock.systemUTC(),
                new FakeNodeAdmin(),
                (cluster, ordinal) -> ClusterObjects.podName(cluster, ordinal),
                MembershipSettings.DEFAULTS);
        operator.start();
    }

    private void createRaw(String namespace, String name, Map<String, Object> spec) {
        GenericKubernetesResource raw = new GenericKubernetesResource();
        raw.setApiVersion(RaftKvCluster.GROUP + "/" + RaftKvCluster.VERSION);
        raw.setKind(RaftKvCluster.KIND);
        raw.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
                .withNamespace(namespace)
                .withName(name)
                .build());
        raw.setAdditionalProperties(Map.of("spec", spec));
        client.genericKubernetesResources(RaftKvCluster.GROUP + "/" + RaftKvCluster.VERSION, RaftKvCluster.KIND)
                .inNamespace(namespace)
                .resource(raw)
                .create();
    }

    @Test
    void malformedQuantityPresentAtStartupIsReportedAndTheOtherClusterIsManaged() {
        createRaw(
                "tenant-a", "broken", Map.of("replicas", 3, "resources", Map.of("limits", Map.of("memory", "1e3Gi"))));
        client.resource(TestClusters.cluster("tenant-b", "healthy", 3)).create();

        startOperator();

        await().atMost(TIMEOUT)
                .until(() -> client.apps()
                                .statefulSets()
                                .inNamespace("tenant-b")
                                .withName("healthy")
                                .get()
                        != null);
        assertUnreadableReported("tenant-a", "broken", "spec.resources.limits.memory", "1e3Gi");
        assertThat(client.apps()
                        .statefulSets()
                        .inNamespace("tenant-a")
                        .withName("broken")
                        .get())
                .as("nothing is created for a spec the operator cannot read")
                .isNull();
    }

    @Test
    void malformedQuantityArrivingOnTheWatchDoesNotBreakIt() {
        startOperator();
        createRaw(
                "tenant-c",
                "empty-quantity",
                Map.of("replicas", 3, "resources", Map.of("requests", Map.of("cpu", ""))));
        assertUnreadableReported("tenant-c", "empty-quantity", "spec.resources.requests.cpu", "");

        // The watch still delivers clusters created afterwards.
        client.resource(TestClusters.cluster("tenant-c", "after", 1)).create();
        await().atMost(TIMEOUT)
                .until(() -> client.apps()
                                .statefulSets()
                                .inNamespace("tenant-c")
                                .withName("after")
                                .get()
                        != null);
    }

    private void assertUnreadableReported(String namespace, String name, String field, String value) {
        await().atMost(TIMEOUT).untilAsserted(() -> {
            GenericKubernetesResource raw = client.genericKubernetesResources(
                            RaftKvCluster.GROUP + "/" + RaftKvCluster.VERSION, RaftKvCluster.KIND)
                    .inNamespace(namespace)
                    .withName(name)
                    .get();
            @SuppressWarnings("unchecked")
            Map<String, Object> status =
                    (Map<String, Object>) raw.getAdditionalProperties().get("status");
            assertThat(status).isNotNull();
            assertThat(status.get("phase")).isEqualTo(ConditionTypes.PHASE_DEGRADED);
            assertThat(status.get("conditions").toString())
                    .contains(ConditionTypes.REASON_INVALID_SPEC)
                    .contains(field);
        });
        await().atMost(TIMEOUT)
                .untilAsserted(() -> assertThat(client.v1()
                                .events()
                                .inNamespace(namespace)
                                .list()
                                .getItems())
                        .filteredOn(e -> name.equals(e.getInvolvedObject().getName()))
                        .extracting(Event::getMessage)
                        .anySatisfy(m -> assertThat(m).contains(field).contains("'" + value + "'")));
        // The spec the user wrote is untouched: the operator never writes back a placeholder.
        @SuppressWarnings("unchecked")
        Map<String, Object> spec = (Map<String, Object>)
                client.genericKubernetesResources(RaftKvCluster.GROUP + "/" + RaftKvCluster.VERSION, RaftKvCluster.KIND)
                        .inNamespace(namespace)
                        .withName(name)
                        .get()
                        .getAdditionalProperties()
                        .get("spec");
        String[] path = field.split("\\.");
        Object node = spec;
        for (int i = 1; i < path.length; i++) {
            node = ((Map<?, ?>) node).get(path[i]);
        }
        assertThat(node).isEqualTo(value);
    }
}
