package io.raftkv.operator.membership;

import static io.raftkv.operator.membership.Decision.parse;
import static io.raftkv.operator.membership.MembershipPlanner.QUORUM_AT_RISK;
import static io.raftkv.operator.membership.MembershipPlanner.STORAGE_REFUSED;
import static io.raftkv.operator.membership.PlannerFacts.functioning;
import static io.raftkv.operator.membership.PlannerFacts.quorumRiskOfRemoving;
import static io.raftkv.operator.membership.PlannerFacts.transferAway;

import io.raftkv.operator.api.v1alpha1.ClusterOperation;
import io.raftkv.operator.api.v1alpha1.ClusterOperation.Kind;
import io.raftkv.operator.membership.MembershipStep.DeletePod;
import io.raftkv.operator.membership.MembershipStep.DeleteVolume;
import io.raftkv.operator.membership.MembershipStep.DisarmCorrupt;
import io.raftkv.operator.membership.MembershipStep.RemoveForRepair;
import io.raftkv.operator.membership.MembershipStep.Wait;
import io.raftkv.operator.membership.ObservedCluster.LeaderView;
import io.raftkv.operator.membership.ObservedCluster.Member;
import io.raftkv.operator.membership.ObservedCluster.PodView;
import java.time.Instant;
import java.util.Optional;

/**
 * The member-repair rules of {@link MembershipPlanner} (spec.memberRepair): why a member must be
 * repaired (the CORRUPT alarm names it, or its node refuses its volume and it does not work); the
 * first half, removing it from the configuration while the others keep a ready quorum (after a
 * transfer if it leads); the second half, its old volume and pod deleted until the pod runs empty;
 * disarming the CORRUPT alarm of a member a repair removed; and the report-only step for a refused
 * volume when repair is manual. Pure, like the planner.
 */
final class RepairRules {
    private final MembershipSettings settings;

    RepairRules(MembershipSettings settings) {
        this.settings = settings;
    }

    /**
     * Why member {@code m} of pod {@code k} must be repaired (spec.memberRepair=Automatic), if it
     * must: its node refuses its volume and it does not work, or the CORRUPT alarm names it.
     */
    Optional<String> repairReason(ObservedCluster c, LeaderView leader, int k, Member m) {
        if (leader.corrupt().contains(m.id())) {
            return Optional.of("the CORRUPT alarm names member " + m.id()
                    + " (the corruption check found its state hash different from the other members')");
        }
        if (storageRefused(c, leader, k)) {
            return Optional.of("the node on " + c.podName(k) + " refuses its volume at start-up (exit code 3:"
                    + " corrupt or unreadable storage; its log says what is wrong)");
        }
        return Optional.empty();
    }

    /**
     * Repair, first half: the member with lost or corrupt data leaves the configuration (after a
     * leadership transfer if it leads), only while the others keep a ready quorum without it.
     */
    Decision repair(ObservedCluster c, LeaderView leader, String pod, Member m, String why) {
        if (m.id() == leader.leaderId()) {
            return transferAway(c, leader, Kind.RepairMember, pod, m.id());
        }
        Optional<String> risk = quorumRiskOfRemoving(c, leader, m);
        if (risk.isPresent()) {
            return new Decision(
                    Kind.RepairMember,
                    pod,
                    m.id(),
                    new Wait(
                            QUORUM_AT_RISK,
                            "member " + m.id() + " of " + pod + " needs repair (" + why + "), but not now: "
                                    + risk.get() + "; bring the other members back first",
                            true));
        }
        return new Decision(Kind.RepairMember, pod, m.id(), new RemoveForRepair(m.ordinal(), m.id(), why));
    }

    /**
     * Repair, second half (the member is out of the configuration): the pod's old volume goes, then
     * the StatefulSet recreates the claim and the pod, which starts empty; null once the volume is
     * fresh (its node answers with no Raft history, and the claim was created after the repair
     * started), so that the fresh member is added as usual.
     */
    static Decision replaceVolume(ObservedCluster c, int k, String pod) {
        Instant started = c.operation()
                .map(ClusterOperation::getStartedAt)
                .map(t -> parse(t, c.now()))
                .orElse(c.now());
        Instant created = c.claimsCreated().get(k);
        PodView view = c.pods().get(k);
        NodeStatusView probe = c.probes().get(k);
        boolean oldData = probe != null && !probe.isEmpty();
        if (oldData || (created != null && created.isBefore(started))) {
            return new Decision(Kind.RepairMember, pod, null, new DeleteVolume(k));
        }
        if (created == null && view != null && !view.running() && !view.terminating()) {
            // Recreated while its old claim was still being deleted: it waits for a claim that is
            // gone; deleted again, the StatefulSet creates a new claim with it.
            return new Decision(Kind.RepairMember, pod, null, new DeletePod(k));
        }
        return null;
    }

    /**
     * The CORRUPT alarm of a member no longer in the configuration (a repair removed it) is cleared,
     * so that the cluster takes writes again; a member still diverging is found by the next check.
     */
    static Decision disarmRemovedCorrupt(ObservedCluster c, LeaderView leader) {
        if (!c.autoRepair()) {
            return null;
        }
        Optional<Long> gone = leader.corrupt().stream()
                .filter(id -> leader.members().stream().noneMatch(m -> m.id() == id))
                .sorted()
                .findFirst();
        if (gone.isEmpty()) {
            return null;
        }
        String pod = c.operation()
                .filter(op -> op.getKind() == Kind.RepairMember)
                .map(ClusterOperation::getPod)
                .orElse("member-" + gone.get());
        return new Decision(Kind.RepairMember, pod, gone.get(), new DisarmCorrupt(gone.get()));
    }

    /** Pod {@code k} is not ready, its node refused its volume, and its member does not work. */
    boolean storageRefused(ObservedCluster c, LeaderView leader, int k) {
        PodView view = c.pods().get(k);
        long needed = Math.max(0, leader.commitIndex() - settings.maxCatchUpLagEntries());
        return view != null && view.storageRefused() && !view.terminating() && !functioning(leader, k, needed);
    }

    /**
     * A member whose node refuses its volume at start-up (corrupt storage): the volume must never be
     * used again, and only a person may delete it (the operator never deletes a volume). The step
     * waits and says at once (Degraded) what to do, and whether the others can afford it now.
     */
    static Decision refusedVolume(ObservedCluster c, LeaderView leader, String pod, Member m) {
        Optional<String> risk = quorumRiskOfRemoving(c, leader, m);
        String claim = "data-" + pod;
        String message = "the node on " + pod + " refuses its volume at start-up (exit code 3:"
                + " corrupt storage; its log says what is wrong), so member " + m.id() + " is down. "
                + (risk.isEmpty()
                        ? "The other members hold a quorum without it: to repair, delete the"
                                + " PersistentVolumeClaim " + claim + " and then the pod " + pod + "; the pod comes"
                                + " back on a fresh volume and the operator replaces member " + m.id()
                                + " with a fresh member (docs/operations.md#disaster-recovery)."
                        : "Do not delete its volume now: " + risk.get() + ". Bring the other members back" + " first.");
        return new Decision(Kind.ReplaceMember, pod, m.id(), new Wait(STORAGE_REFUSED, message, true));
    }
}
