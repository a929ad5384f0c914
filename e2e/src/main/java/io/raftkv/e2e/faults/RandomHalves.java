package io.raftkv.e2e.faults;

import io.raftkv.e2e.proxy.LinkBehavior;
import io.raftkv.e2e.proxy.Partitions;

/** Splits the nodes into two random halves of sizes floor(n/2) and ceil(n/2). */
public final class RandomHalves extends NetworkFault {
    public RandomHalves() {
        this(LinkBehavior.blackhole());
    }

    public RandomHalves(LinkBehavior cut) {
        super(cut);
    }

    @Override
    public String name() {
        return "random-halves";
    }

    @Override
    public void inject(ClusterControl cluster) {
        cluster.network().partition(Partitions.randomHalves(cluster.network().nodeIds(), cluster.random()), cut);
    }
}
