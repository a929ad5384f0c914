package io.raftkv.operator.membership;

import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.dependents.ClusterObjects;

/**
 * Where the operator dials a pod's client port. In Kubernetes that is the pod's stable DNS name
 * under the headless peer Service ({@link #clusterDns()}), which resolves for pods that are not
 * ready too ({@code publishNotReadyAddresses}). A harness that runs nodes on loopback supplies
 * its own mapping.
 *
 * <p>Only the dial target is pluggable: the addresses registered with AddLearner are always the
 * pod contract's DNS names, because those are what the other nodes dial.
 */
@FunctionalInterface
public interface NodeEndpoints {

    /** {@code host:port} of the client port of pod {@code ordinal} of {@code cluster}. */
    String clientTarget(RaftKvCluster cluster, int ordinal);

    /** {@code <cluster>-<i>.<cluster>-peers.<namespace>.svc:9090}. */
    static NodeEndpoints clusterDns() {
        return ClusterObjects::clientAddress;
    }
}
