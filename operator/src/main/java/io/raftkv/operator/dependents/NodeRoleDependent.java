package io.raftkv.operator.dependents;

import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;

/**
 * What a node may do through the Kubernetes API: read its own RaftKvCluster and patch its status
 * (the leader reports leader, term, members and commit index). Every rule is limited by
 * {@code resourceNames} to this one cluster, so a compromised node cannot touch other clusters.
 */
@KubernetesDependent(informer = @Informer(labelSelector = ClusterObjects.MANAGED_BY_SELECTOR))
public class NodeRoleDependent extends OwnedDependent<Role> {

    public NodeRoleDependent() {
        super(Role.class);
    }

    @Override
    protected Role desired(RaftKvCluster cluster, Context<RaftKvCluster> context) {
        return desiredFor(cluster);
    }

    static Role desiredFor(RaftKvCluster cluster) {
        String name = cluster.getMetadata().getName();
        return new RoleBuilder()
                .withMetadata(ClusterObjects.metadata(cluster, ClusterObjects.nodeAccountName(cluster)))
                .withRules(
                        new PolicyRuleBuilder()
                                .withApiGroups(RaftKvCluster.GROUP)
                                .withResources(RaftKvCluster.PLURAL)
                                .withResourceNames(name)
                                .withVerbs("get", "watch")
                                .build(),
                        new PolicyRuleBuilder()
                                .withApiGroups(RaftKvCluster.GROUP)
                                .withResources(RaftKvCluster.PLURAL + "/status")
                                .withResourceNames(name)
                                .withVerbs("get", "patch", "update")
                                .build())
                .build();
    }
}
