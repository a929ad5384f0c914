package io.raftkv.operator.membership;

import io.raftkv.operator.api.v1alpha1.ClusterOperation;
import java.util.Optional;

/**
 * What the status reports about membership orchestration after a reconciliation: the operation
 * in progress (empty once converged) and the problem that blocks it (Degraded), if any.
 */
public record MembershipProgress(Optional<ClusterOperation> operation, Optional<MembershipPlan.Problem> problem) {

    public static MembershipProgress idle() {
        return new MembershipProgress(Optional.empty(), Optional.empty());
    }

    /** Progress unchanged from the last status (used when the spec is invalid: nothing ran). */
    public static MembershipProgress unchanged(ClusterOperation previous) {
        return new MembershipProgress(Optional.ofNullable(previous), Optional.empty());
    }
}
