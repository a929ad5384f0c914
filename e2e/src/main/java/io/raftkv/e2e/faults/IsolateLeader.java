package io.raftkv.e2e.faults;

import io.raftkv.e2e.proxy.LinkBehavior;

/** Cuts the leader off from every other node; the majority must elect a new leader. */
public final class IsolateLeader extends NetworkFault {
    public IsolateLeader() {
        this(LinkBehavior.blackhole());
    }

    public IsolateLeader(LinkBehavior cut) {
        super(cut);
    }

    @Override
    public String name() {
        return "isolate-leader";
    }

    @Override
    public void inject(ClusterControl cluster) {
        cluster.network().isolate(NodeFaults.leader(cluster), cut);
    }
}
