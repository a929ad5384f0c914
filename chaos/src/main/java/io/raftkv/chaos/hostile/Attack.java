package io.raftkv.chaos.hostile;

import io.raftkv.chaos.cluster.ProcessCluster;

/** One misbehaving client. {@link #start} returns at once (the attack runs in the background). */
public interface Attack {
    String name();

    /** Starts attacking {@code target} (a member id) of {@code cluster}. */
    void start(ProcessCluster cluster, int target) throws Exception;

    /** Stops and releases everything the attack opened; a short summary of what it did. */
    String stop();

    /** Whether the attack targets the peer port (then elections are expected and counted, not refused). */
    default boolean targetsPeerPort() {
        return false;
    }
}
