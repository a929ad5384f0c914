package io.raftkv.operator.membership;

import java.util.List;
import java.util.Map;

/**
 * A node's answer to {@code Cluster.Status}, reduced to what the orchestration decides on.
 *
 * <p>Invariants a correct node keeps: {@code applied ≤ commit ≤ lastIndex}; {@code followers}
 * is empty unless {@code leader}.
 *
 * @param id this node's member id (its pod's volume identity)
 * @param leader whether this node leads
 * @param learner whether this node is a learner (then it never leads)
 * @param term current term
 * @param leaderId the leader it knows, 0 when none
 * @param leaderAddress the leader's client address, empty when unknown
 * @param commitIndex its commit index
 * @param lastIndex last index of its log; 0 for a node that has never held any entry
 * @param members the membership it has applied (empty on a node waiting to join)
 * @param followers on the leader: replication progress per other member id
 * @param corrupt members the CORRUPT alarm names, as this node applied the alarms (the corruption
 *     check found their state different from the others')
 */
public record NodeStatusView(
        long id,
        boolean leader,
        boolean learner,
        long term,
        long leaderId,
        String leaderAddress,
        long commitIndex,
        long lastIndex,
        List<MemberView> members,
        Map<Long, FollowerProgress> followers,
        java.util.Set<Long> corrupt) {

    public NodeStatusView {
        leaderAddress = leaderAddress == null ? "" : leaderAddress;
        members = List.copyOf(members);
        followers = Map.copyOf(followers);
        corrupt = java.util.Set.copyOf(corrupt);
    }

    /** A view without alarms. */
    public NodeStatusView(
            long id,
            boolean leader,
            boolean learner,
            long term,
            long leaderId,
            String leaderAddress,
            long commitIndex,
            long lastIndex,
            List<MemberView> members,
            Map<Long, FollowerProgress> followers) {
        this(
                id,
                leader,
                learner,
                term,
                leaderId,
                leaderAddress,
                commitIndex,
                lastIndex,
                members,
                followers,
                java.util.Set.of());
    }

    /**
     * Whether the node holds no Raft history at all: what a pod on a fresh volume waiting to be
     * added looks like. A node that is not a member but has history is a removed member's volume.
     */
    public boolean isEmpty() {
        return lastIndex == 0 && members.isEmpty();
    }

    /**
     * Replication progress of one follower or learner, as the leader tracks it.
     *
     * @param matchIndex highest index known to be on the follower
     * @param recentActive whether it answered during the last election timeout
     */
    public record FollowerProgress(long matchIndex, boolean recentActive) {}
}
