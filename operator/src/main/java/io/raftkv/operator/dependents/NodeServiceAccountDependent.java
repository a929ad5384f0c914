package io.raftkv.operator.dependents;

import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;

/** The identity the node pods run as ({@code <cluster>-node}); see {@link NodeRoleDependent}. */
@KubernetesDependent(informer = @Informer(labelSelector = ClusterObjects.MANAGED_BY_SELECTOR))
public class NodeServiceAccountDependent extends OwnedDependent<ServiceAccount> {

    public NodeServiceAccountDependent() {
        super(ServiceAccount.class);
    }

    @Override
    protected ServiceAccount desired(RaftKvCluster cluster, Context<RaftKvCluster> context) {
        return desiredFor(cluster);
    }

    static ServiceAccount desiredFor(RaftKvCluster cluster) {
        return new ServiceAccountBuilder()
                .withMetadata(ClusterObjects.metadata(cluster, ClusterObjects.nodeAccountName(cluster)))
                .build();
    }
}
