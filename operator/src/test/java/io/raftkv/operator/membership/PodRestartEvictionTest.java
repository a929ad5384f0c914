package io.raftkv.operator.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.raftkv.operator.TestClusters;
import io.raftkv.operator.api.v1alpha1.ClusterOperation;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.dependents.ClusterObjects;
import io.raftkv.operator.events.EventRecorder;
import java.time.Clock;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Restarts go through the Eviction API: a 429 from the PodDisruptionBudget (a node drain holds
 * the budget) makes the restart wait instead of deleting a second voter.
 */
@EnableKubernetesMockClient
class PodRestartEvictionTest {

    private static final String EVICTION = "/api/v1/namespaces/ns/pods/c-2/eviction";

    KubernetesClient client;
    KubernetesMockServer server;

    private MembershipProgress restartPod2(int voters) {
        RaftKvCluster cluster = TestClusters.stored("ns", "c", 3);
        ClusterOperation operation = new ClusterOperation(
                ClusterOperation.Kind.RollingRestart,
                "c-2",
                "3",
                "DeletePod",
                "2026-01-01T00:00:00Z",
                "2026-01-01T00:00:00Z",
                null);
        MembershipPlan plan =
                new MembershipPlan(new MembershipStep.DeletePod(2), Optional.of(operation), Optional.empty());
        MembershipOrchestrator orchestrator = new MembershipOrchestrator(
                new FakeNodeAdmin(), (c, k) -> ClusterObjects.podName(c, k), MembershipSettings.DEFAULTS);
        return orchestrator.execute(
                new MembershipOrchestrator.Orchestration(plan, 3, voters, Optional.of("c-0")),
                cluster,
                client,
                new EventRecorder(client, Clock.systemUTC()));
    }

    @Test
    void budgetRefusalMeansWaitAndNoPodIsDeleted() throws InterruptedException {
        server.expect()
                .post()
                .withPath(EVICTION)
                .andReturn(
                        429,
                        new StatusBuilder()
                                .withCode(429)
                                .withReason("TooManyRequests")
                                .withMessage("Cannot evict pod as it would violate the" + " pod's disruption budget.")
                                .build())
                .once();

        MembershipProgress progress = restartPod2(3);

        assertThat(progress.operation()).get().satisfies(op -> {
            assertThat(op.getStep()).isEqualTo("DeletePod");
            assertThat(op.getMessage())
                    .contains("PodDisruptionBudget")
                    .contains("429")
                    .contains("c-2");
        });
        assertThat(server.getRequestCount()).isEqualTo(1);
        assertThat(server.takeRequest().getMethod()).isEqualTo("POST");
    }

    @Test
    void allowedEvictionRestartsThePodWithoutDeletingIt() throws InterruptedException {
        server.expect()
                .post()
                .withPath(EVICTION)
                .andReturn(201, new StatusBuilder().withStatus("Success").build())
                .once();
        server.expect()
                .post()
                .withPath("/api/v1/namespaces/ns/events")
                .andReturn(
                        201,
                        new io.fabric8.kubernetes.api.model.EventBuilder()
                                .withNewMetadata()
                                .withName("e")
                                .endMetadata()
                                .build())
                .always();

        MembershipProgress progress = restartPod2(3);

        assertThat(progress.operation())
                .get()
                .satisfies(op -> assertThat(op.getMessage())
                        .isEqualTo("Evicted pod c-2 to restart it on the current template."));
        var first = server.takeRequest();
        assertThat(first.getMethod()).isEqualTo("POST");
        assertThat(first.getPath()).isEqualTo(EVICTION);
    }

    @Test
    void singleVoterPodIsDeletedBecauseItsBudgetIsZero() throws InterruptedException {
        server.expect()
                .delete()
                .withPath("/api/v1/namespaces/ns/pods/c-2")
                .andReturn(
                        200,
                        new PodBuilder()
                                .withNewMetadata()
                                .withName("c-2")
                                .endMetadata()
                                .build())
                .once();
        server.expect()
                .post()
                .withPath("/api/v1/namespaces/ns/events")
                .andReturn(
                        201,
                        new io.fabric8.kubernetes.api.model.EventBuilder()
                                .withNewMetadata()
                                .withName("e")
                                .endMetadata()
                                .build())
                .always();

        MembershipProgress progress = restartPod2(1);

        assertThat(progress.operation())
                .get()
                .satisfies(op -> assertThat(op.getMessage()).startsWith("Deleted pod c-2"));
        assertThat(server.takeRequest().getMethod()).isEqualTo("DELETE");
    }
}
