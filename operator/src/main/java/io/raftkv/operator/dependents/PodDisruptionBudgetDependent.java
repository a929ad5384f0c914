package io.raftkv.operator.dependents;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;

/**
 * Keeps a quorum through voluntary disruptions (node drains, cluster upgrades): for n voters at
 * most (n-1)/2 may be evicted at once. A single-member cluster has no failure to spare, so its
 * budget is zero and a drain waits until someone deletes the pod on purpose.
 *
 * <p>n is the current voter count ({@link WorkloadPlan#voters()}, from the leader's membership), not
 * {@code spec.replicas}: while 3 → 5 is in progress the cluster has 3 or 4 voters, and a budget
 * computed for 5 would let two of them be evicted.
 *
 * <p>The operator's own restarts go through the Eviction API too, so the budget arbitrates
 * between them and a concurrent drain.
 */
@KubernetesDependent(informer = @Informer(labelSelector = ClusterObjects.MANAGED_BY_SELECTOR))
public class PodDisruptionBudgetDependent extends OwnedDependent<PodDisruptionBudget> {

    public PodDisruptionBudgetDependent() {
        super(PodDisruptionBudget.class);
    }

    @Override
    protected PodDisruptionBudget desired(RaftKvCluster cluster, Context<RaftKvCluster> context) {
        return desiredFor(cluster, WorkloadPlan.of(cluster, context).voters());
    }

    static PodDisruptionBudget desiredFor(RaftKvCluster cluster) {
        return desiredFor(cluster, cluster.getSpec().getReplicas());
    }

    static PodDisruptionBudget desiredFor(RaftKvCluster cluster, int voters) {
        int replicas = voters;
        return new PodDisruptionBudgetBuilder()
                .withMetadata(ClusterObjects.metadata(cluster, ClusterObjects.podDisruptionBudgetName(cluster)))
                .withNewSpec()
                .withMaxUnavailable(new IntOrString(ClusterObjects.toleratedFailures(replicas)))
                // A pod that is not ready does not hold up a drain or a restart: evicting it costs
                // the quorum nothing (and a crash-looping pod must be replaceable).
                .withUnhealthyPodEvictionPolicy("AlwaysAllow")
                .withNewSelector()
                .withMatchLabels(ClusterObjects.selectorLabels(cluster))
                .endSelector()
                .endSpec()
                .build();
    }
}
