package io.raftkv.operator.dependents;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.api.v1alpha1.StorageSpec;
import io.raftkv.operator.membership.MembershipOrchestrator;
import io.raftkv.operator.status.SpecValidator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The StatefulSet {@code <cluster>} that runs the members.
 *
 * <ul>
 *   <li>{@code podManagementPolicy: Parallel}: a member only becomes ready once a leader is
 *       elected, which needs a majority running, so the ordered policy (wait for pod 0 to be
 *       ready before starting pod 1) would never get past pod 0. The policy is immutable, so it
 *       stays Parallel for the cluster's life; scaling one member at a time is the operator's
 *       job (membership orchestration), not the StatefulSet's.</li>
 *   <li>{@code updateStrategy: OnDelete}: a changed template does not restart pods by itself.
 *       Restarts must move leadership first and go one member at a time, which the membership
 *       orchestration does by deleting pods in a safe order.</li>
 *   <li>volumeClaimTemplates and the PVC retention policy come from {@code spec.storage}.</li>
 *   <li>{@code replicas} is what the membership orchestration decided for this step
 *       ({@link WorkloadPlan#statefulSetReplicas()}), not {@code spec.replicas}: a pod is only added once the
 *       previous one is a voter, and only removed once its member is gone.</li>
 * </ul>
 */
@KubernetesDependent(informer = @Informer(labelSelector = ClusterObjects.MANAGED_BY_SELECTOR))
public class StatefulSetDependent extends OwnedDependent<StatefulSet> {

    /**
     * Pod contract: {@code RAFTKV_BOOTSTRAP=false} makes every pod on a fresh volume join under a
     * fresh id, whatever its ordinal. Absent means allowed, so existing templates do not change.
     */
    public static final String ENV_BOOTSTRAP = "RAFTKV_BOOTSTRAP";

    public static final String ENV_FORCE_NEW_CLUSTER = "RAFTKV_FORCE_NEW_CLUSTER";

    public StatefulSetDependent() {
        super(StatefulSet.class);
    }

    @Override
    protected StatefulSet desired(RaftKvCluster cluster, Context<RaftKvCluster> context) {
        WorkloadPlan plan = WorkloadPlan.of(cluster, context);
        StatefulSet desired = desiredFor(
                cluster,
                plan.initialVoters(),
                plan.statefulSetReplicas(),
                plan.bootstrapAllowed(),
                plan.tls(),
                plan.auth());
        plan.restore().ifPresent(r -> r.applyTo(desired.getSpec().getTemplate()));
        plan.forceNewCluster()
                .ifPresent(id -> desired.getSpec().getTemplate().getSpec().getContainers().stream()
                        .filter(c -> NodePodTemplate.CONTAINER_NAME.equals(c.getName()))
                        .forEach(c -> c.getEnv()
                                .add(new EnvVarBuilder()
                                        .withName(ENV_FORCE_NEW_CLUSTER)
                                        .withValue(id)
                                        .build())));
        return desired;
    }

    /** The member id an existing StatefulSet's template passes as {@code RAFTKV_FORCE_NEW_CLUSTER}. */
    public static Optional<String> forceNewCluster(StatefulSet sts) {
        return envOf(sts, ENV_FORCE_NEW_CLUSTER);
    }

    /**
     * Whether the pods may bootstrap, decided from durable facts rather than the RaftKvCluster's
     * status (which a recreated or restored object does not have): an existing StatefulSet keeps
     * the decision it was created with; a new one may bootstrap only when none of the cluster's
     * data volumes ({@code data-<cluster>-<i>}) exists.
     */
    public static boolean bootstrapAllowed(
            RaftKvCluster cluster, Optional<StatefulSet> existing, MembershipOrchestrator.ClaimLookup claims) {
        if (existing.isPresent()) {
            return !"false".equals(envOf(existing.get(), ENV_BOOTSTRAP).orElse("true"));
        }
        return priorClaims(cluster, claims).isEmpty();
    }

    /** The data volumes of {@code cluster} that already exist (ordinals 0..8). */
    public static List<String> priorClaims(RaftKvCluster cluster, MembershipOrchestrator.ClaimLookup claims) {
        List<String> found = new ArrayList<>();
        for (int k = 0; k < SpecValidator.MAX_REPLICAS; k++) {
            String name = ClusterObjects.dataClaimName(cluster, k);
            if (claims.exists(cluster.getMetadata().getNamespace(), name)) {
                found.add(name);
            }
        }
        return found;
    }

    private static Optional<String> envOf(StatefulSet sts, String name) {
        return sts.getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> NodePodTemplate.CONTAINER_NAME.equals(c.getName()))
                .findFirst()
                .flatMap(c -> c.getEnv() == null
                        ? Optional.empty()
                        : c.getEnv().stream()
                                .filter(e -> name.equals(e.getName()))
                                .map(EnvVar::getValue)
                                .findFirst());
    }

    /**
     * The number of voters the cluster was bootstrapped with: what the existing StatefulSet passes
     * as {@code RAFTKV_REPLICAS}, or the spec's replicas for a cluster that does not exist yet.
     */
    public static int initialVoters(RaftKvCluster cluster, Optional<StatefulSet> existing) {
        return existing.flatMap(sts -> sts.getSpec().getTemplate().getSpec().getContainers().stream()
                        .filter(c -> NodePodTemplate.CONTAINER_NAME.equals(c.getName()))
                        .findFirst())
                .flatMap(c -> c.getEnv().stream()
                        .filter(e -> NodePodTemplate.ENV_REPLICAS.equals(e.getName()))
                        .map(EnvVar::getValue)
                        .findFirst())
                .flatMap(StatefulSetDependent::parsePositive)
                .orElseGet(() -> cluster.getSpec().getReplicas());
    }

    static StatefulSet desiredFor(RaftKvCluster cluster, int initialVoters) {
        return desiredFor(cluster, initialVoters, cluster.getSpec().getReplicas());
    }

    static StatefulSet desiredFor(RaftKvCluster cluster, int initialVoters, int replicas) {
        return desiredFor(cluster, initialVoters, replicas, true);
    }

    static StatefulSet desiredFor(RaftKvCluster cluster, int initialVoters, int replicas, boolean bootstrapAllowed) {
        return desiredFor(cluster, initialVoters, replicas, bootstrapAllowed, false, false);
    }

    static StatefulSet desiredFor(
            RaftKvCluster cluster,
            int initialVoters,
            int replicas,
            boolean bootstrapAllowed,
            boolean tls,
            boolean auth) {
        StorageSpec storage =
                cluster.getSpec().getStorage() != null ? cluster.getSpec().getStorage() : new StorageSpec();
        Map<String, String> selector = ClusterObjects.selectorLabels(cluster);
        var template = NodePodTemplate.build(cluster, initialVoters);
        if (!bootstrapAllowed) {
            template.getSpec().getContainers().stream()
                    .filter(c -> NodePodTemplate.CONTAINER_NAME.equals(c.getName()))
                    .forEach(c -> c.getEnv()
                            .add(new EnvVarBuilder()
                                    .withName(ENV_BOOTSTRAP)
                                    .withValue("false")
                                    .build()));
        }
        NodePodSecurity.apply(template, cluster, NodePodTemplate.CONTAINER_NAME, tls, auth);
        return new StatefulSetBuilder()
                .withMetadata(ClusterObjects.metadata(cluster, ClusterObjects.statefulSetName(cluster)))
                .withNewSpec()
                .withReplicas(replicas)
                .withServiceName(ClusterObjects.peerServiceName(cluster))
                .withPodManagementPolicy("Parallel")
                .withNewUpdateStrategy()
                .withType("OnDelete")
                .endUpdateStrategy()
                .withNewSelector()
                .withMatchLabels(selector)
                .endSelector()
                .withNewPersistentVolumeClaimRetentionPolicy()
                .withWhenDeleted(storage.getWhenDeleted().name())
                .withWhenScaled(storage.getWhenScaled().name())
                .endPersistentVolumeClaimRetentionPolicy()
                .withTemplate(template)
                .withVolumeClaimTemplates(volumeClaimTemplate(cluster, storage))
                .endSpec()
                .build();
    }

    private static PersistentVolumeClaim volumeClaimTemplate(RaftKvCluster cluster, StorageSpec storage) {
        return new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName(ClusterObjects.DATA_VOLUME)
                .withLabels(ClusterObjects.selectorLabels(cluster))
                .endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withStorageClassName(storage.getStorageClassName())
                .withNewResources()
                .addToRequests("storage", new Quantity(storage.getSize()))
                .endResources()
                .endSpec()
                .build();
    }

    private static Optional<Integer> parsePositive(String value) {
        try {
            int parsed = Integer.parseInt(value);
            return parsed > 0 ? Optional.of(parsed) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
