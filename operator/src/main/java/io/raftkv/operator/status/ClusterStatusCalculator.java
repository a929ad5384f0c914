package io.raftkv.operator.status;

import static io.raftkv.operator.status.ConditionTypes.*;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.raftkv.operator.api.v1alpha1.ClusterOperation;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.api.v1alpha1.RaftKvClusterStatus;
import io.raftkv.operator.api.v1alpha1.TlsStatus;
import io.raftkv.operator.dependents.ClusterObjects;
import io.raftkv.operator.membership.MembershipProgress;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Computes the operator's part of a cluster's status from the spec, the live StatefulSet and the
 * previous status. A pure function: same inputs, same status; the clock is an argument.
 *
 * <p>Invariants of the result:
 * <ul>
 *   <li>{@code leader}, {@code term}, {@code members} and {@code commitIndex} are copied
 *       unchanged from the previous status: the node owns them, and a JSON patch computed
 *       against the cached object therefore never touches them.</li>
 *   <li>A condition's {@code lastTransitionTime} changes only when its status changes.</li>
 *   <li>History the status needs is carried by condition reasons: Progressing stays
 *       {@code Creating} (or {@code Scaling}) until every desired member has been ready once,
 *       so a cluster that is still starting is not reported as Degraded.</li>
 * </ul>
 */
public final class ClusterStatusCalculator {

    private ClusterStatusCalculator() {}

    /**
     * @param cluster the cluster as cached, with its previous status (may be null)
     * @param statefulSet the live StatefulSet, if it exists
     * @param specProblems what {@link SpecValidator} found; non-empty means nothing was changed
     * @param now the time to stamp on conditions that change
     */
    public static RaftKvClusterStatus compute(
            RaftKvCluster cluster, Optional<StatefulSet> statefulSet, List<String> specProblems, Instant now) {
        return compute(
                cluster,
                statefulSet,
                specProblems,
                now,
                MembershipProgress.unchanged(
                        cluster.getStatus() != null ? cluster.getStatus().getOperation() : null));
    }

    /**
     * As {@link #compute(RaftKvCluster, Optional, List, Instant)}, with the membership
     * orchestration's progress: an operation in progress makes the phase Scaling (adding, removing
     * or replacing a member) or Upgrading (rolling restart) with Progressing=True; a problem that
     * blocks it makes the cluster Degraded with the problem's reason.
     */
    public static RaftKvClusterStatus compute(
            RaftKvCluster cluster,
            Optional<StatefulSet> statefulSet,
            List<String> specProblems,
            Instant now,
            MembershipProgress membership) {
        int desired = specProblems.isEmpty() ? cluster.getSpec().getReplicas() : 0;
        return compute(cluster, statefulSet, specProblems, now, membership, desired);
    }

