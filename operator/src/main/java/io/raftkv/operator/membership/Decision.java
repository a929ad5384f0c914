package io.raftkv.operator.membership;

import static io.raftkv.operator.membership.MembershipPlanner.LEARNER_CATCHING_UP;
import static io.raftkv.operator.membership.MembershipPlanner.LEARNER_NOT_CAUGHT_UP;
import static io.raftkv.operator.membership.MembershipPlanner.STEP_STUCK;

import io.raftkv.operator.api.v1alpha1.ClusterOperation;
import io.raftkv.operator.api.v1alpha1.ClusterOperation.Kind;
import io.raftkv.operator.membership.MembershipStep.Wait;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * A step a rule of {@link MembershipPlanner} chose, with the operation it belongs to (kind, pod,
 * member id), turned into a {@link MembershipPlan}: start times carried over while the operation and
 * the step continue, and a problem when the step needs a person or has waited past the step timeout.
 */
record Decision(Kind kind, String pod, Long memberId, MembershipStep step) {

    /**
     * Carries the start times over from the recorded operation: {@code startedAt} while the
     * operation (kind and pod) continues, {@code stepStartedAt} while the step does too.
     */
    MembershipPlan toPlan(ObservedCluster c, MembershipSettings settings) {
        String now = format(c.now());
        Optional<ClusterOperation> previous =
                c.operation().filter(op -> op.getKind() == kind && pod.equals(op.getPod()));
        String startedAt = previous.map(ClusterOperation::getStartedAt).orElse(now);
        Optional<ClusterOperation> sameStep = previous.filter(op -> step.name().equals(op.getStep()));
        String stepStartedAt = sameStep.map(ClusterOperation::getStepStartedAt).orElse(now);
        String message = step instanceof Wait w
                ? w.message()
                : sameStep.map(ClusterOperation::getMessage).orElse(null);
        ClusterOperation operation = new ClusterOperation(
                kind,
                pod,
                memberId == null ? null : Long.toString(memberId),
                step.name(),
                startedAt,
                stepStartedAt,
                message);
        Duration waited = Duration.between(parse(stepStartedAt, c.now()), c.now());
        Optional<MembershipPlan.Problem> problem = Optional.empty();
        if (step instanceof Wait w && w.needsIntervention()) {
            problem = Optional.of(new MembershipPlan.Problem(w.waitingFor(), w.message()));
        } else if (waited.compareTo(settings.stepTimeout()) > 0) {
            String reason = step instanceof Wait w
                    ? (LEARNER_CATCHING_UP.equals(w.waitingFor()) ? LEARNER_NOT_CAUGHT_UP : w.waitingFor())
                    : STEP_STUCK;
            problem = Optional.of(new MembershipPlan.Problem(
                    reason,
                    kind + " of " + pod + ": step "
                            + step.name() + " has not completed for " + waited.toMinutes() + " min (limit "
                            + settings.stepTimeout().toMinutes() + " min)"
                            + (message != null ? ": " + message : "")));
        }
        return new MembershipPlan(step, Optional.of(operation), problem);
    }

    /** RFC 3339 in whole seconds, as Kubernetes writes times. */
    static String format(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
    }

    static Instant parse(String text, Instant fallback) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException | NullPointerException e) {
            return fallback;
        }
    }
}
