package io.raftkv.e2e.faults;

import io.raftkv.e2e.proxy.LinkBehavior;

/** Delays every peer link by {@code delayMs} plus up to {@code jitterMs}. */
public final class SlowLinks implements Fault {
    private final LinkBehavior slow;

    public SlowLinks() {
        this(50, 50);
    }

    public SlowLinks(long delayMs, long jitterMs) {
        this.slow = LinkBehavior.delayed(delayMs, jitterMs);
    }

    @Override
    public String name() {
        return "slow-links";
    }

    @Override
    public void inject(ClusterControl cluster) {
        cluster.network().setAll(slow);
    }

    @Override
    public void heal(ClusterControl cluster) {
        cluster.network().heal();
    }
}
