package io.raftkv.operator.membership;

/**
 * The one thing a reconciliation does next, as decided by the {@link MembershipPlanner}.
 * Either a single action (one API or node call) or a wait.
 */
public sealed interface MembershipStep {

    /** Short name recorded in {@code status.operation.step}. */
    String name();

    /** Nothing to do: membership, StatefulSet and pods match the spec. */
    record Idle() implements MembershipStep {
        @Override
        public String name() {
            return "Idle";
        }
    }

    /**
     * Nothing can be done now; look again later. {@code waitingFor} names the condition; it becomes
     * the Degraded reason once the step has waited past its deadline, or at once when
     * {@code needsIntervention} (no amount of waiting fixes it: a person must act).
     */
    record Wait(String waitingFor, String message, boolean needsIntervention) implements MembershipStep {
        @Override
        public String name() {
            return waitingFor;
        }
    }

    /** Set the StatefulSet's replicas (always by one). */
    record ScaleStatefulSet(int from, int to) implements MembershipStep {
        public ScaleStatefulSet {
            if (Math.abs(from - to) != 1) {
                throw new IllegalArgumentException(
                        "the StatefulSet moves by one pod at a time, not " + from + " -> " + to);
            }
        }

        @Override
        public String name() {
            return "ScaleStatefulSet";
        }
    }

    /** AddLearner on the leader for the member of pod {@code ordinal}. */
    record AddLearner(int ordinal, long memberId) implements MembershipStep {
        @Override
        public String name() {
            return "AddLearner";
        }
    }

    /** PromoteMember on the leader. */
    record Promote(int ordinal, long memberId) implements MembershipStep {
        @Override
        public String name() {
            return "PromoteMember";
        }
    }

    /** RemoveMember on the leader. */
    record Remove(int ordinal, long memberId) implements MembershipStep {
        @Override
        public String name() {
            return "RemoveMember";
        }
    }

    /** TransferLeadership on the leader, to voter {@code toId} on pod {@code toOrdinal}. */
    record TransferLeadership(long fromId, long toId, int toOrdinal) implements MembershipStep {
        @Override
        public String name() {
            return "TransferLeadership";
        }
    }

    /**
     * Repair: delete the data PersistentVolumeClaim of pod {@code ordinal}, whose member was removed
     * because its data is lost or corrupt, and then the pod, so that the StatefulSet recreates both
     * and the pod starts empty under a fresh member id.
     */
    record DeleteVolume(int ordinal) implements MembershipStep {
        @Override
        public String name() {
            return "DeleteVolume";
        }
    }

    /**
     * Repair: RemoveMember on the leader for the member of pod {@code ordinal}, whose data is lost
     * or corrupt ({@code why}); its volume is deleted next.
     */
    record RemoveForRepair(int ordinal, long memberId, String why) implements MembershipStep {
        @Override
        public String name() {
            return "RemoveMember";
        }
    }

    /** Repair: clear the CORRUPT alarm of {@code memberId}, which is no longer a member. */
    record DisarmCorrupt(long memberId) implements MembershipStep {
        @Override
        public String name() {
            return "DisarmCorrupt";
        }
    }

    /** Delete pod {@code ordinal} so that the StatefulSet recreates it from the new template. */
    record DeletePod(int ordinal) implements MembershipStep {
        @Override
        public String name() {
            return "DeletePod";
        }
    }
}
