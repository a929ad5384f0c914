/**
 * Spec validation, status computation, conditions, events and the error status of a
 * RaftKvCluster.
 *
 * <p>Depends on the custom resource's types ({@link io.raftkv.operator.api.v1alpha1}) and reads
 * {@link io.raftkv.operator.membership}'s progress. Known exception, frozen in
 * {@code OperatorArchitectureTest}: it uses {@code dependents.ClusterObjects}.
 */
package io.raftkv.operator.status;
