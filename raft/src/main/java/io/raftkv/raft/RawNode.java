package io.raftkv.raft;

import java.util.ArrayList;
import java.util.List;

/**
 * The driver's handle on the consensus core (the shape of etcd's {@code RawNode}). Single-threaded
 * and I/O-free: every method runs to completion on the caller's thread and touches nothing but
 * memory and the read-only {@link Storage}. Output accumulates until the driver takes it with
 * {@link #ready()} — see {@link Ready} for the contract.
 *
 * <p>Starting a node: a brand-new cluster puts its initial voters into storage's
 * {@link ConfState} (no entries, empty hard state); a restarting node gets everything from
 * storage; a node joining an existing cluster starts with an empty {@link ConfState} and waits to
 * be told by the leader. {@link RaftConfig#applied()} must be at least the storage snapshot's index
 * (restore the state machine from the snapshot first) and at most the stored commit index.
 *
 * <p>Applying: by default {@link #advance(Ready)} means the Ready's committed entries were applied
 * (steps 1–4 of the contract). A driver that applies asynchronously calls
 * {@link #advanceApplied(long)}; from its first call on, {@code advance} only marks entries as
 * handed out and the applied index moves solely through {@code advanceApplied} (call
 * {@code advanceApplied(config.applied())} right after construction to opt in from the start). The
 * applied index gates new conf-change proposals and campaigning, so an asynchronous driver must
 * report it.
 */
public final class RawNode {
    private final Raft raft;
    private SoftState prevSoftState;
    private HardState prevHardState;
    /** The Ready handed out and not yet advanced, or null. */
    private Ready outstanding;
    /** Messages to self that wait until {@link #outstanding} is durable (a candidate's own vote). */
    private List<Message> outstandingSelfMessages = List.of();

    private boolean asyncApply;

    public RawNode(RaftConfig config, Storage storage) {
        this.raft = new Raft(config, storage);
        this.prevSoftState = raft.softState();
        this.prevHardState = storage.initialState().hardState();
    }

    /** Advances logical time by one tick (election and heartbeat timeouts count ticks). */
    public void tick() {
        raft.tick();
    }

    /** Starts an election now (tests, and a single-node cluster's start-up). */
    public void campaign() {
        raft.step(Message.builder(MessageType.HUP).from(raft.id).build());
    }

    /** Feeds a message received from a peer (or a local kind such as SNAP_STATUS). */
    public void step(Message m) {
        if (m.type() == MessageType.HUP || m.type() == MessageType.BEAT) {
            throw new IllegalArgumentException("local message " + m.type() + " must not come from the network: " + m);
        }
        if (m.type() == MessageType.PROP) {
            throw new IllegalArgumentException("proposals are made with propose(), not forwarded: " + m);
        }
        if (m.type().isResponse() && m.from() == Raft.NONE) {
            throw new IllegalArgumentException("response without a sender: " + m);
        }
        raft.step(m);
    }

    /**
     * Appends {@code data} as a new entry if this node is the leader. The payload is not copied: the
     * caller must not modify it afterwards. Appends reach the followers when the next Ready is
     * built, so many proposals between two Readies travel in few messages.
     *
     * @return the index the entry got, in the current term {@code status().hardState().term()};
     *         the proposal succeeded iff the entry committed at that index has that term
     * @throws ProposalDroppedException if not leader, a transfer is in progress, or the
     *                                  uncommitted-bytes limit is exceeded
     */
    public long propose(byte[] data) {
        return raft.propose(EntryType.NORMAL, data);
    }

    /**
     * Proposes one membership change; refused (CONF_CHANGE_PENDING) while another is pending — not
     * yet applied — including, for a new leader, until everything in its log when it took office is
     * applied; refused (INVALID) if it would leave no voter.
     *
     * @return the index of the conf-change entry
     */
    public long proposeConfChange(ConfChange change) {
        return raft.proposeConfChange(change);
    }

    /**
     * Applies a committed conf change to the core's configuration; the driver calls this for each
     * {@link EntryType#CONF_CHANGE} entry handed out in {@link Ready#committedEntries()}, in log
     * order. A change at or below the index the configuration in force comes from (a snapshot
     * restored meanwhile) is already part of it and changes nothing. A leader that removes itself
     * or demotes itself to learner steps down to follower.
     *
     * @param index the conf-change entry's index
     * @return the configuration now in force
     */
    public ConfState applyConfChange(long index, ConfChange change) {
        return raft.applyConfChange(index, change);
    }

