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
 * {@link LinearizableReadChecker} before {@code readIndex} is called. In lease runs some reads ask for
 * the leader lease ({@code leaseRead}) and go to a node that believes it leads.
 */
final class Workload {
    /** Clients stop proposing while this many proposals await an outcome (bounded backlog). */
    static final int MAX_PENDING_PROPOSALS = 300;

    private static final int MAX_PADDING_BYTES = 96;

    private final SimCluster cluster;
    private final SplittableRandom rnd;
    /** Lease-or-ReadIndex choices: a stream of its own, so runs without leases draw as before. */
    private final SplittableRandom leaseRnd;

    private long nextValue = 1;
    private long nextReadId = 1;

    Workload(SimCluster cluster) {
        this.cluster = cluster;
        this.rnd = cluster.rnd();
        this.leaseRnd = new SplittableRandom(cluster.params().seed() ^ 0x7EA5EL);
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
                if (wantsLease()) {
                    n = leaseTarget(up, n);
                    readLease(n);
                } else {
                    read(n);
                }
                n.afterStep();
            }
        }
        if (cluster.params().lease() != SimParams.LeaseMode.OFF && leaseRnd.nextDouble() < p.readRate()) {
            // The clients of each node that believes it leads (a deposed leader's too) read from it.
            for (SimNode n : cluster.upNodes()) {
                if (n.role() == StateType.LEADER) {
                    readLease(n);
                    n.afterStep();
                }
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

    /** Whether the next read asks for the lease (its own random stream: runs without leases draw as before). */
    private boolean wantsLease() {
        SimParams.LeaseMode lease = cluster.params().lease();
        return lease == SimParams.LeaseMode.BEYOND || (lease == SimParams.LeaseMode.WITHIN && leaseRnd.nextBoolean());
    }

    /**
     * A client asking for a lease read goes where it believes the leader is: a node that believes
     * it leads (a deposed one too), else {@code fallback}.
     */
    private SimNode leaseTarget(List<SimNode> up, SimNode fallback) {
        List<SimNode> leaders =
                up.stream().filter(x -> x.role() == StateType.LEADER).toList();
        return leaders.isEmpty() ? fallback : leaders.get(leaseRnd.nextInt(leaders.size()));
    }

    /** Issues a lease read on {@code n} (the caller runs {@code afterStep}). */
    private void readLease(SimNode n) {
        long readId = nextReadId++;
        cluster.checkers().linearizableRead.onReadIssued(readId);
        try {
            boolean fromLease = n.raw()
                    .leaseRead(ByteBuffer.allocate(Long.BYTES).putLong(readId).array());
            cluster.stats().event(fromLease ? "reads_lease" : "reads_lease_fallback");
            SimNode newest = cluster.leader();
            if (fromLease && newest != null && newest.term() > n.term()) {
                cluster.stats().event("reads_lease_by_deposed_leader");
            }
            cluster.trace(() -> "read r" + readId + " at n" + n.id + (fromLease ? " from the lease" : " by ReadIndex"));
            cluster.stats().event("reads_issued");
        } catch (ProposalDroppedException e) {
            cluster.stats().event("reads_refused");
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
