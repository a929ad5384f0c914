package io.raftkv.e2e.faults;

import io.raftkv.e2e.proxy.LinkBehavior;
import java.util.Objects;

/**
 * A fault that reshapes the peer network; heal lets every link pass again. {@code cut} says how
 * a severed link behaves: {@link LinkBehavior#blackhole()} (default; packets vanish, as in a real
 * partition) or {@link LinkBehavior#cut()} (connections are reset, failures are fast).
 */
abstract class NetworkFault implements Fault {
    protected final LinkBehavior cut;

    NetworkFault(LinkBehavior cut) {
        this.cut = Objects.requireNonNull(cut, "cut");
        if (cut.isOpen()) {
            throw new IllegalArgumentException("a partition needs a severing behaviour, got " + cut);
        }
    }

    @Override
    public void heal(ClusterControl cluster) {
        cluster.network().heal();
    }
}
