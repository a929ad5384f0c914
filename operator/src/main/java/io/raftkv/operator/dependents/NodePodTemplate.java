package io.raftkv.operator.dependents;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.PodAffinityTermBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.raftkv.operator.api.v1alpha1.AutoCompactionSpec;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.api.v1alpha1.RaftKvClusterSpec;
import io.raftkv.operator.api.v1alpha1.RaftTuningSpec;
import io.raftkv.operator.api.v1alpha1.SchedulingSpec;
import io.raftkv.operator.api.v1alpha1.StorageSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The pod template of a cluster's members, following the pod contract: ports 9090/9091/9092, data on
 * {@code /var/lib/raftkv}, downward-API identity, Raft tuning as environment, native gRPC probes,
 * non-root with a read-only root filesystem.
 *
 * <p>Everything in the template is a function of the spec and the number of initial voters, so
 * a pod template only changes (and only makes pods outdated) when the user changes the spec.
 */
final class NodePodTemplate {

    static final String CONTAINER_NAME = "raftkv";
    static final long RUN_AS_USER = 10001L;
    /**
     * Long enough for a leader to hand leadership to a follower (TimeoutNow, one election round)
     * and flush RocksDB before SIGKILL.
     */
    static final long TERMINATION_GRACE_SECONDS = 60L;

    static final String ENV_REPLICAS = "RAFTKV_REPLICAS";
    /** The space quota, derived from the volume size ({@link #quotaBytes}). */
    static final String ENV_QUOTA = "RAFTKV_QUOTA_BACKEND_BYTES";

    static final String DEFAULT_CPU_REQUEST = "500m";
    static final String DEFAULT_MEMORY = "1Gi";
    /**
     * Health service of the readiness probe: SERVING when the node is a member of a cluster with a
     * known leader.
     */
    static final String READINESS_SERVICE = "";
    /**
     * Health service of the startup and liveness probes: SERVING while the process is healthy,
     * whatever the cluster's state. Liveness must not depend on a leader: a cluster that lost its
     * leader would otherwise have every pod restarted at once, which makes recovery slower, not
     * faster.
     */
    static final String LIVENESS_SERVICE = "liveness";

    private static final String TMP_VOLUME = "tmp";
    private static final String HOSTNAME_TOPOLOGY = "kubernetes.io/hostname";

    private NodePodTemplate() {}

    static PodTemplateSpec build(RaftKvCluster cluster, int initialVoters) {
        RaftKvClusterSpec spec = cluster.getSpec();
        SchedulingSpec scheduling = spec.getScheduling() != null ? spec.getScheduling() : new SchedulingSpec();
        List<LocalObjectReference> pullSecrets = new ArrayList<>();
        if (spec.getImagePullSecrets() != null) {
            spec.getImagePullSecrets().forEach(s -> pullSecrets.add(new LocalObjectReference(s)));
        }
        return new PodTemplateSpecBuilder()
                .withNewMetadata()
                .withLabels(ClusterObjects.labels(cluster))
                .withAnnotations(ClusterObjects.annotations(cluster))
                .endMetadata()
                .withNewSpec()
                .withServiceAccountName(ClusterObjects.nodeAccountName(cluster))
                .withAutomountServiceAccountToken(true)
                .withTerminationGracePeriodSeconds(TERMINATION_GRACE_SECONDS)
                .withImagePullSecrets(pullSecrets)
                .withNewSecurityContext()
                .withRunAsNonRoot(true)
                .withRunAsUser(RUN_AS_USER)
                .withRunAsGroup(RUN_AS_USER)
                .withFsGroup(RUN_AS_USER)
                .withFsGroupChangePolicy("OnRootMismatch")
                .withNewSeccompProfile()
                .withType("RuntimeDefault")
                .endSeccompProfile()
                .endSecurityContext()
                .withContainers(container(cluster, initialVoters))
                .addNewVolume()
                // The root filesystem is read-only; the JVM and RocksDB's JNI loader need a /tmp.
                .withName(TMP_VOLUME)
                .withNewEmptyDir()
                .withSizeLimit(new Quantity("256Mi"))
                .endEmptyDir()
                .endVolume()
                .withAffinity(affinity(cluster, scheduling))
                .withTolerations(scheduling.getTolerations())
                .withNodeSelector(scheduling.getNodeSelector())
                .withTopologySpreadConstraints(scheduling.getTopologySpreadConstraints())
                .withPriorityClassName(scheduling.getPriorityClassName())
                .endSpec()
                .build();
    }

