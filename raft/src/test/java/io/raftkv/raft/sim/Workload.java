package io.raftkv.raft.sim;

import io.raftkv.raft.ProposalDroppedException;
import io.raftkv.raft.RawNode;
import io.raftkv.raft.StateType;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The simulated clients: proposals of unique values (mostly to the leader, sometimes to any node,
 * which must refuse if it is not leader) and linearizable reads on any node. Each accepted
 * proposal is handed to the {@link ProposalOutcomeChecker}; each read is registered with the
 * {@link LinearizableReadChecker} before {@code readIndex} is called.
 */
final class Workload {
    /** Clients stop proposing while this many proposals await an outcome (bounded backlog). */
    static final int MAX_PENDING_PROPOSALS = 300;
    private static final int MAX_PADDING_BYTES = 96;

    private final SimCluster cluster;
    private final SplittableRandom rnd;
    private long nextValue = 1;
    private long nextReadId = 1;

    Workload(SimCluster cluster) {
        this.cluster = cluster;
        this.rnd = cluster.rnd();
    }

    /** One tick's worth of client activity. */
    void step() {
        SimParams p = cluster.params();
        if (rnd.nextDouble() < p.proposeRate()
                && cluster.checkers().proposalOutcome.pending() < MAX_PENDING_PROPOSALS) {
            SimNode target = pickTarget();
            if (target != null) {
                int batch = 1 + rnd.nextInt(3);
                for (int i = 0; i < batch; i++) {
                    propose(target, nextValue++);
                }
                target.afterStep();
            }
        }
        if (rnd.nextDouble() < p.readRate()) {
            List<SimNode> up = cluster.upNodes();
            if (!up.isEmpty()) {
                SimNode n = up.get(rnd.nextInt(up.size()));
                read(n);
                n.afterStep();
            }
        }
    }

    private SimNode pickTarget() {
        SimNode leader = cluster.leader();
        if (leader != null && rnd.nextInt(5) != 0) {
            return leader;
        }
        List<SimNode> up = cluster.upNodes();
        return up.isEmpty() ? null : up.get(rnd.nextInt(up.size()));
    }

    /**
     * Proposes a fresh value on {@code n} (the caller runs {@code afterStep}).
     *
     * @return the value, or 0 if the core refused it
     */
    long proposeNew(SimNode n) {
        long v = nextValue++;
        return propose(n, v) ? v : 0;
    }

    private boolean propose(SimNode n, long value) {
        RawNode raw = n.raw();
        try {
            long index = raw.propose(SimStateMachine.encodeValue(value, rnd.nextInt(MAX_PADDING_BYTES + 1)));
            long term = raw.status().hardState().term();
            cluster.checkers().proposalOutcome.onProposed(value, index, term);
            cluster.stats().event("proposals_accepted");
            cluster.trace(() -> "propose v" + value + " at n" + n.id + " -> " + index + "/" + term);
            return true;
        } catch (ProposalDroppedException e) {
            cluster.stats().event("proposals_refused");
            return false;
        }
    }

    /** Issues a linearizable read on {@code n} (the caller runs {@code afterStep}). */
    void read(SimNode n) {
        long readId = nextReadId++;
        cluster.checkers().linearizableRead.onReadIssued(readId);
        if (cluster.params().driverBug() == SimParams.DriverBug.LOCAL_LEADER_READS && n.role() == StateType.LEADER) {
            cluster.checkers().linearizableRead.onReadServed(readId, n.sm.applied(), n.sm.applied(), n.sm::valueAt);
            cluster.onReadServed(readId);
            return;
        }
        try {
            n.raw().readIndex(ByteBuffer.allocate(Long.BYTES).putLong(readId).array());
            cluster.stats().event("reads_issued");
        } catch (ProposalDroppedException e) {
            cluster.stats().event("reads_refused");
        }
    }

    long readsIssued() {
        return nextReadId - 1;
    }
}
