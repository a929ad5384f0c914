package io.raftkv.operator.membership;

import io.raftkv.operator.api.v1alpha1.ClusterOperation;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Everything the {@link MembershipPlanner} decides on, gathered by the
 * {@link MembershipOrchestrator} at the start of a reconciliation. Plain data: the planner does
 * no I/O.
 *
 * @param podNamePrefix {@code <cluster>-}: pod {@code k} is named prefix + k
 * @param desiredReplicas voters the spec asks for
 * @param statefulSetReplicas the StatefulSet's current {@code spec.replicas}
 * @param updateRevision the StatefulSet's {@code status.updateRevision}, empty when unknown
 * @param pods the cluster's pods by ordinal (only those that exist)
 * @param leader the leader's view of the cluster, empty when no leader could be reached
 * @param probes Status answers of pods that are running but not ready, by ordinal (how a pod
 *     waiting to join, or a pod that came back on a fresh volume, tells its member id)
 * @param retainedClaims ordinals at or above {@code statefulSetReplicas} that still have a
 *     data PVC (a volume retained after an earlier scale-down)
 * @param operation the operation recorded by the previous reconciliation, if any
 * @param now the reconciliation's time, for step deadlines
 * @param autoRepair spec.memberRepair is Automatic: members with lost or corrupt data are replaced
 * @param claimsCreated creation time of the data PVC of each pod below {@code statefulSetReplicas}
 *     that has one (a repair tells its fresh volume from the old one by it)
 */
public record ObservedCluster(
        String podNamePrefix,
        int desiredReplicas,
        int statefulSetReplicas,
        String updateRevision,
        Map<Integer, PodView> pods,
        Optional<LeaderView> leader,
        Map<Integer, NodeStatusView> probes,
        Set<Integer> retainedClaims,
        Optional<ClusterOperation> operation,
        Instant now,
        boolean autoRepair,
        Map<Integer, Instant> claimsCreated) {

    public ObservedCluster {
        if (desiredReplicas < 1 || statefulSetReplicas < 0) {
            throw new IllegalArgumentException(
                    "replicas out of range: desired " + desiredReplicas + ", StatefulSet " + statefulSetReplicas);
        }
        updateRevision = updateRevision == null ? "" : updateRevision;
        pods = Map.copyOf(pods);
        probes = Map.copyOf(probes);
        retainedClaims = Set.copyOf(retainedClaims);
        claimsCreated = Map.copyOf(claimsCreated);
    }

    /** Without automatic repair. */
    public ObservedCluster(
            String podNamePrefix,
            int desiredReplicas,
            int statefulSetReplicas,
            String updateRevision,
            Map<Integer, PodView> pods,
            Optional<LeaderView> leader,
            Map<Integer, NodeStatusView> probes,
            Set<Integer> retainedClaims,
            Optional<ClusterOperation> operation,
            Instant now) {
        this(
                podNamePrefix,
                desiredReplicas,
                statefulSetReplicas,
                updateRevision,
                pods,
                leader,
                probes,
                retainedClaims,
                operation,
                now,
                false,
                Map.of());
    }

    /** The name of pod {@code ordinal}. */
    public String podName(int ordinal) {
        return podNamePrefix + ordinal;
    }

    /**
     * One pod of the StatefulSet as Kubernetes reports it.
     *
     * @param ordinal its StatefulSet ordinal
     * @param running phase Running (its process can answer calls, ready or not)
     * @param ready its readiness condition (a member with a known leader)
     * @param terminating it has a deletion timestamp
     * @param revision its {@code controller-revision-hash} label, empty when absent
     * @param storageRefused its node exited with code 3 (the start-up check refused the volume:
     *     corrupt storage or a corrupt member id file) in its current or last run, and it is not
     *     ready
     */
    public record PodView(
            int ordinal, boolean running, boolean ready, boolean terminating, String revision, boolean storageRefused) {
        public PodView {
            revision = revision == null ? "" : revision;
        }

        public PodView(int ordinal, boolean running, boolean ready, boolean terminating, String revision) {
            this(ordinal, running, ready, terminating, revision, false);
        }
    }

    /**
     * The membership as the leader sees it.
     *
     * @param leaderId the leader's member id
     * @param leaderOrdinal the ordinal of the leader's pod, -1 when its address is not a pod of
     *     this cluster
     * @param commitIndex the leader's commit index
     * @param members every member, each with its pod ordinal (-1 when unknown)
     * @param matchIndex replication progress per member id (the leader itself is absent)
     * @param corrupt members the CORRUPT alarm names, as the leader applied it
     */
    public record LeaderView(
            long leaderId,
            int leaderOrdinal,
            long term,
            long commitIndex,
            List<Member> members,
            Map<Long, NodeStatusView.FollowerProgress> matchIndex,
            Set<Long> corrupt) {
        public LeaderView {
            members = List.copyOf(members);
            matchIndex = Map.copyOf(matchIndex);
            corrupt = Set.copyOf(corrupt);
        }

        /** A view without alarms. */
        public LeaderView(
                long leaderId,
                int leaderOrdinal,
                long term,
                long commitIndex,
                List<Member> members,
                Map<Long, NodeStatusView.FollowerProgress> matchIndex) {
            this(leaderId, leaderOrdinal, term, commitIndex, members, matchIndex, Set.of());
        }

        /** The member whose pod is {@code ordinal}, if any. */
        public Optional<Member> memberAt(int ordinal) {
            return members.stream().filter(m -> m.ordinal() == ordinal).findFirst();
        }

        public long voterCount() {
            return members.stream().filter(Member::voter).count();
        }
    }

    /** A member and the ordinal of its pod (-1 when its address is not one of this cluster's). */
    public record Member(long id, boolean voter, int ordinal) {}
}
