package io.raftkv.operator.membership;

import static io.raftkv.operator.membership.MembershipPlanner.NO_TRANSFER_TARGET;

import io.raftkv.operator.api.v1alpha1.ClusterOperation.Kind;
import io.raftkv.operator.membership.MembershipStep.TransferLeadership;
import io.raftkv.operator.membership.MembershipStep.Wait;
import io.raftkv.operator.membership.ObservedCluster.LeaderView;
import io.raftkv.operator.membership.ObservedCluster.Member;
import io.raftkv.operator.membership.ObservedCluster.PodView;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What the rules of {@link MembershipPlanner} and {@link RepairRules} read from an observed cluster
 * in the same way: whether removing a voter costs the ready quorum, which pods run an old template,
 * whether a member works, readiness, match indexes; and the leadership transfer that scale-down,
 * rolling restart and repair take before removing or restarting the leader. Pure.
 */
final class PlannerFacts {
    private PlannerFacts() {}

    /** TransferLeadership to the best voter that stays: ready, on the new template, most caught up. */
    static Decision transferAway(ObservedCluster c, LeaderView leader, Kind kind, String pod, Long memberId) {
        Optional<Member> target = leader.members().stream()
                .filter(Member::voter)
                .filter(m -> m.id() != leader.leaderId())
                .filter(m -> m.ordinal() >= 0 && m.ordinal() < c.desiredReplicas())
                .filter(m -> isReady(c, m.ordinal()))
                .max(Comparator.<Member>comparingInt(m -> upToDate(c, m.ordinal()) ? 1 : 0)
                        .thenComparingLong(m -> matchIndex(leader, m.id())));
        if (target.isEmpty()) {
            return new Decision(
                    kind,
                    pod,
                    memberId,
                    new Wait(
                            NO_TRANSFER_TARGET,
                            "no ready voter that stays in the cluster can take over leadership from " + pod,
                            false));
        }
        return new Decision(
                kind,
                pod,
                memberId,
                new TransferLeadership(
                        leader.leaderId(), target.get().id(), target.get().ordinal()));
    }

    /**
     * Empty when removing {@code m} leaves a ready quorum among the remaining voters; otherwise
     * why not. Learners are never counted and may always go.
     */
    static Optional<String> quorumRiskOfRemoving(ObservedCluster c, LeaderView leader, Member m) {
        if (!m.voter()) {
            return Optional.empty();
        }
        List<Member> remaining = leader.members().stream()
                .filter(Member::voter)
                .filter(v -> v.id() != m.id())
                .toList();
        long ready = remaining.stream()
                .filter(v -> v.id() == leader.leaderId() || v.ordinal() >= 0 && isReady(c, v.ordinal()))
                .count();
        int quorum = remaining.size() / 2 + 1;
        if (ready >= quorum) {
            return Optional.empty();
        }
        return Optional.of("removing member " + m.id() + " would leave " + remaining.size() + " voters of which only "
                + ready + " are ready; a quorum needs " + quorum);
    }

    static List<PodView> outdatedPods(ObservedCluster c) {
        if (c.updateRevision().isEmpty()) {
            return List.of();
        }
        return c.pods().values().stream()
                .filter(p -> p.ordinal() < c.desiredReplicas())
                .filter(p -> !p.terminating() && !c.updateRevision().equals(p.revision()))
                .sorted(Comparator.comparingInt(PodView::ordinal))
                .toList();
    }

    /**
     * Whether pod {@code ordinal} runs a member that works despite its pod not being ready: the
     * leader itself, or a member the leader heard from within an election timeout and that is
     * caught up. Such a pod (a flapping probe) is never replaced ahead of its turn.
     */
    static boolean functioning(LeaderView leader, int ordinal, long needed) {
        Optional<Member> member = leader.memberAt(ordinal);
        if (member.isEmpty()) {
            return false;
        }
        if (member.get().id() == leader.leaderId()) {
            return true;
        }
        NodeStatusView.FollowerProgress p = leader.matchIndex().get(member.get().id());
        return p != null && p.recentActive() && p.matchIndex() >= needed;
    }

    static boolean isReady(ObservedCluster c, int ordinal) {
        PodView p = c.pods().get(ordinal);
        return p != null && p.ready() && !p.terminating();
    }

    static boolean upToDate(ObservedCluster c, int ordinal) {
        PodView p = c.pods().get(ordinal);
        return p != null && (c.updateRevision().isEmpty() || c.updateRevision().equals(p.revision()));
    }

    static long matchIndex(LeaderView leader, long id) {
        NodeStatusView.FollowerProgress p = leader.matchIndex().get(id);
        return p == null ? 0 : p.matchIndex();
    }

    static Long idAt(LeaderView leader, int ordinal) {
        return leader.memberAt(ordinal).map(Member::id).orElse(null);
    }

    static Long parseId(String text) {
        try {
            return text == null ? null : Long.parseLong(text);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static boolean continuing(ObservedCluster c, String pod, Kind kind) {
        return c.operation()
                .filter(op -> op.getKind() == kind && pod.equals(op.getPod()))
                .isPresent();
    }
}
