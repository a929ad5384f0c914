package io.raftkv.operator.membership;

import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.dependents.ClusterObjects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;

/**
 * Which TLS client credentials the operator presents to which node: the reconciler registers a
 * cluster's credentials for the dial targets of all its possible ordinals before it calls any
 * node, and {@link GrpcNodeAdmin} looks them up per target (plaintext when there are none).
 * Thread-safe: clusters are reconciled concurrently.
 */
public final class AdminCredentials {

    /** Ordinals registered per cluster: the CRD allows 9 replicas, one more for a surge. */
    static final int MAX_ORDINALS = 10;

    private final ConcurrentHashMap<String, ClientTls> byTarget = new ConcurrentHashMap<>();

    /**
     * Registers {@code credentials} (by ordinal; empty for a plaintext cluster) for every dial
     * target of {@code cluster}.
     */
    public void register(RaftKvCluster cluster, NodeEndpoints endpoints, Optional<IntFunction<ClientTls>> credentials) {
        for (int k = 0; k < MAX_ORDINALS; k++) {
            String target = endpoints.clientTarget(cluster, k);
            if (credentials.isPresent()) {
                byTarget.put(target, credentials.get().apply(k));
            } else {
                byTarget.remove(target);
            }
        }
        // a leader's advertised client address, when a node reports one, is the pod DNS name
        for (int k = 0; k < MAX_ORDINALS; k++) {
            String target = ClusterObjects.clientAddress(cluster, k);
            if (credentials.isPresent()) {
                byTarget.put(target, credentials.get().apply(k));
            } else {
                byTarget.remove(target);
            }
        }
    }

    /** The credentials for {@code target}, if its cluster runs TLS. */
    public Optional<ClientTls> forTarget(String target) {
        return Optional.ofNullable(byTarget.get(target));
    }
}
