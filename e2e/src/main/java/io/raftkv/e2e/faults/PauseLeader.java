package io.raftkv.e2e.faults;

import java.time.Duration;

/**
 * SIGSTOP the leader for longer than the election timeout, SIGCONT on heal. The paused leader
 * wakes up believing it still leads: the test is that it steps down without serving a stale
 * read or acknowledging a write it can no longer commit.
 */
public final class PauseLeader implements Fault {
    private Integer paused;

    @Override
    public String name() {
        return "pause-leader";
    }

    @Override
    public void inject(ClusterControl cluster) {
        int leader = NodeFaults.leader(cluster);
        paused = leader;
        cluster.pause(leader);
    }

    @Override
    public void heal(ClusterControl cluster) {
        if (paused != null) {
            int node = paused;
            paused = null;
            cluster.resume(node);
        }
    }

    /** Twice the election timeout, so that the others surely elect a new leader meanwhile. */
    @Override
    public Duration minimumActive(ClusterControl cluster) {
        return cluster.electionTimeout().multipliedBy(2);
    }
}
