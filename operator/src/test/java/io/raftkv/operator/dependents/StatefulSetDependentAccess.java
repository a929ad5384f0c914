package io.raftkv.operator.dependents;

import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;

/** Test access to {@link StatefulSetDependent#desiredFor} from other packages. */
public final class StatefulSetDependentAccess {
    private StatefulSetDependentAccess() {}

    public static StatefulSet desired(RaftKvCluster cluster) {
        return StatefulSetDependent.desiredFor(cluster, cluster.getSpec().getReplicas());
    }

    /** The StatefulSet of a cluster created for a restore: one voter, the source mounted. */
    public static StatefulSet desiredRestoring(RaftKvCluster cluster, RestoreMount mount) {
        StatefulSet sts = StatefulSetDependent.desiredFor(cluster, 1, 1);
        mount.applyTo(sts.getSpec().getTemplate());
        return sts;
    }
}
