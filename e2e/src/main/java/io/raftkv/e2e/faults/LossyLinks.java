package io.raftkv.e2e.faults;

import io.raftkv.e2e.proxy.LinkBehavior;

/**
 * Makes every peer link lossy. On TCP a lost segment is a retransmission delay, so each chunk is
 * delayed by {@code retransmitDelayMs} with probability {@code lossShare}; in addition, with
 * probability {@code resetShare} per chunk the connection is reset (connection-level loss).
 */
public final class LossyLinks implements Fault {
    private final LinkBehavior lossy;

    public LossyLinks() {
        this(0.1, 200, 0.01);
    }

    public LossyLinks(double lossShare, long retransmitDelayMs, double resetShare) {
        this.lossy = new LinkBehavior(LinkBehavior.Connectivity.OPEN, 0, 0, lossShare, retransmitDelayMs, resetShare);
    }

    @Override
    public String name() {
        return "lossy-links";
    }

    @Override
    public void inject(ClusterControl cluster) {
        cluster.network().setAll(lossy);
    }

    @Override
    public void heal(ClusterControl cluster) {
        cluster.network().heal();
    }
}
