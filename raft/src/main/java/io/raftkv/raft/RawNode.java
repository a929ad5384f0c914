package io.raftkv.raft;

/**
 * The driver's handle on the consensus core (the shape of etcd's {@code RawNode}). Single-threaded
 * and I/O-free: every method runs to completion on the caller's thread and touches nothing but
 * memory and the read-only {@link Storage}. Output accumulates until the driver takes it with
 * {@link #ready()} — see {@link Ready} for the contract.
 *
 * <p>Starting a node: a brand-new cluster puts its initial voters into storage's
 * {@link ConfState} (no entries, empty hard state); a restarting node gets everything from
 * storage; a node joining an existing cluster starts with an empty {@link ConfState} and waits to
 * be told by the leader.
 */
public final class RawNode {

    public RawNode(RaftConfig config, Storage storage) {
        throw new UnsupportedOperationException("not yet written");
    }

    /** Advances logical time by one tick (election and heartbeat timeouts count ticks). */
    public void tick() {
        throw new UnsupportedOperationException();
    }

    /** Starts an election now (tests, and a single-node cluster's start-up). */
    public void campaign() {
        throw new UnsupportedOperationException();
    }

    /** Feeds a message received from a peer (or a local kind such as SNAP_STATUS). */
    public void step(Message m) {
        throw new UnsupportedOperationException();
    }

    /**
     * Appends {@code data} as a new entry if this node is the leader.
     *
     * @return the index the entry got, in the current term {@code status().hardState().term()};
     *         the proposal succeeded iff the entry committed at that index has that term
     * @throws ProposalDroppedException if not leader, a transfer is in progress, or the
     *                                  uncommitted-bytes limit is exceeded
     */
    public long propose(byte[] data) {
        throw new UnsupportedOperationException();
    }

    /**
     * Proposes one membership change; refused while another is pending (not yet applied).
     *
     * @return the index of the conf-change entry
     */
    public long proposeConfChange(ConfChange change) {
        throw new UnsupportedOperationException();
    }

    /**
     * Applies a committed conf change to the core's configuration; the driver calls this when it
     * applies a {@link EntryType#CONF_CHANGE} entry, in log order.
     *
     * @return the configuration now in force
     */
    public ConfState applyConfChange(ConfChange change) {
        throw new UnsupportedOperationException();
    }

    /**
     * Requests a linearizable read. The result arrives as a {@link ReadState} carrying {@code ctx}
     * in a later Ready (or, on a follower, after the leader answers).
     *
     * @throws ProposalDroppedException if no leader is known or the leader has not yet committed
     *                                  an entry in its term
     */
    public void readIndex(byte[] ctx) {
        throw new UnsupportedOperationException();
    }

    /** Asks the leader to hand leadership to {@code transferee} (§3.10). */
    public void transferLeadership(long transferee) {
        throw new UnsupportedOperationException();
    }

    /** The driver could not deliver a message to {@code id}. */
    public void reportUnreachable(long id) {
        throw new UnsupportedOperationException();
    }

    /** The driver finished (or failed) streaming a snapshot to {@code id}. */
    public void reportSnapshot(long id, boolean succeeded) {
        throw new UnsupportedOperationException();
    }

    public boolean hasReady() {
        throw new UnsupportedOperationException();
    }

    public Ready ready() {
        throw new UnsupportedOperationException();
    }

    /** The driver finished steps 1–4 of the {@link Ready} contract for {@code rd}. */
    public void advance(Ready rd) {
        throw new UnsupportedOperationException();
    }

    /** The state machine has applied everything up to {@code index} (asynchronous apply). */
    public void advanceApplied(long index) {
        throw new UnsupportedOperationException();
    }

    public Status status() {
        throw new UnsupportedOperationException();
    }
}
