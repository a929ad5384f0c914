package io.raftkv.operator.dependents;

import io.raftkv.operator.api.v1alpha1.RaftKvCluster;

/** Test access to {@link ClusterObjects} from other packages. */
public final class ClusterObjectsAccess {
    private ClusterObjectsAccess() {}

    public static String selector(RaftKvCluster cluster) {
        return ClusterObjects.selectorString(cluster);
    }
}
