package io.raftkv.operator.membership;

import static io.raftkv.operator.membership.PlannerFacts.continuing;
import static io.raftkv.operator.membership.PlannerFacts.functioning;
import static io.raftkv.operator.membership.PlannerFacts.idAt;
import static io.raftkv.operator.membership.PlannerFacts.matchIndex;
import static io.raftkv.operator.membership.PlannerFacts.outdatedPods;
import static io.raftkv.operator.membership.PlannerFacts.parseId;
import static io.raftkv.operator.membership.PlannerFacts.quorumRiskOfRemoving;
import static io.raftkv.operator.membership.PlannerFacts.transferAway;

import io.raftkv.operator.api.v1alpha1.ClusterOperation;
import io.raftkv.operator.api.v1alpha1.ClusterOperation.Kind;
import io.raftkv.operator.membership.MembershipStep.AddLearner;
import io.raftkv.operator.membership.MembershipStep.DeletePod;
import io.raftkv.operator.membership.MembershipStep.Promote;
import io.raftkv.operator.membership.MembershipStep.Remove;
import io.raftkv.operator.membership.MembershipStep.ScaleStatefulSet;
import io.raftkv.operator.membership.MembershipStep.Wait;
import io.raftkv.operator.membership.ObservedCluster.LeaderView;
import io.raftkv.operator.membership.ObservedCluster.Member;
import io.raftkv.operator.membership.ObservedCluster.PodView;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Decides the single next step that moves a cluster's Raft membership, StatefulSet and pods
 * toward the spec. Pure: no I/O, no clock (time is {@link ObservedCluster#now()}).
 *
 * <p>Rules, in the order they are applied — the first that has work decides:
 * <ol>
 *   <li><b>No leader, no action.</b> Without the leader's view of the membership nothing is
 *       changed; the operation in progress (if any) waits.</li>
 *   <li><b>A learner is a change in progress.</b> While any learner exists nothing else happens:
 *       it is promoted once its match index is within {@code maxCatchUpLagEntries} of the
 *       leader's commit index, or removed if its pod is no longer wanted.</li>
 *   <li><b>Scale down, highest ordinal first.</b> The member of the highest surplus pod is
 *       removed — after TransferLeadership if it leads, and only if the remaining voters that
 *       are ready still form a quorum; then the StatefulSet shrinks by one.</li>
 *   <li><b>Scale up (and replace), lowest ordinal first.</b> Pod {@code k} must run a voter: the
 *       StatefulSet grows by one, the new pod (which starts empty and reports a fresh id) is added
 *       as a learner. A pod that reports a different id than the member registered for it came
 *       back on a fresh volume: the old member is removed first (only while the remaining ready
 *       voters form a quorum), then the new one is added as a learner and promoted once caught
 *       up. See "Replacement order" below for why remove-first is the safe order here.</li>
 *   <li><b>Rolling restart</b> when pods run an old template ({@code updateStrategy: OnDelete}):
 *       first any outdated pod that is not ready and not a working member (a crash loop must
 *       not block the rollout that fixes it); then only when every pod is ready and every
 *       follower caught up; followers first (highest ordinal first), the leader last after
 *       TransferLeadership.</li>
 * </ol>
 * Membership changes therefore happen one at a time, and the StatefulSet moves by one pod at a
 * time. A step that waits (or fails) for longer than {@code stepTimeout} yields a problem
 * (Degraded); a step that no amount of waiting fixes (a volume holding another member's data)
 * yields one at once. The orchestration keeps trying in both cases.
 *
 * <p><b>Replacement order</b> (issue 19, defect 11). "Add a learner, promote it, then remove the
 * old voter" is the safe order for replacing a member that still works: the old voter keeps
 * counting until its successor does. The operator never replaces a working member: the only
 * replacement it performs is of a member whose pod came back on a fresh volume, i.e. whose log is
 * gone for good and whose pod now runs its successor. For such a dead member, with {@code n}
 * voters of which {@code n - 1} are alive (tolerance = alive voters − quorum):
 * <pre>
 *                  add learner first                 remove first (this planner)
 *   catch-up       n voters, n-1 alive:              n-1 voters, all alive:
 *                  (n-1) - (n/2+1)                   (n-1) - ((n-1)/2+1)
 *   promoted       n+1 voters, n alive:              n voters, all alive:
 *                  n - ((n+1)/2+1)                   n - (n/2+1)
 *   end            n voters, all alive               n voters, all alive
 * </pre>
 * Remove-first never tolerates fewer failures, and one more in one phase: for odd sizes after the
 * promotion (3 voters: 1 instead of 0; 5: 2 instead of 1), for even sizes during the catch-up
 * (2 voters: the add-first cluster has no quorum at all while the learner catches up; 4: 1 instead
 * of 0) — add-first passes through configurations that still count the dead voter. Adding
 * first would also put two member ids on one pod address, which the node refuses (AddLearner:
 * "peer address already belongs to member").
 * So remove-first is the safe order here, and it is taken only when the remaining ready voters
 * still form a quorum (otherwise {@link #QUORUM_AT_RISK}: waiting costs nothing, removing could
 * cost the quorum). {@code MembershipPlannerTest.Replacement} checks both the decisions and this
 * arithmetic.
 */
public final class MembershipPlanner {

    public static final String NO_LEADER = "NoLeader";
    public static final String POD_STARTING = "PodStarting";
    public static final String MEMBER_STARTING = "MemberStarting";
    public static final String LEARNER_CATCHING_UP = "LearnerCatchingUp";
    public static final String LEARNER_NOT_CAUGHT_UP = "LearnerNotCaughtUp";
    public static final String RETAINED_VOLUME = "RetainedVolume";
    public static final String STALE_VOLUME = "StaleVolume";
    public static final String STORAGE_REFUSED = "StorageRefused";
    public static final String QUORUM_AT_RISK = "QuorumAtRisk";
    public static final String NO_TRANSFER_TARGET = "NoTransferTarget";
    public static final String PODS_NOT_READY = "PodsNotReady";
    public static final String FOLLOWERS_CATCHING_UP = "FollowersCatchingUp";
    public static final String STEP_STUCK = "MembershipStepStuck";

    private final MembershipSettings settings;
    private final RepairRules repairs;

    public MembershipPlanner(MembershipSettings settings) {
        this.settings = settings;
        this.repairs = new RepairRules(settings);
    }

    /** The next step for {@code cluster}. */
    public MembershipPlan plan(ObservedCluster cluster) {
        if (cluster.leader().isEmpty()) {
            return planWithoutLeader(cluster);
        }
        LeaderView leader = cluster.leader().get();
        Decision decision = learners(cluster, leader);
        if (decision == null) {
            decision = RepairRules.disarmRemovedCorrupt(cluster, leader);
        }
        if (decision == null) {
            decision = scaleDown(cluster, leader);
        }
        if (decision == null) {
            decision = scaleUpOrReplace(cluster, leader);
        }
        if (decision == null) {
            decision = rollingRestart(cluster, leader);
        }
        return decision == null ? MembershipPlan.idle() : decision.toPlan(cluster, settings);
    }

    private MembershipPlan planWithoutLeader(ObservedCluster c) {
        String message = "no leader could be reached; membership changes wait for one";
        Optional<ClusterOperation> previous = c.operation();
        if (previous.isPresent()) {
            ClusterOperation op = previous.get();
            return new Decision(
                            op.getKind(), op.getPod(), parseId(op.getMemberId()), new Wait(NO_LEADER, message, false))
                    .toPlan(c, settings);
        }
        if (c.statefulSetReplicas() < c.desiredReplicas()) {
            return new Decision(
                            Kind.ScaleUp, c.podName(c.statefulSetReplicas()), null, new Wait(NO_LEADER, message, false))
                    .toPlan(c, settings);
        }
        if (c.statefulSetReplicas() > c.desiredReplicas()) {
            return new Decision(
                            Kind.ScaleDown,
                            c.podName(c.statefulSetReplicas() - 1),
                            null,
                            new Wait(NO_LEADER, message, false))
                    .toPlan(c, settings);
        }
        Optional<PodView> outdated = outdatedPods(c).stream().findFirst();
        if (outdated.isPresent()) {
            return new Decision(
                            Kind.RollingRestart,
                            c.podName(outdated.get().ordinal()),
                            null,
                            new Wait(NO_LEADER, message, false))
                    .toPlan(c, settings);
        }
        return MembershipPlan.idle();
    }

    /** Rule 2: a learner is promoted, waited for, or removed — and nothing else happens. */
    private Decision learners(ObservedCluster c, LeaderView leader) {
        Optional<Member> learner =
                leader.members().stream().filter(m -> !m.voter()).min(Comparator.comparingInt(Member::ordinal));
        if (learner.isEmpty()) {
            return null;
        }
        Member m = learner.get();
        int k = m.ordinal();
        String pod = k >= 0 ? c.podName(k) : "member-" + m.id();
        if (k < 0 || k >= c.desiredReplicas() || k >= c.statefulSetReplicas()) {
            return new Decision(Kind.ScaleDown, pod, m.id(), new Remove(k, m.id()));
        }
        Kind kind = replacing(c, pod);
        NodeStatusView probe = c.probes().get(k);
        if (probe != null && probe.id() != m.id()) {
            return new Decision(Kind.ReplaceMember, pod, m.id(), new Remove(k, m.id()));
        }
        long match = matchIndex(leader, m.id());
        long needed = Math.max(0, leader.commitIndex() - settings.maxCatchUpLagEntries());
        if (match >= needed) {
            return new Decision(kind, pod, m.id(), new Promote(k, m.id()));
        }
        return new Decision(
                kind,
                pod,
                m.id(),
                new Wait(
                        LEARNER_CATCHING_UP,
                        "learner " + m.id() + " on " + pod + " has replicated up to index " + match
                                + "; the leader has committed " + leader.commitIndex() + " (promotion at ≥ "
                                + needed + ")",
                        false));
    }

    /** Rule 3: the highest surplus member or pod goes first. */
    private Decision scaleDown(ObservedCluster c, LeaderView leader) {
        int top = c.statefulSetReplicas() - 1;
        for (Member m : leader.members()) {
            top = Math.max(top, m.ordinal());
        }
        if (top < c.desiredReplicas()) {
            return null;
        }
        String pod = c.podName(top);
        Optional<Member> member = leader.memberAt(top);
        if (member.isEmpty()) {
            return new Decision(
                    Kind.ScaleDown,
                    pod,
                    null,
                    new ScaleStatefulSet(c.statefulSetReplicas(), c.statefulSetReplicas() - 1));
        }
        Member m = member.get();
        if (m.id() == leader.leaderId()) {
            return transferAway(c, leader, Kind.ScaleDown, pod, m.id());
        }
        Optional<String> risk = quorumRiskOfRemoving(c, leader, m);
        if (risk.isPresent()) {
            return new Decision(Kind.ScaleDown, pod, m.id(), new Wait(QUORUM_AT_RISK, risk.get(), false));
        }
        return new Decision(Kind.ScaleDown, pod, m.id(), new Remove(top, m.id()));
    }

    /** Rule 4: pods 0..n-1 each run a voter, filled lowest ordinal first. */
    private Decision scaleUpOrReplace(ObservedCluster c, LeaderView leader) {
        for (int k = 0; k < c.desiredReplicas(); k++) {
            String pod = c.podName(k);
            if (k >= c.statefulSetReplicas()) {
                if (c.retainedClaims().contains(k)) {
                    return new Decision(
                            Kind.ScaleUp,
                            pod,
                            null,
                            new Wait(
                                    RETAINED_VOLUME,
                                    "the volume of "
                                            + pod
                                            + " was retained after an earlier scale-down and holds a removed member's"
                                            + " data, which must never rejoin under its old id: delete the PersistentVolumeClaim"
                                            + " of " + pod
                                            + " (or set spec.storage.whenScaled=Delete before scaling down)",
                                    true));
                }
                return new Decision(
                        Kind.ScaleUp,
                        pod,
                        null,
                        new ScaleStatefulSet(c.statefulSetReplicas(), c.statefulSetReplicas() + 1));
            }
            Optional<Member> member = leader.memberAt(k);
            NodeStatusView probe = c.probes().get(k);
            if (member.isPresent() && c.autoRepair()) {
                Optional<String> why = repairs.repairReason(c, leader, k, member.get());
                if (why.isPresent()) {
                    return repairs.repair(c, leader, pod, member.get(), why.get());
                }
            }
            if (member.isEmpty() && continuing(c, pod, Kind.RepairMember)) {
                Decision volume = RepairRules.replaceVolume(c, k, pod);
                if (volume != null) {
                    return volume;
                }
            }
            if (member.isPresent() && repairs.storageRefused(c, leader, k)) {
                return RepairRules.refusedVolume(c, leader, pod, member.get());
            }
            if (member.isPresent()) {
                Member m = member.get();
                if (probe == null || probe.id() == m.id()) {
                    continue;
                }
                if (!probe.isEmpty()) {
                    return staleVolume(pod, probe);
                }
                Optional<String> risk = quorumRiskOfRemoving(c, leader, m);
                if (risk.isPresent()) {
                    return new Decision(Kind.ReplaceMember, pod, m.id(), new Wait(QUORUM_AT_RISK, risk.get(), false));
                }
                return new Decision(Kind.ReplaceMember, pod, m.id(), new Remove(k, m.id()));
            }
            Kind kind = replacing(c, pod);
            PodView view = c.pods().get(k);
            if (view == null || !view.running() || view.terminating()) {
                return new Decision(
                        kind, pod, null, new Wait(POD_STARTING, "waiting for pod " + pod + " to run", false));
            }
            if (probe == null) {
                return new Decision(
                        kind,
                        pod,
                        null,
                        new Wait(
                                MEMBER_STARTING,
                                "waiting for the node on " + pod + " to answer Status with its member id",
                                false));
            }
            if (!probe.isEmpty()) {
                return staleVolume(pod, probe);
            }
            return new Decision(kind, pod, probe.id(), new AddLearner(k, probe.id()));
        }
        return null;
    }

    /** The kind of an operation adding the member of {@code pod}: a repair or replacement goes on as such. */
    private static Kind replacing(ObservedCluster c, String pod) {
        if (continuing(c, pod, Kind.RepairMember)) {
            return Kind.RepairMember;
        }
        return continuing(c, pod, Kind.ReplaceMember) ? Kind.ReplaceMember : Kind.ScaleUp;
    }

    /** Rule 5: one pod at a time onto the new template, the leader last. */
    private Decision rollingRestart(ObservedCluster c, LeaderView leader) {
        List<PodView> outdated = outdatedPods(c);
        if (outdated.isEmpty()) {
            return null;
        }
        String continuingPod = c.operation()
                .filter(op -> op.getKind() == Kind.RollingRestart)
                .map(ClusterOperation::getPod)
                .orElse(c.podName(outdated.get(0).ordinal()));
        long needed = Math.max(0, leader.commitIndex() - settings.maxCatchUpLagEntries());
        // A pod stuck on the old template (crash-looping on a bad image, say) that is not a working
        // member goes first: waiting for it to become ready would block the very rollout that fixes
        // it, and replacing it costs the quorum nothing, since it contributes nothing to it.
        Optional<PodView> broken = outdated.stream()
                .filter(p -> !p.ready() && !p.terminating())
                .filter(p -> !functioning(leader, p.ordinal(), needed))
                .findFirst();
        if (broken.isPresent()) {
            int k = broken.get().ordinal();
            return new Decision(Kind.RollingRestart, c.podName(k), idAt(leader, k), new DeletePod(k));
        }
        for (int k = 0; k < c.desiredReplicas(); k++) {
            PodView pod = c.pods().get(k);
            if (pod == null || !pod.ready() || pod.terminating()) {
                return new Decision(
                        Kind.RollingRestart,
                        continuingPod,
                        null,
                        new Wait(
                                PODS_NOT_READY,
                                "waiting for pod " + c.podName(k) + " to be ready before restarting the next pod",
                                false));
            }
        }
        for (Member m : leader.members()) {
            if (m.id() != leader.leaderId() && matchIndex(leader, m.id()) < needed) {
                return new Decision(
                        Kind.RollingRestart,
                        continuingPod,
                        null,
                        new Wait(
                                FOLLOWERS_CATCHING_UP,
                                "waiting for member " + m.id() + " to catch up"
                                        + " (match " + matchIndex(leader, m.id()) + ", commit " + leader.commitIndex()
                                        + ") before restarting the next pod",
                                false));
            }
        }
        Optional<PodView> follower = outdated.stream()
                .filter(p -> p.ordinal() != leader.leaderOrdinal())
                .max(Comparator.comparingInt(PodView::ordinal));
        if (follower.isPresent()) {
            int k = follower.get().ordinal();
            return new Decision(Kind.RollingRestart, c.podName(k), idAt(leader, k), new DeletePod(k));
        }
        int k = leader.leaderOrdinal();
        if (leader.voterCount() == 1) {
            return new Decision(Kind.RollingRestart, c.podName(k), leader.leaderId(), new DeletePod(k));
        }
        return transferAway(c, leader, Kind.RollingRestart, c.podName(k), leader.leaderId());
    }

    private static Decision staleVolume(String pod, NodeStatusView probe) {
        return new Decision(
                Kind.ScaleUp,
                pod,
                probe.id(),
                new Wait(
                        STALE_VOLUME,
                        "pod " + pod
                                + " runs member " + probe.id() + " with existing Raft data (log up to index "
                                + probe.lastIndex() + ") that is not in the cluster: a volume of a removed member must"
                                + " never rejoin under its old id. Delete the pod's PersistentVolumeClaim and the pod so"
                                + " that it starts empty under a fresh id",
                        true));
    }

    /** RFC 3339 in whole seconds, as Kubernetes writes times. */
    public static String format(Instant instant) {
        return Decision.format(instant);
    }
}