    /**
     * As above, judging availability against {@code voters}, the cluster's current voter count
     * (from the leader's membership), not {@code spec.replicas}: while 1 → 3 is in progress one
     * ready voter is a quorum, and three desired members do not make it QuorumLost.
     */
    public static RaftKvClusterStatus compute(
            RaftKvCluster cluster,
            Optional<StatefulSet> statefulSet,
            List<String> specProblems,
            Instant now,
            MembershipProgress membership,
            int voters) {
        RaftKvClusterStatus previous = cluster.getStatus() != null ? cluster.getStatus() : new RaftKvClusterStatus();
        long generation = Objects.requireNonNullElse(cluster.getMetadata().getGeneration(), 0L);
        StatefulSetStatus stsStatus = statefulSet.map(StatefulSet::getStatus).orElse(null);
        int current = stsStatus != null ? zeroIfNull(stsStatus.getReplicas()) : 0;
        int ready = stsStatus != null ? zeroIfNull(stsStatus.getReadyReplicas()) : 0;

        List<Condition> conditions;
        String phase;
        ClusterOperation operation;
        if (!specProblems.isEmpty()) {
            // Judge availability against what actually runs, since the spec cannot be trusted.
            int running =
                    statefulSet.map(s -> zeroIfNull(s.getSpec().getReplicas())).orElse(0);
            conditions = List.of(
                    available(running, ready, previous),
                    condition(
                            PROGRESSING,
                            false,
                            REASON_INVALID_SPEC,
                            "Reconciliation is paused until the spec is fixed; nothing was changed."),
                    condition(DEGRADED, true, REASON_INVALID_SPEC, "Invalid spec: " + String.join("; ", specProblems)));
            phase = PHASE_DEGRADED;
            operation = previous.getOperation();
        } else if (membership.operation().isPresent() || membership.problem().isPresent()) {
            int desired = cluster.getSpec().getReplicas();
            operation = membership.operation().orElse(null);
            boolean restarting = operation != null && operation.getKind() == ClusterOperation.Kind.RollingRestart;
            Condition progressing = operation == null
                    ? progressing(desired, statefulSet, current, ready, previous)
                    : condition(
                            PROGRESSING,
                            true,
                            restarting ? REASON_ROLLING_UPDATE : REASON_SCALING,
                            operation.toString());
            Condition degraded = membership
                    .problem()
                    .map(p -> condition(DEGRADED, true, p.reason(), p.message()))
                    .orElse(condition(
                            DEGRADED,
                            false,
                            REASON_AS_EXPECTED,
                            "A membership operation is in progress; " + ready + " of " + desired
                                    + " members are ready."));
            conditions = List.of(available(voters, ready, previous), progressing, degraded);
            if (membership.problem().isPresent()) {
                phase = PHASE_DEGRADED;
            } else {
                phase = restarting ? PHASE_UPGRADING : PHASE_SCALING;
            }
        } else {
            operation = null;
            int desired = cluster.getSpec().getReplicas();
            Condition available = available(voters, ready, previous);
            Condition progressing = progressing(desired, statefulSet, current, ready, previous);
            boolean rollingOut = "True".equals(progressing.getStatus())
                    && (REASON_CREATING.equals(progressing.getReason())
                            || REASON_SCALING.equals(progressing.getReason()));
            Condition degraded = !rollingOut && ready < desired
                    ? condition(
                            DEGRADED, true, REASON_REPLICAS_NOT_READY, ready + " of " + desired + " members are ready")
                    : condition(DEGRADED, false, REASON_AS_EXPECTED, "All members are ready.");
            conditions = List.of(available, progressing, degraded);
            if (rollingOut && REASON_CREATING.equals(progressing.getReason())) {
                phase = PHASE_CREATING;
            } else if ("True".equals(degraded.getStatus())) {
                phase = PHASE_DEGRADED;
            } else if ("True".equals(progressing.getStatus())) {
                phase = PHASE_UPDATING;
            } else {
                phase = PHASE_RUNNING;
            }
        }

        conditions = new ArrayList<>(conditions);
        conditions.add(alarm(previous.getAlarms()));
        conditions.add(repair(operation));
        RaftKvClusterStatus next = new RaftKvClusterStatus();
        next.setPhase(phase);
        next.setReplicas(current);
        next.setReadyReplicas(ready);
        next.setSelector(ClusterObjects.selectorString(cluster));
        next.setObservedGeneration(generation);
        next.setConditions(carryTransitionTimes(conditions, previous, generation, now));
        next.setOperation(operation);
        next.setLeader(previous.getLeader());
        next.setTerm(previous.getTerm());
        next.setMembers(previous.getMembers());
        next.setCommitIndex(previous.getCommitIndex());
        next.setAlarms(previous.getAlarms());
        return next;
    }

    /**
     * Alarm: True while the leader reports a cluster-wide alarm ({@code status.alarms}, written by
     * the node), with the first alarm's type as reason; False (NoAlarm) otherwise.
     */
    /** {@link ConditionTypes#MEMBER_REPAIR}: True while the operation in progress is a repair. */
    private static Condition repair(ClusterOperation operation) {
        if (operation == null || operation.getKind() != ClusterOperation.Kind.RepairMember) {
            return condition(
                    ConditionTypes.MEMBER_REPAIR,
                    false,
                    ConditionTypes.REASON_NO_REPAIR,
                    "No member is being repaired.");
        }
        return condition(
                ConditionTypes.MEMBER_REPAIR,
                true,
                operation.getStep(),
                "Repairing " + operation.getPod()
                        + (operation.getMemberId() == null ? "" : " (member " + operation.getMemberId() + ")")
                        + ": its data is lost or corrupt, so its member is removed, its volume replaced and a fresh"
                        + " member added" + (operation.getMessage() == null ? "." : ". " + operation.getMessage()));
    }