    private static Container container(RaftKvCluster cluster, int initialVoters) {
        RaftKvClusterSpec spec = cluster.getSpec();
        return new ContainerBuilder()
                .withName(CONTAINER_NAME)
                .withImage(spec.getImage())
                .withImagePullPolicy(
                        spec.getImagePullPolicy() != null
                                ? spec.getImagePullPolicy().name()
                                : RaftKvClusterSpec.ImagePullPolicy.IfNotPresent.name())
                .addNewPort()
                .withName(ClusterObjects.CLIENT_PORT_NAME)
                .withContainerPort(ClusterObjects.CLIENT_PORT)
                .withProtocol("TCP")
                .endPort()
                .addNewPort()
                .withName(ClusterObjects.PEER_PORT_NAME)
                .withContainerPort(ClusterObjects.PEER_PORT)
                .withProtocol("TCP")
                .endPort()
                .addNewPort()
                .withName(ClusterObjects.PROBE_PORT_NAME)
                .withContainerPort(ClusterObjects.PROBE_PORT)
                .withProtocol("TCP")
                .endPort()
                .withEnv(environment(cluster, initialVoters))
                .withResources(resources(spec))
                .withStartupProbe(grpcProbe(LIVENESS_SERVICE, 5, 5, 120))
                .withReadinessProbe(grpcProbe(READINESS_SERVICE, 5, 3, 3))
                .withLivenessProbe(grpcProbe(LIVENESS_SERVICE, 10, 5, 6))
                .withNewSecurityContext()
                .withAllowPrivilegeEscalation(false)
                .withReadOnlyRootFilesystem(true)
                .withRunAsNonRoot(true)
                .withNewCapabilities()
                .withDrop("ALL")
                .endCapabilities()
                .endSecurityContext()
                .addNewVolumeMount()
                .withName(ClusterObjects.DATA_VOLUME)
                .withMountPath(ClusterObjects.DATA_DIR)
                .endVolumeMount()
                .addNewVolumeMount()
                .withName(TMP_VOLUME)
                .withMountPath("/tmp")
                .endVolumeMount()
                .build();
    }

    /**
     * The user's requests and limits, or — when {@code spec.resources} is not given — 500m CPU and
     * 1Gi memory requested with a 1Gi memory limit: the JVM sizes its heap from the container's
     * memory limit, and a pod without requests is the first one evicted under node pressure.
     * An explicit {@code resources: {}} is taken as written.
     */
    static ResourceRequirements resources(RaftKvClusterSpec spec) {
        if (spec.getResources() != null) {
            return spec.getResources();
        }
        return new ResourceRequirementsBuilder()
                .addToRequests("cpu", new Quantity(DEFAULT_CPU_REQUEST))
                .addToRequests("memory", new Quantity(DEFAULT_MEMORY))
                .addToLimits("memory", new Quantity(DEFAULT_MEMORY))
                .build();
    }

    /**
     * Environment of the pod contract. {@code RAFTKV_REPLICAS} is the number of voters the cluster
     * was bootstrapped with, not the current replica count: changing it would change the pod
     * template (and make every pod outdated) on each scale, and members added later join through
     * membership changes, not by bootstrapping.
     */
    static List<EnvVar> environment(RaftKvCluster cluster, int initialVoters) {
        RaftTuningSpec raft =
                cluster.getSpec().getRaft() != null ? cluster.getSpec().getRaft() : new RaftTuningSpec();
        List<EnvVar> env = new ArrayList<>();
        env.add(fieldRef("POD_NAME", "metadata.name"));
        env.add(fieldRef("POD_NAMESPACE", "metadata.namespace"));
        env.add(plain("RAFTKV_CLUSTER", cluster.getMetadata().getName()));
        env.add(plain("RAFTKV_PEER_SERVICE", ClusterObjects.peerServiceName(cluster)));
        env.add(plain(ENV_REPLICAS, String.valueOf(initialVoters)));
        env.add(plain("RAFTKV_DATA_DIR", ClusterObjects.DATA_DIR));
        env.add(plain("RAFTKV_TICK_MS", String.valueOf(raft.getTickMs())));
        env.add(plain("RAFTKV_ELECTION_TICKS", String.valueOf(raft.getElectionTicks())));
        env.add(plain("RAFTKV_HEARTBEAT_TICKS", String.valueOf(raft.getHeartbeatTicks())));
        env.add(plain("RAFTKV_SNAPSHOT_THRESHOLD_ENTRIES", String.valueOf(raft.getSnapshotThresholdEntries())));
        StorageSpec storage =
                cluster.getSpec().getStorage() != null ? cluster.getSpec().getStorage() : new StorageSpec();
        env.add(plain(ENV_QUOTA, String.valueOf(quotaBytes(storage.getSize()))));
        AutoCompactionSpec compaction = cluster.getSpec().getAutoCompaction() != null
                ? cluster.getSpec().getAutoCompaction()
                : new AutoCompactionSpec();
        env.add(plain(
                "RAFTKV_AUTO_COMPACTION_MODE",
                compaction.getMode() == null
                        ? AutoCompactionSpec.Mode.periodic.name()
                        : compaction.getMode().name()));
        env.add(plain(
                "RAFTKV_AUTO_COMPACTION_RETENTION",
                compaction.getRetention() == null ? AutoCompactionSpec.DEFAULT_RETENTION : compaction.getRetention()));
        return env;
    }

