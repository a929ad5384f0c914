package io.raftkv.e2e.faults;

import io.raftkv.e2e.proxy.LinkBehavior;
import io.raftkv.e2e.proxy.Partitions;
import java.util.List;

/** Cuts a random minority of (n - 1) / 2 nodes off from the majority (the leader may be on either side). */
public final class PartitionMinority extends NetworkFault {
    public PartitionMinority() {
        this(LinkBehavior.blackhole());
    }

    public PartitionMinority(LinkBehavior cut) {
        super(cut);
    }

    @Override
    public String name() {
        return "partition-minority";
    }

    @Override
    public void inject(ClusterControl cluster) {
        List<Integer> minority = Partitions.randomMinority(cluster.network().nodeIds(), cluster.random());
        cluster.network().partition(List.of(minority), cut);
    }
}
