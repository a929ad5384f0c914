package io.raftkv.node.driver;

import io.raftkv.raft.ProgressState;
import io.raftkv.raft.StateType;
import java.util.List;

/**
 * One consistent view of a node, taken on the driver's context (so the numbers belong together:
 * {@code appliedIndex ≤ commitIndex ≤ lastIndex}, {@code snapshotIndex ≤ appliedIndex}).
 *
 * @param id                   this node's member id
 * @param role                 role in the current term (a learner is always FOLLOWER)
 * @param learner              whether this node is a non-voting member
 * @param term                 current term
 * @param leaderId             leader known in this term, or 0
 * @param leaderClientAddress  client address of that leader, or "" when unknown
 * @param commitIndex          highest index known committed
 * @param appliedIndex         highest index applied to the state machine
 * @param firstIndex           first index still in the local log
 * @param lastIndex            last index in the local log
 * @param snapshotIndex        index of the latest durable snapshot (compaction point), 0 if none
 * @param members              the configuration in force, sorted by id
 * @param progress             on the leader: one entry per other member; empty elsewhere
 * @param healthy              false once storage failed or the node is stopping
 * @param ready                healthy, a member of the configuration, and a leader is known
 * @param clusterId            the cluster this node belongs to (its {@code --cluster-id}), 0 if not
 *                             configured; reported in every response header
 * @param dbSizeBytes          bytes the node's storage occupies on disk, as last measured off the
 *                             event loop (at most a few seconds old)
 */
public record NodeStatus(
        long id,
        StateType role,
        boolean learner,
        long term,
        long leaderId,
        String leaderClientAddress,
        long commitIndex,
        long appliedIndex,
        long firstIndex,
        long lastIndex,
        long snapshotIndex,
        List<Member> members,
        List<FollowerLag> progress,
        boolean healthy,
        boolean ready,
        long clusterId,
        long dbSizeBytes) {

    public NodeStatus {
        members = List.copyOf(members);
        progress = List.copyOf(progress);
        leaderClientAddress = leaderClientAddress == null ? "" : leaderClientAddress;
        if (dbSizeBytes < 0) {
            throw new IllegalArgumentException("dbSizeBytes must be ≥ 0, got " + dbSizeBytes);
        }
    }

    /**
     * A view without cluster identity or database size (both 0): for tests and tools that build a
     * status by hand. The driver always fills both.
     */
    public NodeStatus(
            long id,
            StateType role,
            boolean learner,
            long term,
            long leaderId,
            String leaderClientAddress,
            long commitIndex,
            long appliedIndex,
            long firstIndex,
            long lastIndex,
            long snapshotIndex,
            List<Member> members,
            List<FollowerLag> progress,
            boolean healthy,
            boolean ready) {
        this(
                id,
                role,
                learner,
                term,
                leaderId,
                leaderClientAddress,
                commitIndex,
                appliedIndex,
                firstIndex,
                lastIndex,
                snapshotIndex,
                members,
                progress,
                healthy,
                ready,
                0,
                0);
    }

    /** Whether this node currently leads. */
    public boolean isLeader() {
        return role == StateType.LEADER;
    }

    /**
     * One member of the configuration.
     *
     * @param id            member id, never 0
     * @param learner       non-voting member
     * @param peerAddress   {@code host:port} of its peer port as this node dials it, "" if unknown
     * @param clientAddress {@code host:port} of its client port, "" if unknown
     */
    public record Member(long id, boolean learner, String peerAddress, String clientAddress) {
        public Member {
            peerAddress = peerAddress == null ? "" : peerAddress;
            clientAddress = clientAddress == null ? "" : clientAddress;
        }
    }

    /**
     * The leader's view of one follower's replication.
     *
     * @param id            follower id
     * @param matchIndex    highest index known replicated there
     * @param nextIndex     next index the leader sends
     * @param lag           leader's last index minus {@code matchIndex}
     * @param state         flow-control state
     * @param recentActive  heard from during the last election timeout
     * @param learner       non-voting member
     */
    public record FollowerLag(
            long id,
            long matchIndex,
            long nextIndex,
            long lag,
            ProgressState state,
            boolean recentActive,
            boolean learner) {}
}
