package io.raftkv.e2e.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Helpers the process-level faults share: finding the leader and choosing a node. */
final class NodeFaults {
    private NodeFaults() {}

    /** How long a fault waits for a leader before giving up: many election timeouts. */
    static Duration leaderWait(ClusterControl cluster) {
        return cluster.electionTimeout().multipliedBy(20);
    }

    static int leader(ClusterControl cluster) {
        return cluster.awaitLeader(leaderWait(cluster));
    }

    static int randomFollower(ClusterControl cluster) {
        int leader = leader(cluster);
        List<Integer> followers = new ArrayList<>(cluster.nodeIds());
        followers.remove(Integer.valueOf(leader));
        if (followers.isEmpty()) {
            throw new IllegalStateException("no follower: the cluster is the leader " + leader + " alone");
        }
        return followers.get(cluster.random().nextInt(followers.size()));
    }

    static int randomNode(ClusterControl cluster) {
        List<Integer> nodes = cluster.nodeIds();
        return nodes.get(cluster.random().nextInt(nodes.size()));
    }
}
