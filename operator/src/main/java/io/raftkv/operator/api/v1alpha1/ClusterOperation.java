package io.raftkv.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/**
 * The membership operation the operator is in the middle of ({@code status.operation}): one
 * member being added, removed, replaced or restarted. The operator never waits inside a
 * reconciliation; this record is how one reconciliation tells the next where the work stands,
 * and how long the current step has been waiting (for the Degraded deadline).
 *
 * <p>Invariant: at most one operation exists per cluster, because at most one membership change
 * (or one pod restart) is in flight at a time.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ClusterOperation {

    /** What kind of work the operation is. */
    public enum Kind {
        /** Adding the member of a new pod: StatefulSet +1, AddLearner, catch up, PromoteMember. */
        ScaleUp,
        /** Removing the highest member: TransferLeadership if it leads, RemoveMember, StatefulSet -1. */
        ScaleDown,
        /** A pod came back on a fresh volume under a new id: remove the old member, add the new one. */
        ReplaceMember,
        /** Restarting pods onto a new template, followers first, the leader last after a transfer. */
        RollingRestart,
        /**
         * Replacing a member whose data is lost or corrupt (spec.memberRepair=Automatic): remove it,
         * delete its PersistentVolumeClaim and pod, add the fresh member of the recreated pod.
         */
        RepairMember
    }

    @JsonPropertyDescription("ScaleUp, ScaleDown, ReplaceMember, RollingRestart or RepairMember.")
    private Kind kind;

    @JsonPropertyDescription("The pod the operation is about.")
    private String pod;

    @JsonPropertyDescription("Raft member id concerned, when known (decimal).")
    private String memberId;

    @JsonPropertyDescription("The current step, e.g. AddLearner, WaitForCatchUp, PromoteMember,"
            + " TransferLeadership, RemoveMember, ScaleStatefulSet, DeletePod, WaitForPodReady.")
    private String step;

    @JsonPropertyDescription("When the operation started (RFC 3339).")
    private String startedAt;

    @JsonPropertyDescription("When the current step started (RFC 3339); a step that waits longer"
            + " than the operator's step timeout makes the cluster Degraded.")
    private String stepStartedAt;

    @JsonPropertyDescription("What the step is waiting for, or the last error.")
    private String message;

    public ClusterOperation() {}

    public ClusterOperation(
            Kind kind,
            String pod,
            String memberId,
            String step,
            String startedAt,
            String stepStartedAt,
            String message) {
        this.kind = kind;
        this.pod = pod;
        this.memberId = memberId;
        this.step = step;
        this.startedAt = startedAt;
        this.stepStartedAt = stepStartedAt;
        this.message = message;
    }

    public Kind getKind() {
        return kind;
    }

    public void setKind(Kind kind) {
        this.kind = kind;
    }

    public String getPod() {
        return pod;
    }

    public void setPod(String pod) {
        this.pod = pod;
    }

    public String getMemberId() {
        return memberId;
    }

    public void setMemberId(String memberId) {
        this.memberId = memberId;
    }

    public String getStep() {
        return step;
    }

    public void setStep(String step) {
        this.step = step;
    }

    public String getStartedAt() {
        return startedAt;
    }

    public void setStartedAt(String startedAt) {
        this.startedAt = startedAt;
    }

    public String getStepStartedAt() {
        return stepStartedAt;
    }

    public void setStepStartedAt(String stepStartedAt) {
        this.stepStartedAt = stepStartedAt;
    }

    public String getMessage() {
        return message;
    }

    public void setMessage(String message) {
        this.message = message;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClusterOperation other
                && kind == other.kind
                && Objects.equals(pod, other.pod)
                && Objects.equals(memberId, other.memberId)
                && Objects.equals(step, other.step)
                && Objects.equals(startedAt, other.startedAt)
                && Objects.equals(stepStartedAt, other.stepStartedAt)
                && Objects.equals(message, other.message);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, pod, memberId, step, startedAt, stepStartedAt, message);
    }

    @Override
    public String toString() {
        return kind + " " + pod + (memberId != null ? " (member " + memberId + ")" : "") + ": " + step
                + (message != null ? " - " + message : "");
    }
}
