package io.raftkv.e2e.faults;

/**
 * Membership change under load: removes a random follower from the configuration (and stops it);
 * heal adds a fresh member (new id, empty data directory — a removed member's id is never
 * reused), so the cluster returns to its size.
 */
public final class MembershipChange implements Fault {
    private Integer removed;

    @Override
    public String name() {
        return "membership-change";
    }

    @Override
    public void inject(ClusterControl cluster) {
        int node = NodeFaults.randomFollower(cluster);
        removed = node;
        cluster.removeMember(node);
    }

    @Override
    public void heal(ClusterControl cluster) {
        if (removed != null) {
            removed = null;
            cluster.addMember();
        }
    }
}
