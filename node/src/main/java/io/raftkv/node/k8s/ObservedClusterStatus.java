package io.raftkv.node.k8s;

import java.util.Set;

/**
 * The node-owned part of a RaftKvCluster's status as last read from the API server.
 *
 * @param resourceVersion the object's {@code metadata.resourceVersion} at the read (the
 *                        precondition of the next patch)
 * @param term            {@code status.term}, or 0 when no leader has reported yet
 * @param leader          {@code status.leader}, or "" when absent
 * @param memberIds       ids in {@code status.members}, empty when absent
 */
public record ObservedClusterStatus(String resourceVersion, long term, String leader, Set<Long> memberIds) {

    public ObservedClusterStatus {
        resourceVersion = resourceVersion == null ? "" : resourceVersion;
        leader = leader == null ? "" : leader;
        memberIds = Set.copyOf(memberIds);
        if (term < 0) {
            throw new IllegalArgumentException("term must be ≥ 0, got " + term);
        }
    }

    /**
     * Whether a leader of this cluster has ever reported: then the cluster exists, and a pod on a
     * fresh volume must join as a new member instead of bootstrapping (a bootstrap member id must
     * never be reused by a volume that lost its log: it may have counted toward a quorum).
     */
    public boolean clusterHasStarted() {
        return term > 0 || !leader.isEmpty() || !memberIds.isEmpty();
    }
}
