package io.raftkv.operator.dependents;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.managed.ManagedWorkflowAndDependentResourceContext;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import java.util.Objects;
import java.util.Optional;

/**
 * What one reconciliation decided for the pods, handed from the reconciler to the StatefulSet and
 * PodDisruptionBudget dependents through JOSDK's managed workflow context: one typed record under
 * one key, instead of a string key and a cast per value.
 *
 * @param initialVoters       the number of voters the cluster was bootstrapped with (a restore starts with 1)
 * @param statefulSetReplicas the replica count the StatefulSet should have now: the membership
 *                            orchestration moves it one pod at a time toward {@code spec.replicas},
 *                            so it may lag the spec while members are added or removed
 * @param voters              the current voter count (from the leader's membership), which sizes the
 *                            PodDisruptionBudget
 * @param bootstrapAllowed    whether the pods may bootstrap a new cluster: false when the StatefulSet
 *                            is created over volumes of an earlier incarnation of the cluster
 * @param tls                 whether the pods run TLS
 * @param auth                whether the pods require client authentication
 * @param restore             the restore the pods carry, only while a cluster created from
 *                            {@code spec.restore} has not led yet
 * @param forceNewCluster     the member id the pods' {@code RAFTKV_FORCE_NEW_CLUSTER} names: set by a
 *                            confirmed quorum-loss rebuild and kept after it (the node acts on it once;
 *                            members with another id ignore it)
 */
public record WorkloadPlan(
        int initialVoters,
        int statefulSetReplicas,
        int voters,
        boolean bootstrapAllowed,
        boolean tls,
        boolean auth,
        Optional<RestoreMount> restore,
        Optional<String> forceNewCluster) {
    static final String CONTEXT_KEY = "raftkv.io/workload-plan";

    public WorkloadPlan {
        Objects.requireNonNull(restore, "restore");
        Objects.requireNonNull(forceNewCluster, "forceNewCluster");
    }

    /** Hands the plan to the dependents of this reconciliation. */
    public void putInto(ManagedWorkflowAndDependentResourceContext context) {
        context.put(CONTEXT_KEY, this);
    }

    /**
     * The plan the reconciler put into {@code context}, or, when it put none, the spec's: every
     * replica a voter, bootstrap allowed, plaintext, no restore, no forced rebuild.
     */
    static WorkloadPlan of(RaftKvCluster cluster, Context<RaftKvCluster> context) {
        return context.managedWorkflowAndDependentResourceContext()
                .get(CONTEXT_KEY, WorkloadPlan.class)
                .orElseGet(() -> {
                    int replicas = cluster.getSpec().getReplicas();
                    return new WorkloadPlan(
                            replicas, replicas, replicas, true, false, false, Optional.empty(), Optional.empty());
                });
    }
}
