package io.raftkv.operator.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.raftkv.operator.api.v1alpha1.RaftKvClusterStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Which Kubernetes Events a status change deserves. Pure: it compares two statuses and returns
 * the events; {@link io.raftkv.operator.events.EventRecorder} posts them.
 */
public final class ClusterEvents {

    /** An event to record on the cluster. {@code type} is Normal or Warning. */
    public record ClusterEvent(String type, String reason, String message) {}

    private ClusterEvents() {}

    /** Events for the step from {@code previous} (null before the first status) to {@code next}. */
    public static List<ClusterEvent> transitions(RaftKvClusterStatus previous, RaftKvClusterStatus next) {
        List<ClusterEvent> events = new ArrayList<>();
        boolean first = previous == null
                || previous.getConditions() == null
                || previous.getConditions().isEmpty();
        Optional<Condition> degradedBefore =
                first ? Optional.empty() : ClusterStatusCalculator.find(previous, ConditionTypes.DEGRADED);
        Optional<Condition> degradedNow = ClusterStatusCalculator.find(next, ConditionTypes.DEGRADED);
        boolean wasDegraded =
                degradedBefore.filter(c -> "True".equals(c.getStatus())).isPresent();
        boolean isDegraded =
                degradedNow.filter(c -> "True".equals(c.getStatus())).isPresent();
        if (isDegraded
                && (!wasDegraded
                        || !degradedBefore
                                .get()
                                .getReason()
                                .equals(degradedNow.get().getReason()))) {
            events.add(new ClusterEvent(
                    "Warning", degradedNow.get().getReason(), degradedNow.get().getMessage()));
        } else if (wasDegraded && !isDegraded) {
            events.add(new ClusterEvent("Normal", "Recovered", "The cluster is no longer degraded."));
        }
        boolean wasAvailable = !first
                && ClusterStatusCalculator.find(previous, ConditionTypes.AVAILABLE)
                        .filter(c -> "True".equals(c.getStatus()))
                        .isPresent();
        Optional<Condition> availableNow = ClusterStatusCalculator.find(next, ConditionTypes.AVAILABLE);
        if (!wasAvailable
                && availableNow.filter(c -> "True".equals(c.getStatus())).isPresent()) {
            events.add(
                    new ClusterEvent("Normal", "Available", availableNow.get().getMessage()));
        } else if (wasAvailable
                && availableNow.filter(c -> "False".equals(c.getStatus())).isPresent()) {
            events.add(new ClusterEvent(
                    "Warning",
                    ConditionTypes.REASON_QUORUM_LOST,
                    availableNow.get().getMessage()));
        }
        boolean alarmBefore = !first
                && ClusterStatusCalculator.find(previous, ConditionTypes.ALARM)
                        .filter(c -> "True".equals(c.getStatus()))
                        .isPresent();
        Optional<Condition> alarmNow =
                ClusterStatusCalculator.find(next, ConditionTypes.ALARM).filter(c -> "True".equals(c.getStatus()));
        if (alarmNow.isPresent()
                && (!alarmBefore
                        || !ClusterStatusCalculator.find(previous, ConditionTypes.ALARM)
                                .get()
                                .getMessage()
                                .equals(alarmNow.get().getMessage()))) {
            events.add(new ClusterEvent(
                    "Warning",
                    "Alarm" + alarmNow.get().getReason(),
                    alarmNow.get().getMessage()));
        } else if (alarmBefore && alarmNow.isEmpty()) {
            events.add(new ClusterEvent("Normal", "AlarmCleared", "No cluster-wide alarm is active any more."));
        }
        return events;
    }
}
