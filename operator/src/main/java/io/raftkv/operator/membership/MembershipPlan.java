package io.raftkv.operator.membership;

import io.raftkv.operator.api.v1alpha1.ClusterOperation;
import java.util.Optional;

/**
 * The planner's decision: the next step, the operation to record in the status (empty when the
 * cluster has converged), and a problem when a step cannot proceed (the Degraded condition).
 */
public record MembershipPlan(MembershipStep step, Optional<ClusterOperation> operation, Optional<Problem> problem) {

    /** Why the orchestration is stuck: a Degraded condition's reason and message. */
    public record Problem(String reason, String message) {}

    public static MembershipPlan idle() {
        return new MembershipPlan(new MembershipStep.Idle(), Optional.empty(), Optional.empty());
    }
}