    static Condition alarm(List<String> alarms) {
        if (alarms == null || alarms.isEmpty()) {
            return condition(ALARM, false, REASON_NO_ALARM, "No cluster-wide alarm is active.");
        }
        String type = alarms.get(0).contains(":")
                ? alarms.get(0).substring(0, alarms.get(0).indexOf(':'))
                : alarms.get(0);
        String hint = alarms.stream().anyMatch(a -> a.startsWith("NOSPACE"))
                ? " NOSPACE: a member is above its space quota, writes that add data fail RESOURCE_EXHAUSTED"
                        + " NO_SPACE; delete keys, then run raftkvctl alarm disarm (docs/operations.md, Space quota)."
                : "";
        return condition(ALARM, true, type, "Active alarms: " + String.join(", ", alarms) + "." + hint);
    }

    /** Available: a majority of {@code desired} is ready (readiness implies a known leader). */
    private static Condition available(int voters, int ready, RaftKvClusterStatus previous) {
        int desired = voters;
        int quorum = desired > 0 ? ClusterObjects.quorum(desired) : 1;
        if (desired > 0 && ready >= quorum) {
            return condition(
                    AVAILABLE,
                    true,
                    REASON_QUORUM_READY,
                    ready + " of " + desired + " members are ready; a quorum is " + quorum + ".");
        }
        Optional<Condition> before = find(previous, AVAILABLE);
        boolean neverAvailable = before.isEmpty()
                || ("False".equals(before.get().getStatus())
                        && REASON_BOOTSTRAPPING.equals(before.get().getReason()));
        return condition(
                AVAILABLE,
                false,
                neverAvailable ? REASON_BOOTSTRAPPING : REASON_QUORUM_LOST,
                ready + " of " + desired + " members are ready; a quorum needs " + quorum + ".");
    }

    private static Condition progressing(
            int desired, Optional<StatefulSet> statefulSet, int current, int ready, RaftKvClusterStatus previous) {
        Optional<Condition> before = find(previous, PROGRESSING);
        boolean wasCreating = before.isEmpty() || isTrueWithReason(before, REASON_CREATING);
        if (statefulSet.isEmpty()) {
            return condition(PROGRESSING, true, REASON_CREATING, "Creating the StatefulSet.");
        }
        if (wasCreating && ready < desired) {
            return condition(PROGRESSING, true, REASON_CREATING, ready + " of " + desired + " members are ready.");
        }
        StatefulSet sts = statefulSet.get();
        StatefulSetStatus status = sts.getStatus();
        boolean stsLagging = status == null
                || status.getObservedGeneration() == null
                || sts.getMetadata().getGeneration() != null
                        && status.getObservedGeneration() < sts.getMetadata().getGeneration();
        boolean scaling =
                current != desired || stsLagging || isTrueWithReason(before, REASON_SCALING) && ready < desired;
        if (scaling) {
            return condition(
                    PROGRESSING,
                    true,
                    REASON_SCALING,
                    "Scaling to " + desired + " members: " + current + " exist, " + ready + " ready.");
        }
        // With OnDelete the StatefulSet controller never advances currentRevision, so pods on the
        // old template are counted through updatedReplicas.
        int updated = zeroIfNull(status.getUpdatedReplicas());
        if (status.getUpdateRevision() != null
                && !status.getUpdateRevision().equals(status.getCurrentRevision())
                && updated < current) {
            return condition(
                    PROGRESSING,
                    true,
                    REASON_UPDATE_PENDING,
                    updated + " of " + desired + " members run the current pod template; the others are"
                            + " restarted one at a time by the membership-safe rollout (updateStrategy"
                            + " OnDelete).");
        }
        return condition(PROGRESSING, false, REASON_STABLE, "The StatefulSet matches the spec.");
    }

