package io.raftkv.e2e.faults;

import java.util.function.ToIntFunction;

/**
 * SIGKILL one node, restart it on heal. Which node is chosen at inject time; heal restarts that
 * same node even if leadership has moved since.
 */
public abstract class KillAndRestart implements Fault {
    private final String name;
    private final ToIntFunction<ClusterControl> victim;
    private Integer killed;

    KillAndRestart(String name, ToIntFunction<ClusterControl> victim) {
        this.name = name;
        this.victim = victim;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void inject(ClusterControl cluster) {
        int node = victim.applyAsInt(cluster);
        killed = node;
        cluster.kill(node);
    }

    @Override
    public void heal(ClusterControl cluster) {
        if (killed != null) {
            int node = killed;
            killed = null;
            cluster.restart(node);
        }
    }
}
