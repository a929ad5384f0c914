package io.raftkv.e2e.faults;

import io.raftkv.e2e.proxy.LinkBehavior;
import io.raftkv.e2e.proxy.Partitions;
import java.util.List;

/**
 * Overlapping majorities: one random bridge node sees everyone, the other nodes are split in two
 * halves that cannot see each other; each half plus the bridge is a majority (n odd).
 */
public final class BridgePartition extends NetworkFault {
    public BridgePartition() {
        this(LinkBehavior.blackhole());
    }

    public BridgePartition(LinkBehavior cut) {
        super(cut);
    }

    @Override
    public String name() {
        return "bridge";
    }

    @Override
    public void inject(ClusterControl cluster) {
        List<List<Integer>> shape = Partitions.randomBridge(cluster.network().nodeIds(), cluster.random());
        cluster.network().bridge(shape.get(0).get(0), shape.get(1), shape.get(2), cut);
    }
}
