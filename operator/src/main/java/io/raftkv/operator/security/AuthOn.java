package io.raftkv.operator.security;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;

/**
 * Reconcile precondition of the auth Secret: met when the reconciler made an {@link AuthPlan}
 * (auth is on). When not met, JOSDK deletes the Secret.
 */
public class AuthOn implements Condition<HasMetadata, RaftKvCluster> {

    @Override
    public boolean isMet(
            DependentResource<HasMetadata, RaftKvCluster> dependentResource,
            RaftKvCluster primary,
            Context<RaftKvCluster> context) {
        return context.managedWorkflowAndDependentResourceContext()
                .get(AuthPlan.CONTEXT_KEY, AuthPlan.class)
                .isPresent();
    }
}