    /**
     * Requests a linearizable read. The result arrives as a {@link ReadState} carrying {@code ctx}
     * in a later Ready (or, on a follower, after the leader answers). Contexts should be unique; a
     * leader answers all reads queued before a heartbeat round once a quorum acknowledged it.
     * Requests lost because the leader stepped down are never answered: the driver times them out.
     *
     * @throws ProposalDroppedException if no leader is known (NO_LEADER), the leader has not yet
     *                                  committed an entry in its term (NOT_COMMITTED_IN_TERM), or too
     *                                  many reads are waiting (TOO_MANY_PENDING_READS)
     */
    public void readIndex(byte[] ctx) {
        raft.readIndex(ctx);
    }

    /**
     * Requests a linearizable read that the leader answers from its lease, without a round trip
     * (Raft dissertation §6.4.1), when it holds one; otherwise (a follower, no lease, a transfer in
     * progress) it runs exactly as {@link #readIndex(byte[])}, with the same exceptions. Either way
     * the result is a {@link ReadState} carrying {@code ctx} in a later Ready; from the lease it is
     * in the very next one, at the current commit index.
     *
     * <p><b>The lease.</b> Every heartbeat carries the tick (on this core's clock, which counts
     * {@link #tick()} calls) at which its round started, and followers echo it. The leader holds a
     * lease while {@code now < S + electionTicks − leaseDriftTicks}, where {@code S} is the newest
     * round start that a quorum of voters acknowledged in this term (the leader counting itself),
     * and only once it has committed an entry of its term (so its commit index covers every
     * acknowledged write). The lease is gone from the moment a leadership transfer starts (for the
     * rest of the term: a late TIMEOUT_NOW can still start the transferee's election) and when the
     * leader steps down.
     *
     * <p><b>Why it is sound.</b> A voter that acknowledged a heartbeat received it at real time
     * {@code r ≥ s}, the round's real start, and then refuses to vote for a higher term (unless told
     * to by a transfer) until {@code electionTicks} of <em>its</em> ticks passed — check-quorum's
     * lease, which uses the minimum election timeout even though its own election timer is
     * randomized in {@code [electionTicks, 2·electionTicks)}; a restarted voter refuses for its
     * first {@code electionTicks} ticks too. Its {@code electionTicks}-th tick comes later than
     * {@code r + (electionTicks − 1)·Tf} (Tf: its tick period; the first tick may come right after
     * {@code r}). The leader answers at tick count {@code n < S + E − D}, before its tick
     * {@code n + 1}, i.e. before {@code s + (E − D)·Tl}. So no other leader can be elected while the
     * lease holds — a new leader needs a vote from a quorum, which intersects the acknowledging
     * quorum — provided {@code (E − D)·Tl ≤ (E − 1)·Tf} for the leader and every voter: with equal
     * rates {@code D = 1} suffices (tick granularity), and a larger {@code D} lets followers' ticks
     * run up to {@code (E − 1)/(E − D)} times as fast as the leader's. This needs check-quorum on
     * every voter (without it the leader never holds a lease) and a driver whose ticks track a
     * monotonic clock (catching up missed ticks before it steps anything, so a stalled leader does
     * not believe less time has passed). Membership changes one voter at a time keep any two
     * majorities intersecting, as for ReadIndex.
     *
     * @return true if the lease answered the read, false if it fell back to ReadIndex
     * @throws ProposalDroppedException as {@link #readIndex(byte[])}, when it falls back
     */
    public boolean leaseRead(byte[] ctx) {
        return raft.leaseRead(ctx);
    }

    /** Whether this node is the leader and holds a lease now (see {@link #leaseRead(byte[])}). */
    public boolean hasLease() {
        return raft.leaseValid();
    }

    /**
     * Asks the leader to hand leadership to {@code transferee} (§3.10). On the leader, proposals are
     * refused until the transferee took over or an election timeout passed; a follower forwards the
     * request to its leader.
     *
     * @throws ProposalDroppedException NO_LEADER if no leader is known, INVALID if the leader does
     *                                  not know {@code transferee} as a voter
     */
    public void transferLeadership(long transferee) {
        raft.transferLeadership(transferee);
    }

    /** The driver could not deliver a message to {@code id}. */
    public void reportUnreachable(long id) {
        raft.step(Message.builder(MessageType.UNREACHABLE).from(id).build());
    }

    /** The driver finished (or failed) streaming a snapshot to {@code id}. */
    public void reportSnapshot(long id, boolean succeeded) {
        raft.step(Message.builder(MessageType.SNAP_STATUS)
                .from(id)
                .reject(!succeeded)
                .build());
    }

