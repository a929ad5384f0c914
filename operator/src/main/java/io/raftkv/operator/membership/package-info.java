/**
 * Raft membership orchestration: observing the nodes, planning one step (add, promote, remove,
 * transfer, restart) and performing it.
 *
 * <p>Depends on the custom resource's types ({@link io.raftkv.operator.api.v1alpha1}) and the
 * node's wire messages ({@code io.raftkv.api.v1}). Known exceptions, frozen in
 * {@code OperatorArchitectureTest}: it uses {@code status.EventRecorder} and
 * {@code dependents.ClusterObjects}, which close the status / membership / dependents cycle.
 */
package io.raftkv.operator.membership;
