package io.raftkv.operator.recovery;

import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.api.v1alpha1.RaftKvClusterStatus;
import io.raftkv.operator.api.v1alpha1.RestoreStatus;
import io.raftkv.operator.events.EventRecorder;
import io.raftkv.operator.status.ClusterStatusCalculator;
import io.raftkv.operator.status.ConditionTypes;
import java.time.Instant;
import java.util.Objects;

/**
 * Writes a restore decision into the status: {@code status.restore}, the {@value #RESTORED}
 * condition (True once the restored member leads; {@code kubectl wait --for=condition=Restored}),
 * Degraded with the reason when the source is not available, and one event per phase change.
 */
public final class RestoreReport {

    /** Condition type, present only on clusters created from {@code spec.restore}. */
    public static final String RESTORED = "Restored";

    private RestoreReport() {}

    public static void apply(
            RestorePlanner.Decision decision,
            RaftKvCluster cluster,
            RaftKvClusterStatus previous,
            RaftKvClusterStatus next,
            EventRecorder recorder,
            Instant now) {
        RestoreStatus status = decision.status();
        next.setRestore(status);
        if (status == null) {
            return;
        }
        boolean complete = RestoreStatus.PHASE_COMPLETE.equals(status.getPhase());
        String reason = complete
                ? RestorePlanner.REASON_RESTORED
                : decision.blocked()
                        .map(RestorePlanner.Blocked::reason)
                        .orElse(
                                RestoreStatus.PHASE_FAILED.equals(status.getPhase())
                                        ? (status.getReason() != null
                                                ? status.getReason()
                                                : RestorePlanner.REASON_ADDED_LATE)
                                        : RestorePlanner.REASON_RESTORING);
        ClusterStatusCalculator.withCondition(
                next, previous, RESTORED, complete, reason, status.getSource() + ": " + status.getMessage(), now);
        decision.blocked()
                .ifPresent(b -> ClusterStatusCalculator.withCondition(
                        next, previous, ConditionTypes.DEGRADED, true, b.reason(), b.message(), now));
        if (RestoreStatus.PHASE_FAILED.equals(status.getPhase()) && status.getReason() != null) {
            ClusterStatusCalculator.withCondition(
                    next, previous, ConditionTypes.DEGRADED, true, status.getReason(), status.getMessage(), now);
        }
        RestoreStatus before = previous != null ? previous.getRestore() : null;
        if (before == null
                || !Objects.equals(before.getPhase(), status.getPhase())
                || !Objects.equals(before.getReason(), status.getReason())) {
            recorder.record(
                    cluster,
                    complete || RestoreStatus.PHASE_RESTORING.equals(status.getPhase()) ? "Normal" : "Warning",
                    reason,
                    "Restore from " + status.getSource() + ": " + status.getMessage());
        }
    }
}
