package io.raftkv.e2e.faults;

import io.raftkv.e2e.proxy.PeerNetwork;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.Random;

/**
 * What a fault may do to a running cluster. The real implementation starts node processes on
 * loopback behind a {@link io.raftkv.e2e.proxy.ProxyMesh}; tests of fault logic use a fake.
 *
 * <p>Every call that waits takes or implies a deadline and fails with an exception naming what
 * it waited for; none blocks forever.
 */
public interface ClusterControl {
    /** Ids of the nodes that are members now, in a stable order. */
    List<Integer> nodeIds();

    /** The leader as the nodes currently report it, if they agree on one. */
    OptionalInt leader();

    /**
     * Waits until the nodes report a leader.
     *
     * @throws IllegalStateException if none is reported within {@code timeout}
     */
    int awaitLeader(Duration timeout);

    boolean isRunning(int node);

    /** SIGKILL: the process dies without flushing anything. */
    void kill(int node);

    /** Starts a killed node again on its own data directory. */
    void restart(int node);

    /** SIGSTOP: the process freezes, sockets stay open. */
    void pause(int node);

    /** SIGCONT. */
    void resume(int node);

    /** The peer links between the nodes. */
    PeerNetwork network();

    /** The run's seeded generator: faults draw every random choice from it, so a run replays. */
    Random random();

    /** The nodes' election timeout (upper bound of the randomized range). */
    Duration electionTimeout();

    /**
     * Starts a fresh node (new member id, empty data directory), adds it as a learner, waits until
     * it has caught up, and promotes it to voter.
     *
     * @return the new node's id
     */
    int addMember();

    /** Removes {@code node} from the configuration through the leader, then stops its process. */
    void removeMember(int node);

    /** Asks the leader to hand leadership to {@code to}; fails if not done within {@code timeout}. */
    void transferLeadership(int to, Duration timeout);
}
