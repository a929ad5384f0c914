/**
 * Raft membership orchestration: observing the nodes, planning one step (add, promote, remove,
 * transfer, restart) and performing it. The plan is pure: {@code MembershipPlanner} (the rules in
 * order), {@code RepairRules} (automatic member repair), {@code PlannerFacts} (what the rules read
 * from the observed cluster alike, and the leadership transfer they share) and {@code Decision}
 * (a chosen step turned into a {@code MembershipPlan}).
 *
 * <p>Depends on the custom resource's types ({@link io.raftkv.operator.api.v1alpha1}) and the
 * node's wire messages ({@code io.raftkv.api.v1}), and posts Events through
 * {@link io.raftkv.operator.events}. Known exception, frozen in {@code OperatorArchitectureTest}: it
 * uses {@code dependents.ClusterObjects}, which closes the membership / dependents cycle.
 */
package io.raftkv.operator.membership;
