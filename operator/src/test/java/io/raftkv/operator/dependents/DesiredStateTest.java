package io.raftkv.operator.dependents;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.raftkv.operator.TestClusters;
import io.raftkv.operator.api.v1alpha1.ClientServiceSpec;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.api.v1alpha1.SchedulingSpec;
import io.raftkv.operator.api.v1alpha1.StorageSpec;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every dependent's desired() as a pure function of the cluster. */
class DesiredStateTest {

    private final RaftKvCluster cluster = TestClusters.stored("prod", "kv", 3);

    @Test
    void statefulSetFollowsThePodContract() {
        StatefulSet sts = StatefulSetDependent.desiredFor(cluster, 3);
        assertThat(sts.getMetadata().getName()).isEqualTo("kv");
        assertThat(sts.getMetadata().getNamespace()).isEqualTo("prod");
        assertThat(sts.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "raftkv-operator");
        assertThat(sts.getSpec().getSelector().getMatchLabels())
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "app.kubernetes.io/name",
                        "raftkv",
                        "app.kubernetes.io/instance",
                        "kv",
                        "app.kubernetes.io/component",
                        "node"));
        assertThat(sts.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(sts.getSpec().getSelector().getMatchLabels());
        assertThat(sts.getSpec().getPersistentVolumeClaimRetentionPolicy().getWhenDeleted())
                .isEqualTo("Retain");
        var pvc = sts.getSpec().getVolumeClaimTemplates().get(0);
        assertThat(pvc.getMetadata().getName()).isEqualTo("data");
        assertThat(pvc.getSpec().getResources().getRequests().get("storage")).isEqualTo(new Quantity("10Gi"));

        var pod = sts.getSpec().getTemplate().getSpec();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(10001L);
        assertThat(pod.getTerminationGracePeriodSeconds()).isGreaterThanOrEqualTo(30L);
        Container node = pod.getContainers().get(0);
        assertThat(node.getPorts())
                .extracting(p -> p.getName() + ":" + p.getContainerPort())
                .containsExactly("client:9090", "peer:9091", "probe:9092");
        assertThat(node.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(node.getVolumeMounts())
                .extracting(m -> m.getName() + "=" + m.getMountPath())
                .contains("data=/var/lib/raftkv", "tmp=/tmp");
        for (var probe : new io.fabric8.kubernetes.api.model.Probe[] {
            node.getReadinessProbe(), node.getLivenessProbe(), node.getStartupProbe()
        }) {
            assertThat(probe.getGrpc().getPort()).isEqualTo(9092);
        }
        // Readiness: "member with a known leader" (service ""). Liveness and startup: "process
        // healthy" (service "liveness"), so a cluster without a leader is not restarted wholesale
        // and a pod waiting to join is not killed by its startup probe.
        assertThat(node.getReadinessProbe().getGrpc().getService()).isNull();
        assertThat(node.getLivenessProbe().getGrpc().getService()).isEqualTo("liveness");
        assertThat(node.getStartupProbe().getGrpc().getService()).isEqualTo("liveness");
        Map<String, EnvVar> env = node.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
        assertThat(env.get("POD_NAME").getValueFrom().getFieldRef().getFieldPath())
                .isEqualTo("metadata.name");
        assertThat(env.get("POD_NAMESPACE").getValueFrom().getFieldRef().getFieldPath())
                .isEqualTo("metadata.namespace");
        assertThat(env.get("RAFTKV_CLUSTER").getValue()).isEqualTo("kv");
        assertThat(env.get("RAFTKV_PEER_SERVICE").getValue()).isEqualTo("kv-peers");
        assertThat(env.get("RAFTKV_REPLICAS").getValue()).isEqualTo("3");
        assertThat(env.get("RAFTKV_DATA_DIR").getValue()).isEqualTo("/var/lib/raftkv");
        assertThat(env.get("RAFTKV_TICK_MS").getValue()).isEqualTo("100");
        assertThat(env.get("RAFTKV_ELECTION_TICKS").getValue()).isEqualTo("10");
        assertThat(env.get("RAFTKV_HEARTBEAT_TICKS").getValue()).isEqualTo("1");
        assertThat(env.get("RAFTKV_SNAPSHOT_THRESHOLD_ENTRIES").getValue()).isEqualTo("100000");
        // One third of the default 10Gi volume: the rest holds a second copy, pinned files and the log.
        assertThat(env.get("RAFTKV_QUOTA_BACKEND_BYTES").getValue())
                .isEqualTo(String.valueOf(10L * 1024 * 1024 * 1024 / 3));
        // An hour of key history by default, so it does not grow without bound.
        assertThat(env.get("RAFTKV_AUTO_COMPACTION_MODE").getValue()).isEqualTo("periodic");
        assertThat(env.get("RAFTKV_AUTO_COMPACTION_RETENTION").getValue()).isEqualTo("1h");
        assertThat(sts.getMetadata().getOwnerReferences().get(0).getUid()).isEqualTo("uid-kv");
    }

    @Test
    void nodeGetsDefaultRequestsAndAMemoryLimitWhenTheSpecGivesNone() {
        var resources = StatefulSetDependent.desiredFor(cluster, 3)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .getResources();
        assertThat(resources.getRequests())
                .containsEntry("cpu", new Quantity("500m"))
                .containsEntry("memory", new Quantity("1Gi"));
        assertThat(resources.getLimits()).containsEntry("memory", new Quantity("1Gi"));
    }

    @Test
    void specFieldsReachThePods() {
        cluster.getSpec()
                .setResources(new ResourceRequirementsBuilder()
                        .addToRequests("cpu", new Quantity("500m"))
                        .build());
        cluster.getSpec().getStorage().setStorageClassName("fast-ssd");
        cluster.getSpec().getStorage().setSize("50Gi");
        cluster.getSpec().getStorage().setWhenScaled(StorageSpec.PvcRetention.Delete);
        cluster.getSpec()
                .getScheduling()
                .setTolerations(java.util.List.of(new TolerationBuilder()
                        .withKey("dedicated")
                        .withValue("raftkv")
                        .build()));
        cluster.getSpec().getScheduling().setPriorityClassName("critical");
        cluster.getSpec().setLabels(Map.of("team", "storage", "app.kubernetes.io/name", "evil"));

        StatefulSet sts = StatefulSetDependent.desiredFor(cluster, 3);
        var pod = sts.getSpec().getTemplate().getSpec();
        assertThat(pod.getContainers().get(0).getResources().getRequests().get("cpu"))
                .isEqualTo(new Quantity("500m"));
        assertThat(sts.getSpec().getVolumeClaimTemplates().get(0).getSpec().getStorageClassName())
                .isEqualTo("fast-ssd");
        assertThat(sts.getSpec().getPersistentVolumeClaimRetentionPolicy().getWhenScaled())
                .isEqualTo("Delete");
        assertThat(pod.getTolerations()).hasSize(1);
        assertThat(pod.getPriorityClassName()).isEqualTo("critical");
        // User labels are added, but cannot override the selector labels.
        assertThat(sts.getSpec().getTemplate().getMetadata().getLabels())
                .containsEntry("team", "storage")
                .containsEntry("app.kubernetes.io/name", "raftkv");
    }

    @Test
    void defaultAntiAffinitySpreadsMembersAndUserAffinityReplacesIt() {
        var preferred = StatefulSetDependent.desiredFor(cluster, 3)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getAffinity()
                .getPodAntiAffinity();
        assertThat(preferred
                        .getPreferredDuringSchedulingIgnoredDuringExecution()
                        .get(0)
                        .getPodAffinityTerm()
                        .getTopologyKey())
                .isEqualTo("kubernetes.io/hostname");

        cluster.getSpec().getScheduling().setAntiAffinity(SchedulingSpec.AntiAffinityPolicy.Required);
        assertThat(StatefulSetDependent.desiredFor(cluster, 3)
                        .getSpec()
                        .getTemplate()
                        .getSpec()
                        .getAffinity()
                        .getPodAntiAffinity()
                        .getRequiredDuringSchedulingIgnoredDuringExecution())
                .hasSize(1);

        cluster.getSpec().getScheduling().setAntiAffinity(SchedulingSpec.AntiAffinityPolicy.None);
        assertThat(StatefulSetDependent.desiredFor(cluster, 3)
                        .getSpec()
                        .getTemplate()
                        .getSpec()
                        .getAffinity())
                .isNull();

        var custom = new io.fabric8.kubernetes.api.model.AffinityBuilder()
                .withNewNodeAffinity()
                .endNodeAffinity()
                .build();
        cluster.getSpec().getScheduling().setAffinity(custom);
        assertThat(StatefulSetDependent.desiredFor(cluster, 3)
                        .getSpec()
                        .getTemplate()
                        .getSpec()
                        .getAffinity())
                .isEqualTo(custom);
    }

    @Test
    void initialVotersComeFromTheLiveStatefulSetNotFromTheSpec() {
        StatefulSet live = StatefulSetDependent.desiredFor(cluster, 3);
        cluster.getSpec().setReplicas(5);
        assertThat(StatefulSetDependent.initialVoters(cluster, Optional.of(live)))
                .isEqualTo(3);
        assertThat(StatefulSetDependent.initialVoters(cluster, Optional.empty()))
                .isEqualTo(5);
        // Scaling changes replicas only: the pod template (and so the pods' revision) stays.
        StatefulSet scaled = StatefulSetDependent.desiredFor(cluster, 3);
        assertThat(scaled.getSpec().getReplicas()).isEqualTo(5);
        assertThat(scaled.getSpec().getTemplate()).isEqualTo(live.getSpec().getTemplate());
    }

    @Test
    void peerServiceIsHeadlessAndPublishesNotReadyAddresses() {
        var svc = PeerServiceDependent.desiredFor(cluster);
        assertThat(svc.getMetadata().getName()).isEqualTo("kv-peers");
        assertThat(svc.getSpec().getClusterIP()).isEqualTo("None");
        assertThat(svc.getSpec().getPublishNotReadyAddresses()).isTrue();
        assertThat(svc.getSpec().getPorts())
                .extracting(p -> p.getName() + ":" + p.getPort())
                .containsExactly("peer:9091", "client:9090");
        assertThat(ClusterObjects.peerAddress(cluster, 2)).isEqualTo("kv-2.kv-peers.prod.svc:9091");
    }

    @Test
    void clientServiceUsesTypeAndAnnotationsFromTheSpec() {
        assertThat(ClientServiceDependent.desiredFor(cluster).getSpec().getType())
                .isEqualTo("ClusterIP");
        cluster.getSpec().getClientService().setType(ClientServiceSpec.ServiceType.LoadBalancer);
        cluster.getSpec().getClientService().setAnnotations(Map.of("lb.example/internal", "true"));
        var svc = ClientServiceDependent.desiredFor(cluster);
        assertThat(svc.getMetadata().getName()).isEqualTo("kv");
        assertThat(svc.getSpec().getType()).isEqualTo("LoadBalancer");
        assertThat(svc.getMetadata().getAnnotations()).containsEntry("lb.example/internal", "true");
        assertThat(svc.getSpec().getSelector()).isEqualTo(ClusterObjects.selectorLabels(cluster));
        assertThat(svc.getSpec().getPorts()).extracting(p -> p.getPort()).containsExactly(9090);
    }

    @ParameterizedTest
    @CsvSource({"1,0", "3,1", "5,2", "7,3", "9,4"})
    void podDisruptionBudgetKeepsAQuorum(int replicas, int maxUnavailable) {
        cluster.getSpec().setReplicas(replicas);
        var pdb = PodDisruptionBudgetDependent.desiredFor(cluster);
        assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(maxUnavailable);
        assertThat(replicas - maxUnavailable).isGreaterThanOrEqualTo(ClusterObjects.quorum(replicas));
        assertThat(pdb.getSpec().getSelector().getMatchLabels()).isEqualTo(ClusterObjects.selectorLabels(cluster));
    }

    @Test
    void statefulSetReplicasAndBudgetFollowTheOrchestrationNotTheSpec() {
        cluster.getSpec().setReplicas(5);
        StatefulSet step = StatefulSetDependent.desiredFor(cluster, 3, 4);
        assertThat(step.getSpec().getReplicas()).isEqualTo(4);
        assertThat(step.getSpec().getTemplate())
                .isEqualTo(StatefulSetDependent.desiredFor(cluster, 3).getSpec().getTemplate());
        // 3 -> 5 in progress: with 4 voters only one may be evicted, not the two that 5 would allow.
        assertThat(PodDisruptionBudgetDependent.desiredFor(cluster, 4)
                        .getSpec()
                        .getMaxUnavailable()
                        .getIntVal())
                .isEqualTo(1);
        assertThat(PodDisruptionBudgetDependent.desiredFor(cluster, 5)
                        .getSpec()
                        .getMaxUnavailable()
                        .getIntVal())
                .isEqualTo(2);
    }

    @Test
    void nodeRbacLetsTheNodesReadTheirClusterAndPatchItsStatusOnly() {
        var sa = NodeServiceAccountDependent.desiredFor(cluster);
        assertThat(sa.getMetadata().getName()).isEqualTo("kv-node");
        var role = NodeRoleDependent.desiredFor(cluster);
        assertThat(role.getMetadata().getName()).isEqualTo("kv-node");
        assertThat(role.getRules()).allSatisfy(rule -> {
            assertThat(rule.getApiGroups()).containsExactly("raftkv.io");
            assertThat(rule.getResourceNames()).containsExactly("kv");
            assertThat(rule.getVerbs()).doesNotContain("delete", "create", "*");
        });
        assertThat(role.getRules()).anySatisfy(rule -> {
            assertThat(rule.getResources()).containsExactly("raftkvclusters/status");
            assertThat(rule.getVerbs()).contains("patch");
        });
        var binding = NodeRoleBindingDependent.desiredFor(cluster);
        assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
        assertThat(binding.getRoleRef().getName()).isEqualTo("kv-node");
        assertThat(binding.getSubjects()).singleElement().satisfies(s -> {
            assertThat(s.getKind()).isEqualTo("ServiceAccount");
            assertThat(s.getName()).isEqualTo("kv-node");
            assertThat(s.getNamespace()).isEqualTo("prod");
        });
    }

    @Test
    void desiredIsDeterministic() {
        assertThat(StatefulSetDependent.desiredFor(cluster, 3)).isEqualTo(StatefulSetDependent.desiredFor(cluster, 3));
        assertThat(PodDisruptionBudgetDependent.desiredFor(cluster))
                .isEqualTo(PodDisruptionBudgetDependent.desiredFor(cluster));
    }
}
