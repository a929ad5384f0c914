package io.raftkv.operator.dependents;

import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;

/** Test access to {@link StatefulSetDependent#desiredFor} from other packages. */
public final class StatefulSetDependentAccess {
    private StatefulSetDependentAccess() {}

    public static StatefulSet desired(RaftKvCluster cluster) {
        return StatefulSetDependent.desiredFor(cluster, cluster.getSpec().getReplicas());
    }
}
