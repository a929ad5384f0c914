package io.raftkv.operator.dependents;

import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;

/** Binds {@link NodeRoleDependent}'s Role to {@link NodeServiceAccountDependent}'s account. */
@KubernetesDependent(informer = @Informer(labelSelector = ClusterObjects.MANAGED_BY_SELECTOR))
public class NodeRoleBindingDependent extends OwnedDependent<RoleBinding> {

    public NodeRoleBindingDependent() {
        super(RoleBinding.class);
    }

    @Override
    protected RoleBinding desired(RaftKvCluster cluster, Context<RaftKvCluster> context) {
        return desiredFor(cluster);
    }

    static RoleBinding desiredFor(RaftKvCluster cluster) {
        String name = ClusterObjects.nodeAccountName(cluster);
        return new RoleBindingBuilder()
                .withMetadata(ClusterObjects.metadata(cluster, name))
                .withNewRoleRef()
                .withApiGroup("rbac.authorization.k8s.io")
                .withKind("Role")
                .withName(name)
                .endRoleRef()
                .addNewSubject()
                .withKind("ServiceAccount")
                .withName(name)
                .withNamespace(cluster.getMetadata().getNamespace())
                .endSubject()
                .build();
    }
}
