package io.raftkv.operator.security;

import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.dependents.ClusterObjects;

/**
 * The Secret {@code <cluster>-ca}: the cluster CA (certificate and key), the previous CA during a rotation, and the operator's own client certificate and key. Only the operator reads it; no pod mounts it.
 *
 * <p>Its contents come from the {@link TlsPlan} the reconciler made for this reconciliation
 * ({@link TlsPlanner}); it exists only while TLS is on ({@link TlsOn}).
 */
@KubernetesDependent(informer = @Informer(labelSelector = ClusterObjects.MANAGED_BY_SELECTOR))
public class CaSecretDependent extends PlannedSecretDependent {

    public CaSecretDependent() {
        super();
    }

    @Override
    protected Secret desired(RaftKvCluster cluster, Context<RaftKvCluster> context) {
        // without a plan (TLS off) JOSDK only needs the name, to find the Secret it deletes
        return TlsOn.plan(context)
                .map(plan -> desiredFor(cluster, plan))
                .orElseGet(() -> SecretData.secret(
                        cluster, SecurityObjects.caSecretName(cluster), SecretData.TYPE_OPAQUE, java.util.Map.of()));
    }

    static Secret desiredFor(RaftKvCluster cluster, TlsPlan plan) {
        return SecretData.secret(
                cluster, SecurityObjects.caSecretName(cluster), SecretData.TYPE_OPAQUE, plan.caSecret());
    }
}
