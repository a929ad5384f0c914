package io.raftkv.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.dependents.ClusterObjects;
import io.raftkv.operator.membership.FakeNodeAdmin;
import io.raftkv.operator.membership.MembershipSettings;
import io.raftkv.operator.metrics.ClusterMetrics;
import io.raftkv.operator.status.ClusterStatusCalculator;
import io.raftkv.operator.status.ConditionTypes;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The reconcile loop against the Fabric8 mock API server in CRUD mode, configured exactly as in
 * production (see {@link RaftKvOperator#configure}). The mock server has no controllers: the
 * tests play the StatefulSet controller by writing StatefulSet status, and play the Raft leader
 * by patching {@code status.leader} and {@code status.term}. It also has no garbage collector,
 * so deletion is checked through owner references.
 */
@EnableKubernetesMockClient(crud = true)
class RaftKvClusterReconcilerMockServerTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    static KubernetesClient client;
    static KubernetesMockServer server;
    private static Operator operator;
    private static SimpleMeterRegistry registry;
    private static ClusterMetrics clusterMetrics;

    @BeforeAll
    static void startOperator() throws IOException {
        try (InputStream crd = new FileInputStream(TestClusters.generatedCrd().toFile())) {
            client.apiextensions().v1().customResourceDefinitions().load(crd).create();
        }
        registry = new SimpleMeterRegistry();
        clusterMetrics = new ClusterMetrics(registry);
        OperatorSettings settings = new OperatorSettings(Set.of(), false, "unused", Optional.empty(), "test", 0);
        // No pods run in these tests, so no node is ever dialled; membership has its own test.
        operator = RaftKvOperator.create(
                client,
                registry,
                clusterMetrics,
                settings,
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
    void createsEveryDependentWithOwnerReferenceAndInitialStatus() {
        RaftKvCluster created =
                client.resource(TestClusters.cluster("ns-create", "alpha", 3)).create();

        StatefulSet sts = awaitResource(StatefulSet.class, "ns-create", "alpha");
        assertOwnedBy(sts, created);
        assertThat(sts.getSpec().getReplicas()).isEqualTo(3);
        assertThat(sts.getSpec().getServiceName()).isEqualTo("alpha-peers");
        assertThat(sts.getSpec().getPodManagementPolicy()).isEqualTo("Parallel");
        assertThat(sts.getSpec().getUpdateStrategy().getType()).isEqualTo("OnDelete");
        assertThat(sts.getSpec().getTemplate().getSpec().getServiceAccountName())
                .isEqualTo("alpha-node");

        Service peers = awaitResource(Service.class, "ns-create", "alpha-peers");
        assertOwnedBy(peers, created);
        assertThat(peers.getSpec().getClusterIP()).isEqualTo("None");
        assertThat(peers.getSpec().getPublishNotReadyAddresses()).isTrue();
        Service clientService = awaitResource(Service.class, "ns-create", "alpha");
        assertOwnedBy(clientService, created);
        assertThat(clientService.getSpec().getPorts())
                .extracting(p -> p.getPort())
                .containsExactly(9090);
        PodDisruptionBudget pdb = awaitResource(PodDisruptionBudget.class, "ns-create", "alpha");
        assertOwnedBy(pdb, created);
        assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
        assertOwnedBy(awaitResource(ServiceAccount.class, "ns-create", "alpha-node"), created);
        assertOwnedBy(awaitResource(Role.class, "ns-create", "alpha-node"), created);
        assertOwnedBy(awaitResource(RoleBinding.class, "ns-create", "alpha-node"), created);

        RaftKvCluster withStatus = awaitStatus(
                "ns-create",
                "alpha",
                c -> ConditionTypes.PHASE_CREATING.equals(c.getStatus().getPhase()));
        assertThat(withStatus.getStatus().getObservedGeneration())
                .isEqualTo(withStatus.getMetadata().getGeneration());
        assertThat(withStatus.getStatus().getSelector())
                .isEqualTo("app.kubernetes.io/component=node,app.kubernetes.io/instance=alpha,"
                        + "app.kubernetes.io/name=raftkv");
        assertThat(condition(withStatus, ConditionTypes.AVAILABLE).getReason())
                .isEqualTo(ConditionTypes.REASON_BOOTSTRAPPING);
        await().atMost(TIMEOUT)
                .untilAsserted(() -> assertThat(eventReasons("ns-create")).contains("Created"));
    }

    /**
     * spec.restore: a cluster from a PVC path starts as one pod (RAFTKV_REPLICAS=1) carrying the
     * source; one from a RaftKvBackup that does not exist creates nothing and says why.
     */
    @Test
    void restoreStartsOnePodCarryingTheSourceAndAMissingBackupCreatesNothing() {
        RaftKvCluster fromPvc = TestClusters.cluster("ns-restore", "back", 3);
        io.raftkv.operator.api.v1alpha1.RestoreSpec pvc = new io.raftkv.operator.api.v1alpha1.RestoreSpec();
        pvc.setPvc(new io.raftkv.operator.api.v1alpha1.RestoreSpec.PvcSource("backups", "nightly/a.snap"));
        fromPvc.getSpec().setRestore(pvc);
        client.resource(fromPvc).create();
        StatefulSet sts = awaitResource(StatefulSet.class, "ns-restore", "back");
        assertThat(sts.getSpec().getReplicas()).isEqualTo(1);
        var env = sts.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv();
        assertThat(env)
                .anyMatch(e ->
                        e.getName().equals("RAFTKV_REPLICAS") && e.getValue().equals("1"))
                .anyMatch(e -> e.getName().equals("RAFTKV_RESTORE_FROM")
                        && e.getValue().equals("/var/lib/raftkv-restore/nightly/a.snap"));
        assertThat(sts.getSpec().getTemplate().getSpec().getVolumes())
                .anyMatch(v -> v.getPersistentVolumeClaim() != null
                        && v.getPersistentVolumeClaim().getClaimName().equals("backups")
                        && v.getPersistentVolumeClaim().getReadOnly());
        RaftKvCluster restoring = awaitStatus(
                "ns-restore",
                "back",
                c -> c.getStatus().getRestore() != null
                        && "Restoring".equals(c.getStatus().getRestore().getPhase()));
        assertThat(condition(restoring, "Restored").getStatus()).isEqualTo("False");

        RaftKvCluster fromBackup = TestClusters.cluster("ns-restore", "later", 3);
        io.raftkv.operator.api.v1alpha1.RestoreSpec missing = new io.raftkv.operator.api.v1alpha1.RestoreSpec();
        missing.setBackupName("nightly");
        fromBackup.getSpec().setRestore(missing);
        client.resource(fromBackup).create();
        RaftKvCluster waiting = awaitStatus(
                "ns-restore",
                "later",
                c -> c.getStatus().getRestore() != null
                        && "Pending".equals(c.getStatus().getRestore().getPhase()));
        assertThat(condition(waiting, ConditionTypes.DEGRADED).getReason()).isEqualTo("RestoreSourceUnavailable");
        assertThat(condition(waiting, ConditionTypes.DEGRADED).getMessage()).contains("RaftKvBackup nightly");
        assertThat(client.apps()
                        .statefulSets()
                        .inNamespace("ns-restore")
                        .withName("later")
                        .get())
                .isNull();
    }

    @Test
    void imageChangeReachesTemplateWhileReplicasWaitForTheMembership() {
        client.resource(TestClusters.cluster("ns-scale", "beta", 3)).create();
        awaitResource(StatefulSet.class, "ns-scale", "beta");

        patchSpec("ns-scale", "beta", "{\"replicas\":5,\"image\":\"raftkv/raftkv-node:0.2.0\"}");

        await().atMost(TIMEOUT).untilAsserted(() -> {
            StatefulSet sts = get(StatefulSet.class, "ns-scale", "beta");
            // No leader answers (no pods run here): the StatefulSet is not grown behind Raft's back.
            assertThat(sts.getSpec().getReplicas()).isEqualTo(3);
            var container =
                    sts.getSpec().getTemplate().getSpec().getContainers().get(0);
            assertThat(container.getImage()).isEqualTo("raftkv/raftkv-node:0.2.0");
            // The bootstrap voter count stays what the cluster was created with.
            assertThat(container.getEnv()).anySatisfy(e -> {
                assertThat(e.getName()).isEqualTo("RAFTKV_REPLICAS");
                assertThat(e.getValue()).isEqualTo("3");
            });
            // The budget follows the voters (3), not the spec (5).
            assertThat(get(PodDisruptionBudget.class, "ns-scale", "beta")
                            .getSpec()
                            .getMaxUnavailable()
                            .getIntVal())
                    .isEqualTo(1);
        });
        RaftKvCluster waiting =
                awaitStatus("ns-scale", "beta", c -> c.getStatus().getOperation() != null);
        assertThat(waiting.getStatus().getOperation().getStep()).isEqualTo("NoLeader");
        assertThat(waiting.getStatus().getOperation().getPod()).isEqualTo("beta-3");
    }

    @Test
    void invalidSpecSetsDegradedAndChangesNothing() {
        client.resource(TestClusters.cluster("ns-invalid", "gamma", 3)).create();
        awaitResource(StatefulSet.class, "ns-invalid", "gamma");

        // The mock server does not evaluate CEL rules: this is an object an older schema accepted.
        patchSpec("ns-invalid", "gamma", "{\"replicas\":4}");

        RaftKvCluster degraded = awaitStatus(
                "ns-invalid",
                "gamma",
                c -> ConditionTypes.PHASE_DEGRADED.equals(c.getStatus().getPhase()));
        Condition condition = condition(degraded, ConditionTypes.DEGRADED);
        assertThat(condition.getStatus()).isEqualTo("True");
        assertThat(condition.getReason()).isEqualTo(ConditionTypes.REASON_INVALID_SPEC);
        assertThat(condition.getMessage()).contains("spec.replicas is 4").contains("odd");
        assertThat(get(StatefulSet.class, "ns-invalid", "gamma").getSpec().getReplicas())
                .isEqualTo(3);
        assertThat(get(PodDisruptionBudget.class, "ns-invalid", "gamma")
                        .getSpec()
                        .getMaxUnavailable()
                        .getIntVal())
                .isEqualTo(1);
        await().atMost(TIMEOUT)
                .untilAsserted(
                        () -> assertThat(eventReasons("ns-invalid")).contains(ConditionTypes.REASON_INVALID_SPEC));
    }

    @Test
    void becomesAvailableAndKeepsNodeReportedLeaderAndTerm() {
        client.resource(TestClusters.cluster("ns-ready", "delta", 3)).create();
        StatefulSet sts = awaitResource(StatefulSet.class, "ns-ready", "delta");
        awaitStatus("ns-ready", "delta", c -> c.getStatus().getPhase() != null);

        // The Raft leader reports itself, as the node does: a merge patch of its own fields.
        client.resources(RaftKvCluster.class)
                .inNamespace("ns-ready")
                .withName("delta")
                .subresource("status")
                .patch(
                        PatchContext.of(PatchType.JSON_MERGE),
                        "{\"status\":{\"leader\":\"delta-1\",\"term\":7,\"commitIndex\":42}}");

        // Play the StatefulSet controller: all three pods are ready on the current revision.
        writeStatefulSetStatus(sts, 3, 3);

        RaftKvCluster running = awaitStatus(
                "ns-ready",
                "delta",
                c -> ConditionTypes.PHASE_RUNNING.equals(c.getStatus().getPhase()));
        assertThat(running.getStatus().getReadyReplicas()).isEqualTo(3);
        assertThat(condition(running, ConditionTypes.AVAILABLE).getStatus()).isEqualTo("True");
        assertThat(condition(running, ConditionTypes.PROGRESSING).getStatus()).isEqualTo("False");
        assertThat(condition(running, ConditionTypes.DEGRADED).getStatus()).isEqualTo("False");
        assertThat(running.getStatus().getLeader()).isEqualTo("delta-1");
        assertThat(running.getStatus().getTerm()).isEqualTo(7L);
        assertThat(running.getStatus().getCommitIndex()).isEqualTo(42L);

        // A member fails: the operator patches its fields again, the node's fields stay.
        writeStatefulSetStatus(get(StatefulSet.class, "ns-ready", "delta"), 3, 2);
        RaftKvCluster degraded = awaitStatus(
                "ns-ready",
                "delta",
                c -> ConditionTypes.PHASE_DEGRADED.equals(c.getStatus().getPhase()));
        assertThat(degraded.getStatus().getLeader()).isEqualTo("delta-1");
        assertThat(degraded.getStatus().getTerm()).isEqualTo(7L);
        assertThat(condition(degraded, ConditionTypes.AVAILABLE).getStatus()).isEqualTo("True");
        await().atMost(TIMEOUT)
                .untilAsserted(() -> assertThat(eventReasons("ns-ready"))
                        .contains("Available", ConditionTypes.REASON_REPLICAS_NOT_READY));

        clusterMetrics.refresh();
        assertThat(registry.get("raftkv.cluster.term")
                        .tags("namespace", "ns-ready", "name", "delta")
                        .gauge()
                        .value())
                .isEqualTo(7.0);
        assertThat(registry.get("raftkv.cluster.replicas.ready")
                        .tags("namespace", "ns-ready", "name", "delta")
                        .gauge()
                        .value())
                .isEqualTo(2.0);
    }

    @Test
    void deletionLeavesCleanupToOwnerReferencesAndDropsMetrics() {
        RaftKvCluster created =
                client.resource(TestClusters.cluster("ns-delete", "epsilon", 1)).create();
        StatefulSet sts = awaitResource(StatefulSet.class, "ns-delete", "epsilon");
        awaitStatus("ns-delete", "epsilon", c -> c.getStatus().getPhase() != null);
        clusterMetrics.refresh();
        assertThat(registry.find("raftkv.cluster.replicas.desired")
                        .tags("namespace", "ns-delete", "name", "epsilon")
                        .gauge())
                .isNotNull();

        // No finalizer: deletion is immediate and Kubernetes' GC follows the owner references.
        assertThat(get(RaftKvCluster.class, "ns-delete", "epsilon")
                        .getMetadata()
                        .getFinalizers())
                .isNullOrEmpty();
        client.resource(created).delete();
        await().atMost(TIMEOUT).until(() -> get(RaftKvCluster.class, "ns-delete", "epsilon") == null);
        for (HasMetadata owned : List.<HasMetadata>of(
                sts,
                get(Service.class, "ns-delete", "epsilon"),
                get(Service.class, "ns-delete", "epsilon-peers"),
                get(PodDisruptionBudget.class, "ns-delete", "epsilon"),
                get(ServiceAccount.class, "ns-delete", "epsilon-node"),
                get(Role.class, "ns-delete", "epsilon-node"),
                get(RoleBinding.class, "ns-delete", "epsilon-node"))) {
            assertOwnedBy(owned, created);
            assertThat(owned.getMetadata().getOwnerReferences().get(0).getBlockOwnerDeletion())
                    .isTrue();
        }
        await().atMost(TIMEOUT).untilAsserted(() -> {
            clusterMetrics.refresh();
            assertThat(registry.find("raftkv.cluster.replicas.desired")
                            .tags("namespace", "ns-delete", "name", "epsilon")
                            .gauge())
                    .isNull();
        });
    }

    /**
     * A RaftKvCluster recreated over the volumes of its earlier incarnation (deleted with
     * whenDeleted: Retain, or restored from a backup without its status) must never bootstrap a
     * second, empty cluster beside the data: the decision rests on the volumes, not the status.
     */
    @Test
    void recreatedClusterOverExistingVolumesNeverBootstraps() {
        client.persistentVolumeClaims()
                .inNamespace("ns-prior")
                .resource(new io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder()
                        .withNewMetadata()
                        .withName("data-omega-2")
                        .endMetadata()
                        .withNewSpec()
                        .withAccessModes("ReadWriteOnce")
                        .withNewResources()
                        .addToRequests("storage", new io.fabric8.kubernetes.api.model.Quantity("10Gi"))
                        .endResources()
                        .endSpec()
                        .build())
                .create();
        client.resource(TestClusters.cluster("ns-prior", "omega", 3)).create();
        client.resource(TestClusters.cluster("ns-prior", "fresh", 3)).create();

        StatefulSet omega = awaitResource(StatefulSet.class, "ns-prior", "omega");
        assertThat(omega.getSpec()
                        .getTemplate()
                        .getSpec()
                        .getContainers()
                        .get(0)
                        .getEnv())
                .anySatisfy(e -> {
                    assertThat(e.getName()).isEqualTo("RAFTKV_BOOTSTRAP");
                    assertThat(e.getValue()).isEqualTo("false");
                });
        await().atMost(TIMEOUT)
                .untilAsserted(() -> assertThat(client.v1()
                                .events()
                                .inNamespace("ns-prior")
                                .list()
                                .getItems())
                        .anySatisfy(e -> {
                            assertThat(e.getReason()).isEqualTo("PriorVolumesFound");
                            assertThat(e.getInvolvedObject().getName()).isEqualTo("omega");
                            assertThat(e.getMessage()).contains("data-omega-2");
                        }));
        // The decision is kept: later reconciliations (spec changes) do not flip it.
        patchSpec("ns-prior", "omega", "{\"image\":\"raftkv/raftkv-node:0.2.0\"}");
        await().atMost(TIMEOUT).untilAsserted(() -> {
            var container = get(StatefulSet.class, "ns-prior", "omega")
                    .getSpec()
                    .getTemplate()
                    .getSpec()
                    .getContainers()
                    .get(0);
            assertThat(container.getImage()).isEqualTo("raftkv/raftkv-node:0.2.0");
            assertThat(container.getEnv()).extracting(e -> e.getName()).contains("RAFTKV_BOOTSTRAP");
        });

        StatefulSet fresh = awaitResource(StatefulSet.class, "ns-prior", "fresh");
        assertThat(fresh.getSpec()
                        .getTemplate()
                        .getSpec()
                        .getContainers()
                        .get(0)
                        .getEnv())
                .extracting(e -> e.getName())
                .doesNotContain("RAFTKV_BOOTSTRAP");
    }

    /**
     * Removing something from the spec removes it from the cluster: JOSDK's default matcher would
     * call the live objects (which still carry it) a match and leave it there for ever.
     */
    @Test
    void specRemovalsReachTheOwnedObjects() {
        RaftKvCluster cluster = TestClusters.cluster("ns-remove", "eps", 3);
        cluster.getSpec()
                .getScheduling()
                .setTolerations(List.of(new io.fabric8.kubernetes.api.model.TolerationBuilder()
                        .withKey("dedicated")
                        .withOperator("Equal")
                        .withValue("raftkv")
                        .withEffect("NoSchedule")
                        .build()));
        cluster.getSpec().getScheduling().setNodeSelector(java.util.Map.of("disk", "ssd"));
        cluster.getSpec().setImagePullSecrets(List.of("registry-key"));
        cluster.getSpec().setLabels(new java.util.LinkedHashMap<>(java.util.Map.of("team", "kv")));
        cluster.getSpec()
                .setResources(new io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder()
                        .addToLimits("memory", new io.fabric8.kubernetes.api.model.Quantity("2Gi"))
                        .build());
        client.resource(cluster).create();
        awaitResource(StatefulSet.class, "ns-remove", "eps");
        awaitResource(Service.class, "ns-remove", "eps");
        await().atMost(TIMEOUT).untilAsserted(() -> {
            var pod = get(StatefulSet.class, "ns-remove", "eps").getSpec().getTemplate();
            assertThat(pod.getSpec().getTolerations()).hasSize(1);
            assertThat(pod.getSpec().getNodeSelector()).containsEntry("disk", "ssd");
            assertThat(pod.getSpec().getImagePullSecrets()).hasSize(1);
            assertThat(pod.getMetadata().getLabels()).containsEntry("team", "kv");
            assertThat(pod.getSpec().getContainers().get(0).getResources().getLimits())
                    .containsKey("memory");
            assertThat(get(Service.class, "ns-remove", "eps").getMetadata().getLabels())
                    .containsEntry("team", "kv");
        });
        // someone else's label on an owned object survives the operator's updates
        client.services().inNamespace("ns-remove").withName("eps").edit(s -> {
            s.getMetadata().getLabels().put("mesh", "on");
            return s;
        });

        patchSpec(
                "ns-remove",
                "eps",
                "{\"scheduling\":{\"tolerations\":null,\"nodeSelector\":null},"
                        + "\"imagePullSecrets\":null,\"labels\":null,\"resources\":null}");

        await().atMost(TIMEOUT).untilAsserted(() -> {
            StatefulSet sts = get(StatefulSet.class, "ns-remove", "eps");
            var pod = sts.getSpec().getTemplate();
            assertThat(pod.getSpec().getTolerations()).isNullOrEmpty();
            assertThat(pod.getSpec().getNodeSelector()).isNullOrEmpty();
            assertThat(pod.getSpec().getImagePullSecrets()).isNullOrEmpty();
            assertThat(pod.getMetadata().getLabels()).doesNotContainKey("team");
            assertThat(sts.getMetadata().getLabels()).doesNotContainKey("team");
            // the removed 2Gi limit gives way to the operator's default (1Gi)
            assertThat(pod.getSpec().getContainers().get(0).getResources().getLimits())
                    .containsEntry("memory", new io.fabric8.kubernetes.api.model.Quantity("1Gi"));
            Service service = get(Service.class, "ns-remove", "eps");
            assertThat(service.getMetadata().getLabels())
                    .doesNotContainKey("team")
                    .containsEntry("mesh", "on");
        });
    }

    /**
     * An owned object the API server refuses (here a Service name already taken by an object that
     * is not this cluster's) makes the cluster Degraded with the reason and the API server's
     * message, records a Warning event and counts the failure; fixing the cause recovers.
     */
    @Test
    void apiServerRejectionBecomesDegradedWithEventAndMetric() {
        client.services()
                .inNamespace("ns-clash")
                .resource(new io.fabric8.kubernetes.api.model.ServiceBuilder()
                        .withNewMetadata()
                        .withName("gamma-peers")
                        .endMetadata()
                        .withNewSpec()
                        .addNewPort()
                        .withPort(80)
                        .endPort()
                        .endSpec()
                        .build())
                .create();
        client.resource(TestClusters.cluster("ns-clash", "gamma", 3)).create();

        RaftKvCluster degraded = awaitStatus(
                "ns-clash",
                "gamma",
                c -> ConditionTypes.PHASE_DEGRADED.equals(c.getStatus().getPhase()));
        Condition condition = condition(degraded, ConditionTypes.DEGRADED);
        assertThat(condition.getStatus()).isEqualTo("True");
        assertThat(condition.getReason()).isEqualTo("NameConflict");
        assertThat(condition.getMessage())
                .contains("peer-service")
                .contains("gamma-peers")
                .contains("409");
        await().atMost(TIMEOUT)
                .untilAsserted(() -> assertThat(client.v1()
                                .events()
                                .inNamespace("ns-clash")
                                .list()
                                .getItems())
                        .anySatisfy(e -> {
                            assertThat(e.getType()).isEqualTo("Warning");
                            assertThat(e.getReason()).isEqualTo("NameConflict");
                            assertThat(e.getMessage()).contains("gamma-peers");
                        }));
        assertThat(registry.find("raftkv.operator.reconcile.failures")
                        .tags("namespace", "ns-clash", "name", "gamma", "reason", "NameConflict")
                        .counter())
                .isNotNull()
                .satisfies(c -> assertThat(c.count()).isGreaterThanOrEqualTo(1.0));

        client.services().inNamespace("ns-clash").withName("gamma-peers").delete();
        // The next retry (backoff: 2 s doubling) creates the Service and recovers.
        await().atMost(TIMEOUT.multipliedBy(2))
                .until(
                        () -> get(RaftKvCluster.class, "ns-clash", "gamma"),
                        c -> !ConditionTypes.PHASE_DEGRADED.equals(c.getStatus().getPhase()));
        await().atMost(TIMEOUT)
                .untilAsserted(() -> assertThat(eventReasons("ns-clash")).contains("Recovered"));
    }

    /**
     * Changes the spec the way kubectl does: a merge patch without a resourceVersion, so it does
     * not race with the operator's concurrent status patches.
     */
    private static void patchSpec(String namespace, String name, String specJson) {
        client.resources(RaftKvCluster.class)
                .inNamespace(namespace)
                .withName(name)
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":" + specJson + "}");
    }

    private static void writeStatefulSetStatus(StatefulSet sts, int replicas, int ready) {
        sts.setStatus(new StatefulSetStatusBuilder()
                .withObservedGeneration(sts.getMetadata().getGeneration())
                .withReplicas(replicas)
                .withReadyReplicas(ready)
                .withAvailableReplicas(ready)
                .withCurrentReplicas(replicas)
                .withUpdatedReplicas(replicas)
                .withCurrentRevision("delta-rev1")
                .withUpdateRevision("delta-rev1")
                .build());
        sts.getMetadata().setResourceVersion(null); // no optimistic lock, like the real controller's patches
        client.apps()
                .statefulSets()
                .inNamespace(sts.getMetadata().getNamespace())
                .withName(sts.getMetadata().getName())
                .subresource("status")
                .patch(PatchContext.of(PatchType.JSON_MERGE), sts);
    }

    private static <T extends HasMetadata> T get(Class<T> type, String namespace, String name) {
        return client.resources(type).inNamespace(namespace).withName(name).get();
    }

    private static <T extends HasMetadata> T awaitResource(Class<T> type, String namespace, String name) {
        return await().atMost(TIMEOUT).until(() -> get(type, namespace, name), r -> r != null);
    }

    private static RaftKvCluster awaitStatus(
            String namespace, String name, java.util.function.Predicate<RaftKvCluster> predicate) {
        return await().atMost(TIMEOUT)
                .until(
                        () -> get(RaftKvCluster.class, namespace, name),
                        c -> c != null && c.getStatus() != null && predicate.test(c));
    }

    private static Condition condition(RaftKvCluster cluster, String type) {
        return ClusterStatusCalculator.find(cluster.getStatus(), type).orElseThrow();
    }

    private static List<String> eventReasons(String namespace) {
        return client.v1().events().inNamespace(namespace).list().getItems().stream()
                .map(e -> e.getReason())
                .toList();
    }

    private static void assertOwnedBy(HasMetadata owned, RaftKvCluster owner) {
        assertThat(owned).as("owned object").isNotNull();
        List<OwnerReference> refs = owned.getMetadata().getOwnerReferences();
        assertThat(refs)
                .as("owner references of %s", owned.getMetadata().getName())
                .hasSize(1);
        assertThat(refs.get(0).getUid()).isEqualTo(owner.getMetadata().getUid());
        assertThat(refs.get(0).getKind()).isEqualTo(RaftKvCluster.KIND);
        assertThat(refs.get(0).getController()).isTrue();
    }
}
