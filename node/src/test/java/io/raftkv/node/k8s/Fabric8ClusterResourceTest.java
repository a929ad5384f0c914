package io.raftkv.node.k8s;

import static io.raftkv.node.k8s.ClusterStatusReportTest.POD;
import static io.raftkv.node.k8s.ClusterStatusReportTest.status;
import static io.raftkv.node.k8s.ClusterStatusReportTest.threeMembersAndALearner;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.raftkv.node.k8s.ClusterResource.ClusterResourceException;
import io.raftkv.raft.StateType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real Fabric8 client (JDK HTTP) against {@link FakeKubernetesApi} over loopback HTTP. */
class Fabric8ClusterResourceTest {
    private static final String CLUSTER = """
            {"apiVersion":"raftkv.io/v1alpha1","kind":"RaftKvCluster",
             "metadata":{"name":"orders","namespace":"prod","generation":3},
             "spec":{"replicas":3,"image":"raftkv/node:1"},
             "status":{"phase":"Running","readyReplicas":3,"observedGeneration":3,
                       "conditions":[{"type":"Available","status":"True","reason":"Quorum"}],
                       "leader":"orders-0","term":2,"commitIndex":7,
                       "members":[{"id":"1","pod":"orders-0","role":"Voter"},{"id":"9","pod":"gone","role":"Voter"}]}}
            """;

    private FakeKubernetesApi server;
    private Fabric8ClusterResource resource;

    @BeforeEach
    void start() throws Exception {
        server = new FakeKubernetesApi(CLUSTER);
        Config config = new ConfigBuilder(Config.empty())
                .withMasterUrl(server.url())
                .withNamespace("prod")
                .build();
        resource = Fabric8ClusterResource.connect(POD, config);
    }

    @AfterEach
    void stop() {
        resource.close();
        server.close();
    }

    @Test
    void readsTheNodeOwnedStatusFields() {
        ObservedClusterStatus st = resource.readStatus();
        assertThat(st.term()).isEqualTo(2);
        assertThat(st.leader()).isEqualTo("orders-0");
        assertThat(st.memberIds()).isEqualTo(Set.of(1L, 9L));
        assertThat(st.resourceVersion()).isEqualTo("100");
        assertThat(st.clusterHasStarted()).isTrue();
    }

    @Test
    void reporterPatchesOnlyTheNodesFieldsAndOperatorFieldsSurvive() throws Exception {
        JsonNode before = server.object();
        try (ClusterStatusReporter reporter =
                new ClusterStatusReporter(POD, resource, new ClusterStatusReporter.Options(0, 50, 500)).start()) {
            reporter.offer(status(StateType.FOLLOWER, 4, 20, threeMembersAndALearner()));
            reporter.offer(status(StateType.LEADER, 5, 21, threeMembersAndALearner()));
            await().atMost(Duration.ofSeconds(20)).until(() -> reporter.writtenCount() == 1);
        }
        assertThat(server.patches()).hasSize(1);
        FakeKubernetesApi.Request patch = server.patches().get(0);
        assertThat(patch.path()).isEqualTo(FakeKubernetesApi.OBJECT_PATH + "/status");
        assertThat(patch.contentType()).isEqualTo("application/merge-patch+json");
        JsonNode body = new ObjectMapper().readTree(patch.body());
        assertThat(fieldNames(body)).containsExactlyInAnyOrder("metadata", "status");
        assertThat(fieldNames(body.get("metadata"))).containsExactly("resourceVersion");
        assertThat(fieldNames(body.get("status")))
                .containsExactlyInAnyOrder("leader", "term", "commitIndex", "members", "alarms");

        JsonNode after = server.object();
        assertThat(after.get("spec")).isEqualTo(before.get("spec"));
        for (String operatorField : List.of("phase", "readyReplicas", "observedGeneration", "conditions")) {
            assertThat(after.get("status").get(operatorField))
                    .as(operatorField)
                    .isEqualTo(before.get("status").get(operatorField));
        }
        assertThat(after.get("status").get("leader").asText()).isEqualTo("orders-1");
        assertThat(after.get("status").get("term").asLong()).isEqualTo(5);
        assertThat(after.get("status").get("commitIndex").asLong()).isEqualTo(21);
        assertThat(after.get("status").get("members")).hasSize(4);
        assertThat(after.get("status").get("members").get(3).get("id").asText()).isEqualTo("4294967311");
        // The leader reports the replicated alarms too (none here), so a cleared alarm leaves the status.
        assertThat(after.get("status").get("alarms")).isEmpty();
    }

    @Test
    void aPatchOnAVersionItDidNotSeeIsAConflictNotAWrite() {
        ObservedClusterStatus st = resource.readStatus();
        server.concurrentWriteBeforeNextPatch = true;
        ClusterStatusReport report =
                ClusterStatusReport.of(status(StateType.LEADER, 5, 21, threeMembersAndALearner()), POD);
        assertThat(resource.patchStatus(st.resourceVersion(), report)).isFalse();
        assertThat(server.object().get("status").get("term").asLong()).isEqualTo(2);
        assertThat(resource.patchStatus(resource.readStatus().resourceVersion(), report))
                .isTrue();
        assertThat(server.object().get("status").get("term").asLong()).isEqualTo(5);
    }

    @Test
    void aMissingClusterIsNotRetryable() throws Exception {
        PodIdentity otherCluster = PodIdentity.fromEnvironment(java.util.Map.of(
                        "POD_NAME",
                        "billing-0",
                        "POD_NAMESPACE",
                        "prod",
                        "RAFTKV_CLUSTER",
                        "billing",
                        "RAFTKV_REPLICAS",
                        "1"))
                .orElseThrow();
        try (Fabric8ClusterResource billing = Fabric8ClusterResource.connect(
                otherCluster,
                new ConfigBuilder(Config.empty()).withMasterUrl(server.url()).build())) {
            assertThatThrownBy(billing::readStatus)
                    .isInstanceOfSatisfying(
                            ClusterResourceException.class,
                            e -> assertThat(e.retryable()).isFalse())
                    .hasMessageContaining("does not exist");
        }
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