    /**
     * The node's space quota ({@code --quota-backend-bytes}) for a volume of {@code volumeSize}: one
     * third of it. The quota counts only the state machine's live data (D); the same volume must also
     * hold, at the worst moment, a second copy of D (a snapshot received from the leader before it
     * replaces the state, or the output of a full compaction before the old files go), SST files a
     * retained snapshot still pins after the data changed (up to another D), and the Raft log up to
     * the snapshot threshold. 3 × D must therefore fit; docs/operations.md explains the numbers.
     */
    static long quotaBytes(String volumeSize) {
        return new Quantity(volumeSize).getNumericalAmount().longValue() / 3;
    }

    private static EnvVar plain(String name, String value) {
        return new EnvVarBuilder().withName(name).withValue(value).build();
    }

    private static EnvVar fieldRef(String name, String fieldPath) {
        return new EnvVarBuilder()
                .withName(name)
                .withNewValueFrom()
                .withNewFieldRef()
                .withFieldPath(fieldPath)
                .endFieldRef()
                .endValueFrom()
                .build();
    }

    /** A native gRPC probe on the plaintext probe port against {@code grpc.health.v1}. */
    private static Probe grpcProbe(String service, int periodSeconds, int timeoutSeconds, int failureThreshold) {
        return new ProbeBuilder()
                .withNewGrpc()
                .withPort(ClusterObjects.PROBE_PORT)
                // unset means "" (the overall health); Kubernetes treats both the same
                .withService(service.isEmpty() ? null : service)
                .endGrpc()
                .withPeriodSeconds(periodSeconds)
                .withTimeoutSeconds(timeoutSeconds)
                .withFailureThreshold(failureThreshold)
                .build();
    }

    /**
     * The user's affinity if given; otherwise an anti-affinity on the hostname topology so that
     * one Kubernetes node holds at most one member (preferred by default, so that single-node
     * development clusters still work).
     */
    static Affinity affinity(RaftKvCluster cluster, SchedulingSpec scheduling) {
        if (scheduling.getAffinity() != null) {
            return scheduling.getAffinity();
        }
        SchedulingSpec.AntiAffinityPolicy policy = scheduling.getAntiAffinity() != null
                ? scheduling.getAntiAffinity()
                : SchedulingSpec.AntiAffinityPolicy.Preferred;
        PodAffinityTerm term = new PodAffinityTermBuilder()
                .withNewLabelSelector()
                .withMatchLabels(ClusterObjects.selectorLabels(cluster))
                .endLabelSelector()
                .withTopologyKey(HOSTNAME_TOPOLOGY)
                .build();
        return switch (policy) {
            case None -> null;
            case Required ->
                new AffinityBuilder()
                        .withNewPodAntiAffinity()
                        .withRequiredDuringSchedulingIgnoredDuringExecution(term)
                        .endPodAntiAffinity()
                        .build();
            case Preferred ->
                new AffinityBuilder()
                        .withNewPodAntiAffinity()
                        .addNewPreferredDuringSchedulingIgnoredDuringExecution()
                        .withWeight(100)
                        .withPodAffinityTerm(term)
                        .endPreferredDuringSchedulingIgnoredDuringExecution()
                        .endPodAntiAffinity()
                        .build();
        };
    }
}
