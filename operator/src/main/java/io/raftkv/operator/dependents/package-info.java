/**
 * One JOSDK dependent per object the operator owns (StatefulSet, Services, PodDisruptionBudget,
 * node RBAC) and the pod contract they share.
 *
 * <p>Depends on the custom resource's types ({@link io.raftkv.operator.api.v1alpha1}),
 * {@link io.raftkv.operator.status} and {@link io.raftkv.operator.membership}. Checked by
 * {@code OperatorArchitectureTest}, where status's and membership's uses of {@code ClusterObjects}
 * (the reverse direction) are frozen.
 */
package io.raftkv.operator.dependents;
