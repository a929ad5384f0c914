package io.raftkv.operator.dependents;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;

/**
 * Keeps a quorum through voluntary disruptions (node drains, cluster upgrades): for n members at
 * most (n-1)/2 may be evicted at once. A single-member cluster has no failure to spare, so its
 * budget is zero and a drain waits until someone deletes the pod on purpose.
 */
@KubernetesDependent(informer = @Informer(labelSelector = ClusterObjects.MANAGED_BY_SELECTOR))
public class PodDisruptionBudgetDependent
    extends CRUDKubernetesDependentResource<PodDisruptionBudget, RaftKvCluster> {

  public PodDisruptionBudgetDependent() {
    super(PodDisruptionBudget.class);
  }

  @Override
  protected PodDisruptionBudget desired(RaftKvCluster cluster, Context<RaftKvCluster> context) {
    return desiredFor(cluster);
  }

  static PodDisruptionBudget desiredFor(RaftKvCluster cluster) {
    int replicas = cluster.getSpec().getReplicas();
    return new PodDisruptionBudgetBuilder()
        .withMetadata(
            ClusterObjects.metadata(cluster, ClusterObjects.podDisruptionBudgetName(cluster)))
        .withNewSpec()
          .withMaxUnavailable(new IntOrString(ClusterObjects.toleratedFailures(replicas)))
          .withNewSelector()
            .withMatchLabels(ClusterObjects.selectorLabels(cluster))
          .endSelector()
        .endSpec()
        .build();
  }
}
