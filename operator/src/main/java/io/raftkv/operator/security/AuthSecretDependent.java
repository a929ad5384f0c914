package io.raftkv.operator.security;

import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.dependents.ClusterObjects;
import io.raftkv.operator.dependents.OwnedDependent;

/**
 * The Secret {@code <cluster>-auth} every member pod mounts at {@code /etc/raftkv/auth}: the
 * role bindings and bearer tokens files ({@link AuthPlanner}). The nodes re-read them when they
 * change, so a new user or token needs no restart. Exists only while auth is on
 * ({@link AuthOn}).
 */
@KubernetesDependent(informer = @Informer(labelSelector = ClusterObjects.MANAGED_BY_SELECTOR))
public class AuthSecretDependent extends OwnedDependent<Secret> {

    public AuthSecretDependent() {
        super(Secret.class);
    }

    @Override
    protected Secret desired(RaftKvCluster cluster, Context<RaftKvCluster> context) {
        // without a plan (auth off) JOSDK only needs the name, to find the Secret it deletes
        AuthPlan plan = context.managedWorkflowAndDependentResourceContext()
                .get(AuthPlan.CONTEXT_KEY, AuthPlan.class)
                .orElse(new AuthPlan(java.util.Map.of(), java.util.List.of()));
        return desiredFor(cluster, plan);
    }

    static Secret desiredFor(RaftKvCluster cluster, AuthPlan plan) {
        return SecretData.secret(
                cluster, SecurityObjects.authSecretName(cluster), SecretData.TYPE_OPAQUE, plan.files());
    }
}
