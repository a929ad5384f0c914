package io.raftkv.operator.status;

/** Condition types and reasons the operator writes into {@code status.conditions}. */
public final class ConditionTypes {

    /** A quorum of members is ready: the cluster accepts reads and writes. */
    public static final String AVAILABLE = "Available";
    /** The cluster is being created, scaled or updated and has not converged yet. */
    public static final String PROGRESSING = "Progressing";
    /** Fewer members than desired are ready, or the spec is invalid. */
    public static final String DEGRADED = "Degraded";
    /** A cluster-wide alarm (NOSPACE...) is active: reason is its type, or NoAlarm. */
    public static final String ALARM = "Alarm";

    public static final String REASON_NO_ALARM = "NoAlarm";
    /**
     * True while the operator replaces a member whose data is lost or corrupt (spec.memberRepair=
     * Automatic); the reason is the repair's current step, the message says which member and why.
     */
    public static final String MEMBER_REPAIR = "MemberRepair";

    public static final String REASON_NO_REPAIR = "NoRepair";

    /**
     * TLS and auth are as the spec asks: certificates issued and valid (renewed in time), token
     * Secrets readable; or both off.
     */
    public static final String SECURITY_READY = "SecurityReady";

    public static final String REASON_QUORUM_READY = "QuorumReady";
    public static final String REASON_BOOTSTRAPPING = "Bootstrapping";
    public static final String REASON_QUORUM_LOST = "QuorumLost";
    public static final String REASON_CREATING = "Creating";
    public static final String REASON_SCALING = "Scaling";
    public static final String REASON_UPDATE_PENDING = "UpdatePending";
    /** Pods are being restarted onto a new template, one at a time, the leader last. */
    public static final String REASON_ROLLING_UPDATE = "RollingUpdate";

    public static final String REASON_STABLE = "Stable";
    public static final String REASON_INVALID_SPEC = "InvalidSpec";
    public static final String REASON_REPLICAS_NOT_READY = "ReplicasNotReady";
    public static final String REASON_AS_EXPECTED = "AsExpected";

    public static final String PHASE_CREATING = "Creating";
    public static final String PHASE_RUNNING = "Running";
    public static final String PHASE_UPDATING = "Updating";
    /** A member is being added, removed or replaced. */
    public static final String PHASE_SCALING = "Scaling";
    /** Pods are being restarted onto a new template. */
    public static final String PHASE_UPGRADING = "Upgrading";

    public static final String PHASE_DEGRADED = "Degraded";

    private ConditionTypes() {}
}