    /**
     * The status after a reconciliation failed with {@code failure}: Degraded=True with the
     * failure's reason and message, phase Degraded; Available and Progressing as they were (the
     * failure says nothing new about the members), every other field unchanged.
     */
    public static RaftKvClusterStatus failed(RaftKvCluster cluster, ReconcileFailure failure, Instant now) {
        RaftKvClusterStatus previous = cluster.getStatus() != null ? cluster.getStatus() : new RaftKvClusterStatus();
        long generation = Objects.requireNonNullElse(cluster.getMetadata().getGeneration(), 0L);
        List<Condition> conditions = new ArrayList<>();
        for (String type : List.of(AVAILABLE, PROGRESSING)) {
            conditions.add(find(previous, type)
                    .map(c -> new ConditionBuilder(c).build())
                    .orElse(new ConditionBuilder()
                            .withType(type)
                            .withStatus("Unknown")
                            .withReason(failure.reason())
                            .withMessage("Not known: the last reconciliation failed.")
                            .build()));
        }
        conditions.add(condition(DEGRADED, true, failure.reason(), failure.message()));
        conditions.add(alarm(previous.getAlarms()));
        RaftKvClusterStatus next = new RaftKvClusterStatus();
        next.setPhase(PHASE_DEGRADED);
        next.setReplicas(previous.getReplicas());
        next.setReadyReplicas(previous.getReadyReplicas());
        next.setSelector(ClusterObjects.selectorString(cluster));
        next.setObservedGeneration(generation);
        next.setConditions(carryTransitionTimes(conditions, previous, generation, now));
        next.setOperation(previous.getOperation());
        next.setLeader(previous.getLeader());
        next.setTerm(previous.getTerm());
        next.setMembers(previous.getMembers());
        next.setCommitIndex(previous.getCommitIndex());
        next.setAlarms(previous.getAlarms());
        next.setTls(previous.getTls());
        find(previous, SECURITY_READY).ifPresent(c -> next.getConditions().add(c));
        return next;
    }

    /**
     * Sets the certificates' status and the {@code SecurityReady} condition on {@code next},
     * keeping the condition's transition time when its status did not change.
     */
    public static void withSecurity(
            RaftKvClusterStatus next,
            RaftKvClusterStatus previous,
            TlsStatus tls,
            boolean ready,
            String reason,
            String message,
            Instant now) {
        long generation = Objects.requireNonNullElse(next.getObservedGeneration(), 0L);
        List<Condition> conditions = new ArrayList<>(next.getConditions());
        conditions.removeIf(c -> SECURITY_READY.equals(c.getType()));
        conditions.addAll(carryTransitionTimes(
                List.of(condition(SECURITY_READY, ready, reason, message)), previous, generation, now));
        next.setConditions(conditions);
        next.setTls(tls);
    }

    /**
     * Puts condition {@code type} on {@code next} (replacing one of that type), keeping its
     * transition time from {@code previous} when its status did not change.
     */
    public static void withCondition(
            RaftKvClusterStatus next,
            RaftKvClusterStatus previous,
            String type,
            boolean status,
            String reason,
            String message,
            Instant now) {
        long generation = Objects.requireNonNullElse(next.getObservedGeneration(), 0L);
        List<Condition> conditions = new ArrayList<>(next.getConditions());
        conditions.removeIf(c -> type.equals(c.getType()));
        conditions.addAll(
                carryTransitionTimes(List.of(condition(type, status, reason, message)), previous, generation, now));
        next.setConditions(conditions);
    }

    /**
     * Stamps {@code observedGeneration} and keeps each condition's previous
     * {@code lastTransitionTime} unless its status changed.
     */
    private static List<Condition> carryTransitionTimes(
            List<Condition> conditions, RaftKvClusterStatus previous, long generation, Instant now) {
        String nowText = DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.SECONDS));
        List<Condition> result = new ArrayList<>(conditions.size());
        for (Condition c : conditions) {
            Optional<Condition> before = find(previous, c.getType());
            String since = before.filter(b -> Objects.equals(b.getStatus(), c.getStatus()))
                    .map(Condition::getLastTransitionTime)
                    .orElse(nowText);
            result.add(new ConditionBuilder(c)
                    .withObservedGeneration(generation)
                    .withLastTransitionTime(since)
                    .build());
        }
        return result;
    }

    /** The condition of {@code type} in {@code status}, if present. */
    public static Optional<Condition> find(RaftKvClusterStatus status, String type) {
        if (status == null || status.getConditions() == null) {
            return Optional.empty();
        }
        return status.getConditions().stream()
                .filter(c -> type.equals(c.getType()))
                .findFirst();
    }

    private static boolean isTrueWithReason(Optional<Condition> condition, String reason) {
        return condition
                .filter(c -> "True".equals(c.getStatus()) && reason.equals(c.getReason()))
                .isPresent();
    }

    private static Condition condition(String type, boolean status, String reason, String message) {
        return new ConditionBuilder()
                .withType(type)
                .withStatus(status ? "True" : "False")
                .withReason(reason)
                .withMessage(message)
                .build();
    }

    private static int zeroIfNull(Integer value) {
        return value == null ? 0 : value;
    }
}