    /**
     * Whether {@link #ready()} has anything to hand out. False while a Ready is outstanding (call
     * {@link #advance(Ready)} first).
     */
    public boolean hasReady() {
        if (outstanding != null) {
            return false;
        }
        raft.flushBroadcasts();
        if (!raft.softState().equals(prevSoftState)) {
            return true;
        }
        HardState hs = raft.hardState();
        if (!hs.isEmpty() && !hs.equals(prevHardState)) {
            return true;
        }
        return raft.log.unstable().hasEntries()
                || raft.log.hasPendingSnapshot()
                || !raft.msgs.isEmpty()
                || !raft.msgsAfterPersist.isEmpty()
                || !raft.readStates.isEmpty()
                || raft.log.hasNextCommittedEntries();
    }

    /**
     * Takes the messages that may be sent at once — the class of {@link Ready#messages()}: a
     * leader's appends and heartbeats, vote requests, heartbeat and read-index responses — without
     * building a Ready. Callable while a Ready is outstanding, so a driver whose write is slow keeps
     * heartbeats and appends flowing instead of letting followers time out behind one fsync (what
     * etcd's asynchronous storage writes do too). Responses that promise durable state
     * (APP_RESP, VOTE_RESP, PRE_VOTE_RESP) are never returned here: they wait for the Ready whose
     * writes they acknowledge.
     *
     * @return the messages, possibly empty; the caller owns the list
     */
    public List<Message> takeMessages() {
        raft.flushBroadcasts();
        if (raft.msgs.isEmpty()) {
            return List.of();
        }
        List<Message> out = raft.msgs;
        raft.msgs = new ArrayList<>();
        return out;
    }

    /**
     * Collects everything to persist, send and apply since the last Ready.
     *
     * @throws IllegalStateException if the previous Ready was not advanced yet
     */
    public Ready ready() {
        if (outstanding != null) {
            throw new IllegalStateException(
                    "ready() called again before advance() of the outstanding Ready " + outstanding);
        }
        raft.flushBroadcasts();
        SoftState ss = raft.softState();
        SoftState softState = ss.equals(prevSoftState) ? null : ss;
        HardState hs = raft.hardState();
        HardState hardState = hs.isEmpty() || hs.equals(prevHardState) ? null : hs;
        boolean termOrVoteChanged = hardState != null
                && (prevHardState == null || hs.term() != prevHardState.term() || hs.vote() != prevHardState.vote());
        List<Entry> entries = raft.log.unstableEntries();
        Snapshot snapshot = raft.log.unstable().snapshot();
        List<Entry> committed = raft.log.nextCommittedEntries();
        List<Message> persisted = new ArrayList<>();
        List<Message> self = new ArrayList<>();
        for (Message m : raft.takePersistedMessages()) {
            (m.to() == raft.id ? self : persisted).add(m);
        }
        Ready rd = new Ready(
                softState,
                hardState,
                List.copyOf(raft.readStates),
                entries,
                snapshot == null ? Snapshot.EMPTY : snapshot,
                committed,
                List.copyOf(raft.msgs),
                List.copyOf(persisted),
                termOrVoteChanged || !entries.isEmpty() || snapshot != null);
        raft.msgs = new ArrayList<>();
        raft.readStates = new ArrayList<>();
        if (softState != null) {
            prevSoftState = softState;
        }
        if (hardState != null) {
            prevHardState = hardState;
        }
        outstanding = rd;
        outstandingSelfMessages = List.copyOf(self);
        return rd;
    }

    /**
     * The driver finished steps 1–4 of the {@link Ready} contract for {@code rd}.
     *
     * @throws IllegalStateException if {@code rd} is not the outstanding Ready
     */
    public void advance(Ready rd) {
        if (outstanding == null) {
            throw new IllegalStateException("advance() without an outstanding Ready");
        }
        if (rd != outstanding) {
            throw new IllegalStateException("advance() with a different Ready than the outstanding one");
        }
        outstanding = null;
        List<Message> self = outstandingSelfMessages;
        outstandingSelfMessages = List.of();
        raft.onReadyPersisted(rd, self, !asyncApply);
    }

    /**
     * The state machine has applied everything up to {@code index} (asynchronous apply; see the
     * class comment).
     *
     * @throws IllegalStateException if {@code index} was never handed out in a Ready
     */
    public void advanceApplied(long index) {
        if (index > raft.log.applying()) {
            throw new IllegalStateException(
                    "applied index " + index + " is beyond the last index handed out to apply " + raft.log.applying());
        }
        asyncApply = true;
        raft.log.appliedTo(index);
    }

    public Status status() {
        return new Status(
                raft.id,
                raft.hardState(),
                raft.softState(),
                raft.log.applied(),
                raft.trk.confState(),
                raft.progressView(),
                raft.leadTransferee);
    }

    /** The core itself, for tests in this package. */
    Raft core() {
        return raft;
    }

    @Override
    public String toString() {
        return "RawNode{" + raft + "}";
    }
}
