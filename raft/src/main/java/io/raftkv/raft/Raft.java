package io.raftkv.raft;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The Raft state machine (etcd's {@code raft} struct): roles, terms, elections, replication,
 * membership, leadership transfer, ReadIndex and leader leases. Single-threaded and pure: no I/O, no clock (time
 * is {@link #tick()}), randomness only from a {@link SplittableRandom} seeded by
 * {@link RaftConfig#randomSeed()}. {@link RawNode} is the driver-facing wrapper.
 *
 * <p>Roles swap behaviour: {@code becomeFollower/PreCandidate/Candidate/Leader} install the
 * role's {@link #stepRole} and {@link #tickRole}; illegal transitions throw.
 *
 * <p>Invariants (checked where they can break):
 * <ul>
 *   <li>{@code term} never decreases; {@code vote} is {@link #NONE} or the candidate voted for in
 *       {@code term} (reset whenever {@code term} changes).</li>
 *   <li>Durability: the leader's own match index moves only in {@link #onReadyPersisted}, so an
 *       entry commits only when a majority — the leader included — holds it durably. Responses that
 *       promise durable state (APP_RESP, VOTE_RESP, PRE_VOTE_RESP) go to
 *       {@link #msgsAfterPersist}; a candidate's vote for itself counts only once durable.</li>
 *   <li>Batching: a leader's proposals and commit advances only set {@link #broadcastPending};
 *       appends go out once per {@link RawNode#ready()}.</li>
 * </ul>
 */
public final class Raft {
    /** "No node": no leader, no vote. Member ids are never 0. */
    public static final long NONE = 0;

    /** Upper bound on READ_INDEX requests forwarded to a leader that has not committed in its term. */
    static final int MAX_DEFERRED_READS = 1024;

    final long id;
    private final RaftConfig cfg;
    final RaftLog log;
    final ProgressTracker trk;
    private final SplittableRandom random;

    long term;
    long vote;
    StateType state = StateType.FOLLOWER;
    long lead = NONE;
    /** Target of a leadership transfer in progress, else {@link #NONE}; only a leader sets it. */
    long leadTransferee = NONE;
    /**
     * Index of the newest conf change this leader proposed (or its last index when it took office):
     * no new change may be proposed until the driver applied up to here.
     */
    long pendingConfIndex;
    /** Index of the entry (or snapshot) the configuration in force comes from. */
    long confIndex;
    /** Payload bytes of this leader's uncommitted entries, bounded by maxUncommittedEntriesBytes. */
    private long uncommittedBytes;

    private ReadOnlyQueue readOnly = new ReadOnlyQueue();
    /** READ_INDEX requests forwarded to us before we committed in our term (bounded). */
    private final ArrayDeque<Message> deferredReads = new ArrayDeque<>();

    /** Messages sendable at once. */
    List<Message> msgs = new ArrayList<>();
    /** Messages sendable only once the state they reflect is durable (including ones to self). */
    List<Message> msgsAfterPersist = new ArrayList<>();
    /**
     * For each accepting APP_RESP in {@link #msgsAfterPersist}: the term of the entry it acknowledges.
     * If a later message truncates that entry before the Ready is built, the ack would promise
     * entries the Ready no longer persists, so {@link #takePersistedMessages()} drops it.
     */
    private final Map<Message, Long> ackedEntryTerms = new IdentityHashMap<>();

    List<ReadState> readStates = new ArrayList<>();
    /** Leader: some follower may need new entries or the new commit index (sent at the next Ready). */
    boolean broadcastPending;
    /** Leader: read requests wait for a heartbeat round (sent at the next Ready). */
    boolean readHeartbeatPending;

    /**
     * Ticks since this core was built: its monotonic clock. The driver ticks it from a monotonic
     * timer; leader leases are measured on it (see {@link #leaseValid()}).
     */
    long now;
    /**
     * Leader: for each member, the start (on {@link #now}) of the newest heartbeat round of this
     * term it acknowledged. Emptied whenever the role or term changes.
     */
    private final Map<Long, Long> heartbeatAcks = new HashMap<>();
    /**
     * Leader: a leadership transfer started in this term. Its TIMEOUT_NOW lets the transferee win
     * votes from followers that still honour our lease, and a delayed or duplicated TIMEOUT_NOW can
     * arrive after the transfer was abandoned, so the lease is gone for the rest of the term.
     */
    private boolean leaseForfeited;

    /** Ticks since the last election timeout reset; for a leader, since the last quorum check. */
    int electionElapsed;
    /** Leader only: ticks since the last heartbeat. */
    int heartbeatElapsed;
    /** Election timeout of this term, drawn from [electionTicks, 2 × electionTicks). */
    int randomizedElectionTimeout;

    private Consumer<Message> stepRole;
    private Runnable tickRole;

    Raft(RaftConfig cfg, Storage storage) {
        cfg.validate();
        this.cfg = cfg;
        this.id = cfg.id();
        this.random = new SplittableRandom(cfg.randomSeed());
        this.log = new RaftLog(storage, cfg.maxSizePerMsgBytes());
        this.trk = new ProgressTracker(cfg.maxInflightMsgs());
        InitialState init = storage.initialState();
        trk.restore(init.confState(), log.lastIndex());
        HardState hs = init.hardState();
        if (!hs.isEmpty()) {
            if (hs.commit() < log.committed() || hs.commit() > log.lastIndex()) {
                throw new IllegalStateException("node " + id + ": stored commit index " + hs.commit()
                        + " is out of range [" + log.committed() + ", " + log.lastIndex() + "]");
            }
            log.commitTo(hs.commit());
            this.term = hs.term();
            this.vote = hs.vote();
        }
        log.restoreApplied(cfg.applied());
        // The stored configuration is the one in force at the applied index (or the snapshot's).
        confIndex = log.applied();
        becomeFollower(term, NONE);
    }

    // ---------------------------------------------------------------- state accessors

    HardState hardState() {
        return new HardState(term, vote, log.committed());
    }

    SoftState softState() {
        return new SoftState(lead, state);
    }

    /** Whether this node may campaign: it is a voter in its configuration. */
    boolean promotable() {
        return trk.isVoter(id);
    }

    RaftConfig config() {
        return cfg;
    }

    Map<Long, FollowerProgress> progressView() {
        Map<Long, FollowerProgress> out = new TreeMap<>();
        if (state == StateType.LEADER) {
            trk.allProgress().forEach((k, v) -> out.put(k, v.view()));
        }
        return out;
    }

    // ---------------------------------------------------------------- role transitions

    void becomeFollower(long newTerm, long leader) {
        stepRole = this::stepFollower;
        tickRole = this::tickElection;
        reset(newTerm);
        lead = leader;
        state = StateType.FOLLOWER;
    }

    private void becomePreCandidate() {
        if (state == StateType.LEADER) {
            throw new IllegalStateException(
                    "node " + id + ": invalid transition [leader -> pre-candidate] in term " + term);
        }
        // Pre-vote changes neither term nor vote (§9.6): a partitioned node cannot disrupt anyone.
        stepRole = this::stepCandidate;
        tickRole = this::tickElection;
        trk.resetVotes();
        lead = NONE;
        state = StateType.PRE_CANDIDATE;
    }

    private void becomeCandidate() {
        if (state == StateType.LEADER) {
            throw new IllegalStateException(
                    "node " + id + ": invalid transition [leader -> candidate] in term " + term);
        }
        stepRole = this::stepCandidate;
        tickRole = this::tickElection;
        reset(term + 1);
        vote = id;
        state = StateType.CANDIDATE;
    }

    private void becomeLeader() {
        if (state == StateType.FOLLOWER) {
            throw new IllegalStateException("node " + id + ": invalid transition [follower -> leader] in term " + term);
        }
        stepRole = this::stepLeader;
        tickRole = this::tickHeartbeat;
        reset(term);
        lead = id;
        state = StateType.LEADER;
        Progress self = trk.progress(id);
        self.becomeReplicate();
        self.recentActive = true;
        // The no-op of §5.4.2 / §8: commits every earlier entry and enables ReadIndex in this term.
        appendEntry(new Entry(term, log.lastIndex() + 1, EntryType.NORMAL, null));
        // Entries of earlier terms may hide a conf change: refuse new ones until everything up to
        // and including our no-op is applied.
        pendingConfIndex = log.lastIndex();
    }

    private void reset(long newTerm) {
        if (term != newTerm) {
            if (newTerm < term) {
                throw new IllegalStateException("node " + id + ": term would go back from " + term + " to " + newTerm);
            }
            term = newTerm;
            vote = NONE;
        }
        lead = NONE;
        electionElapsed = 0;
        heartbeatElapsed = 0;
        randomizedElectionTimeout = cfg.electionTicks() + random.nextInt(cfg.electionTicks());
        leadTransferee = NONE;
        trk.resetVotes();
        long last = log.lastIndex();
        long durable = log.lastDurableIndex();
        for (Map.Entry<Long, Progress> e : trk.allProgress().entrySet()) {
            Progress fresh = new Progress(last + 1, cfg.maxInflightMsgs(), e.getValue().learner);
            if (e.getKey() == id) {
                fresh.match = Math.min(durable, last);
            }
            e.setValue(fresh);
        }
        pendingConfIndex = 0;
        uncommittedBytes = 0;
        readOnly = new ReadOnlyQueue();
        heartbeatAcks.clear();
        leaseForfeited = false;
        deferredReads.clear();
        broadcastPending = false;
        readHeartbeatPending = false;
    }

    // ---------------------------------------------------------------- ticks

    void tick() {
        now++;
        tickRole.run();
    }

    private void tickElection() {
        electionElapsed++;
        if (promotable() && electionElapsed >= randomizedElectionTimeout) {
            electionElapsed = 0;
            hup(false);
        }
    }

    private void tickHeartbeat() {
        heartbeatElapsed++;
        electionElapsed++;
        if (electionElapsed >= cfg.electionTicks()) {
            electionElapsed = 0;
            if (cfg.checkQuorum()) {
                checkQuorum();
            }
            if (state == StateType.LEADER && leadTransferee != NONE) {
                // §3.10: the transfer did not finish within an election timeout; resume service.
                leadTransferee = NONE;
            }
        }
        if (state != StateType.LEADER) {
            return;
        }
        if (heartbeatElapsed >= cfg.heartbeatTicks()) {
            heartbeatElapsed = 0;
            bcastHeartbeat(readOnly.lastPendingContext());
        }
    }

    /** Check-quorum: a leader that did not hear from a majority within an election timeout steps down. */
    private void checkQuorum() {
        if (!trk.quorumActive(id)) {
            becomeFollower(term, NONE);
            return;
        }
        for (Map.Entry<Long, Progress> e : trk.allProgress().entrySet()) {
            if (e.getKey() != id) {
                e.getValue().recentActive = false;
            }
        }
    }

    // ---------------------------------------------------------------- elections

    private void hup(boolean transfer) {
        if (state == StateType.LEADER || !promotable() || hasUnappliedConfChanges()) {
            return;
        }
        if (cfg.preVote() && !transfer) {
            campaign(true, false);
        } else {
            campaign(false, transfer);
        }
    }

    /**
     * Whether a committed conf change is not applied yet: campaigning could then use an outdated
     * configuration, so the node waits until it is applied.
     */
    private boolean hasUnappliedConfChanges() {
        long lo = Math.max(log.applied() + 1, log.firstIndex());
        long hi = log.committed() + 1;
        while (lo < hi) {
            List<Entry> page = log.slice(lo, hi, cfg.maxSizePerMsgBytes());
            for (Entry e : page) {
                if (e.type() == EntryType.CONF_CHANGE) {
                    return true;
                }
            }
            lo += page.size();
        }
        return false;
    }

    private void campaign(boolean pre, boolean transfer) {
        MessageType type;
        long voteTerm;
        if (pre) {
            becomePreCandidate();
            type = MessageType.PRE_VOTE;
            voteTerm = term + 1;
            // A pre-vote for oneself changes nothing on disk: count it now.
            if (poll(id, true) == MajorityQuorum.VoteResult.WON) {
                campaign(false, false);
                return;
            }
        } else {
            becomeCandidate();
            type = MessageType.VOTE;
            voteTerm = term;
            // Our own vote counts once (term, vote) is durable: delivered after the next Ready persists.
            msgsAfterPersist.add(Message.builder(MessageType.VOTE_RESP)
                    .to(id)
                    .from(id)
                    .term(term)
                    .build());
        }
        long lastIndex = log.lastIndex();
        long lastTerm = log.lastTerm();
        for (long voter : trk.voters()) {
            if (voter == id) {
                continue;
            }
            send(Message.builder(type)
                    .to(voter)
                    .term(voteTerm)
                    .index(lastIndex)
                    .logTerm(lastTerm)
                    .context(transfer ? Message.CAMPAIGN_TRANSFER : null)
                    .build());
        }
    }

    private MajorityQuorum.VoteResult poll(long from, boolean granted) {
        trk.recordVote(from, granted);
        return trk.tallyVotes();
    }

    private void handleVoteRequest(Message m) {
        boolean pre = m.type() == MessageType.PRE_VOTE;
        MessageType respType = pre ? MessageType.PRE_VOTE_RESP : MessageType.VOTE_RESP;
        // §5.2 at most one vote per term; a pre-vote for a future term promises nothing.
        boolean canVote = vote == m.from() || (vote == NONE && lead == NONE) || (pre && m.term() > term);
        // §5.4.1 election restriction: only a candidate whose log is at least as up to date.
        if (canVote && log.isUpToDate(m.index(), m.logTerm())) {
            send(Message.builder(respType).to(m.from()).term(m.term()).build());
            if (!pre) {
                electionElapsed = 0;
                vote = m.from();
            }
        } else {
            send(Message.builder(respType).to(m.from()).term(term).reject(true).build());
        }
    }

    // ---------------------------------------------------------------- step

    void step(Message m) {
        if (m.term() == 0) {
            // Local message, or one forwarded without a term (READ_INDEX, TRANSFER_LEADER, PROP).
        } else if (m.term() > term) {
            if (m.type() == MessageType.VOTE || m.type() == MessageType.PRE_VOTE) {
                boolean force = Arrays.equals(m.context(), Message.CAMPAIGN_TRANSFER);
                if (!force && inLease()) {
                    // Leader stickiness (§4.2.3): we heard from a live leader within the minimum
                    // election timeout, so this candidate must not disrupt it.
                    return;
                }
            }
            if (m.type() == MessageType.PRE_VOTE) {
                // Never change our term in response to a pre-vote.
            } else if (m.type() == MessageType.PRE_VOTE_RESP && !m.reject()) {
                // The term moves when the pre-candidate wins, not on each grant.
            } else if (m.type() == MessageType.APP
                    || m.type() == MessageType.HEARTBEAT
                    || m.type() == MessageType.SNAP) {
                becomeFollower(m.term(), m.from());
            } else if (m.type() == MessageType.VOTE && state != StateType.LEADER) {
                // §5.2: a follower's election timer restarts when it hears from a leader or grants a
                // vote (handleVoteRequest), not when a candidate merely shows a higher term. A voter
                // behind in its log that campaigns often (a fast clock) would otherwise keep
                // resetting the one member able to win, and no leader is ever elected (simulation
                // seed 4000157574).
                int elapsed = electionElapsed;
                int timeout = randomizedElectionTimeout;
                becomeFollower(m.term(), NONE);
                electionElapsed = elapsed;
                randomizedElectionTimeout = timeout;
            } else {
                becomeFollower(m.term(), NONE);
            }
        } else if (m.term() < term) {
            if ((cfg.checkQuorum() || cfg.preVote())
                    && (m.type() == MessageType.HEARTBEAT || m.type() == MessageType.APP)) {
                // A stale leader (e.g. one that was partitioned) learns our term and steps down;
                // with check-quorum or pre-vote our term would otherwise never reach it.
                send(Message.builder(MessageType.APP_RESP).to(m.from()).build());
            } else if (m.type() == MessageType.PRE_VOTE || m.type() == MessageType.VOTE) {
                // §5.1: a request with a stale term is rejected, and the reply carries our term. A
                // candidate whose vote requests were silently dropped would never learn the term
                // it must pass: after a membership change, a lagging voter still in the old
                // configuration campaigns (and bumps its term) as often as the new configuration's
                // candidate does, and the two can stay apart for ever (simulation seed 917012590).
                MessageType resp = m.type() == MessageType.VOTE ? MessageType.VOTE_RESP : MessageType.PRE_VOTE_RESP;
                send(Message.builder(resp).to(m.from()).term(term).reject(true).build());
            }
            return;
        }
        switch (m.type()) {
            case HUP -> hup(false);
            case VOTE, PRE_VOTE -> handleVoteRequest(m);
            default -> stepRole.accept(m);
        }
    }

    /**
     * Whether this node refuses (pre-)votes for a higher term that are not a leadership transfer:
     * with check-quorum, while it heard from a leader (or is the leader) within the last
     * {@code electionTicks} ticks — the <em>minimum</em> election timeout, never the randomized one —
     * and during the first {@code electionTicks} ticks after it started, since a restarted node has
     * forgotten whose heartbeat it acknowledged just before it stopped. Leader leases rest on this
     * promise (see {@link #leaseValid()}).
     */
    private boolean inLease() {
        if (!cfg.checkQuorum()) {
            return false;
        }
        return (lead != NONE && electionElapsed < cfg.electionTicks()) || now < cfg.electionTicks();
    }

    private void stepFollower(Message m) {
        switch (m.type()) {
            case APP -> {
                electionElapsed = 0;
                lead = m.from();
                handleAppendEntries(m);
            }
            case HEARTBEAT -> {
                electionElapsed = 0;
                lead = m.from();
                handleHeartbeat(m);
            }
            case SNAP -> {
                electionElapsed = 0;
                lead = m.from();
                handleSnapshot(m);
            }
            case TRANSFER_LEADER, READ_INDEX -> {
                if (lead != NONE) {
                    send(m.toBuilder().to(lead).build());
                }
            }
            case TIMEOUT_NOW -> hup(true);
            case READ_INDEX_RESP -> readStates.add(new ReadState(m.index(), m.context()));
            default -> {
                // Responses meant for a leader or candidate of an earlier role: ignore.
            }
        }
    }

    private void stepCandidate(Message m) {
        MessageType myVoteResp = state == StateType.PRE_CANDIDATE ? MessageType.PRE_VOTE_RESP : MessageType.VOTE_RESP;
        switch (m.type()) {
            case APP -> {
                becomeFollower(m.term(), m.from());
                handleAppendEntries(m);
            }
            case HEARTBEAT -> {
                becomeFollower(m.term(), m.from());
                handleHeartbeat(m);
            }
            case SNAP -> {
                becomeFollower(m.term(), m.from());
                handleSnapshot(m);
            }
            default -> {
                if (m.type() != myVoteResp) {
                    return;
                }
                switch (poll(m.from(), !m.reject())) {
                    case WON -> {
                        if (state == StateType.PRE_CANDIDATE) {
                            campaign(false, false);
                        } else {
                            becomeLeader();
                        }
                    }
                    case LOST -> becomeFollower(term, NONE);
                    case PENDING -> {}
                }
            }
        }
    }

    private void stepLeader(Message m) {
        switch (m.type()) {
            case BEAT -> {
                bcastHeartbeat(readOnly.lastPendingContext());
                return;
            }
            case CHECK_QUORUM -> {
                checkQuorum();
                return;
            }
            case READ_INDEX -> {
                handleReadIndex(m);
                return;
            }
            default -> {}
        }
        Progress pr = trk.progress(m.from());
        if (pr == null) {
            return;
        }
        switch (m.type()) {
            case APP_RESP -> handleAppendResponse(m, pr);
            case HEARTBEAT_RESP -> handleHeartbeatResponse(m, pr);
            case SNAP_STATUS -> {
                if (pr.state != ProgressState.SNAPSHOT) {
                    return;
                }
                if (m.reject()) {
                    // Failed: probe again from the match index after a heartbeat interval.
                    pr.pendingSnapshot = 0;
                }
                pr.becomeProbe();
                pr.flowPaused = true;
            }
            case UNREACHABLE -> {
                if (pr.state == ProgressState.REPLICATE) {
                    pr.becomeProbe();
                }
            }
            case TRANSFER_LEADER -> handleTransferLeader(m.from(), pr);
            default -> {}
        }
    }

    // ---------------------------------------------------------------- follower handlers

    private void handleAppendEntries(Message m) {
        if (m.index() < log.committed()) {
            sendAck(m.from(), log.committed());
            return;
        }
        long lastNew = log.maybeAppend(m.index(), m.logTerm(), m.commit(), m.entries());
        if (lastNew >= 0) {
            sendAck(m.from(), lastNew);
            return;
        }
        // §5.3 with fast backtracking: tell the leader where our log may still match.
        long hintIndex = Math.min(m.index(), log.lastIndex());
        long[] hint = log.findConflictByTerm(hintIndex, m.logTerm());
        send(Message.builder(MessageType.APP_RESP)
                .to(m.from())
                .index(m.index())
                .reject(true)
                .rejectHint(hint[0])
                .logTerm(hint[1])
                .build());
    }

    private void handleHeartbeat(Message m) {
        log.commitTo(m.commit());
        // Echo the round's start (the leader's clock) so the leader can extend its lease.
        send(Message.builder(MessageType.HEARTBEAT_RESP)
                .to(m.from())
                .index(m.index())
                .context(m.context())
                .build());
    }

    private void handleSnapshot(Message m) {
        Snapshot s = m.snapshot();
        if (s == null || s.isEmpty()) {
            throw new IllegalStateException("node " + id + ": SNAP from " + m.from() + " carries no snapshot");
        }
        sendAck(m.from(), restore(s) ? log.lastIndex() : log.committed());
    }

    /** Acknowledges that our log matches the leader's up to {@code index} (once durable). */
    private void sendAck(long to, long index) {
        send(Message.builder(MessageType.APP_RESP).to(to).index(index).build());
        ackedEntryTerms.put(msgsAfterPersist.get(msgsAfterPersist.size() - 1), log.termOrZero(index));
    }

    /**
     * Takes the messages that wait for durability, dropping acknowledgements whose entry was
     * truncated since (the leader probes again; an ack must never promise entries we lost).
     */
    List<Message> takePersistedMessages() {
        List<Message> out = new ArrayList<>(msgsAfterPersist.size());
        for (Message m : msgsAfterPersist) {
            Long term = ackedEntryTerms.get(m);
            if (term == null || log.termOrZero(m.index()) == term) {
                out.add(m);
            }
        }
        msgsAfterPersist = new ArrayList<>();
        ackedEntryTerms.clear();
        return out;
    }

    /**
     * Installs a leader's snapshot unless we already have its last entry (then only the commit
     * index moves). Unlike etcd, a snapshot whose configuration does not list this node is accepted:
     * it is committed state from the legitimate leader, and refusing it could keep a joining node
     * from ever catching up when the leader's newest snapshot predates the node's addition.
     */
    private boolean restore(Snapshot s) {
        SnapshotMetadata meta = s.metadata();
        if (meta.index() <= log.committed()) {
            return false;
        }
        if (state != StateType.FOLLOWER) {
            throw new IllegalStateException(
                    "node " + id + " in state " + state + " asked to restore a snapshot at " + meta.index());
        }
        if (log.matchTerm(meta.index(), meta.term())) {
            log.commitTo(meta.index());
            return false;
        }
        log.restore(s);
        trk.restore(meta.confState(), log.lastIndex());
        confIndex = meta.index();
        return true;
    }

    // ---------------------------------------------------------------- leader handlers

    private void handleAppendResponse(Message m, Progress pr) {
        pr.recentActive = true;
        if (m.reject()) {
            long nextProbe = m.rejectHint();
            if (m.logTerm() > 0) {
                // Skip every entry of ours whose term is above the follower's term at the hint.
                nextProbe = log.findConflictByTerm(m.rejectHint(), m.logTerm())[0];
            }
            if (pr.maybeDecrTo(m.index(), nextProbe)) {
                if (pr.state == ProgressState.REPLICATE) {
                    pr.becomeProbe();
                }
                sendAppend(m.from());
            }
            return;
        }
        if (pr.maybeUpdate(m.index()) || (pr.match == m.index() && pr.state == ProgressState.PROBE)) {
            switch (pr.state) {
                case PROBE -> pr.becomeReplicate();
                case SNAPSHOT -> {
                    if (pr.match + 1 >= log.firstIndex()) {
                        // The follower caught up past what was compacted: plain appends work again.
                        pr.becomeProbe();
                        pr.becomeReplicate();
                    }
                }
                case REPLICATE -> pr.inflights.freeLE(m.index());
            }
            maybeCommitAndRelease();
            while (maybeSendAppend(m.from(), false)) {
                // Pipeline as many size-limited messages as the window allows.
            }
            if (m.from() == leadTransferee && pr.match == log.lastIndex()) {
                sendTimeoutNow(m.from());
            }
        }
    }

    private void handleHeartbeatResponse(Message m, Progress pr) {
        pr.recentActive = true;
        pr.flowPaused = false;
        if (pr.match < log.lastIndex() || pr.state == ProgressState.PROBE) {
            sendAppend(m.from());
        }
        // The round started at m.index() on our clock (never believe a start in our future).
        heartbeatAcks.merge(m.from(), Math.min(m.index(), now), Math::max);
        if (m.context().length == 0) {
            return;
        }
        Map<Long, Boolean> acks = readOnly.recvAck(m.from(), m.context());
        if (acks == null || MajorityQuorum.voteResult(trk.voters(), acks) != MajorityQuorum.VoteResult.WON) {
            return;
        }
        for (ReadOnlyQueue.Pending p : readOnly.releaseUpTo(m.context())) {
            respondToRead(p.request, p.commitIndex);
        }
    }

    private void handleTransferLeader(long transferee, Progress pr) {
        if (pr.learner) {
            return;
        }
        if (leadTransferee != NONE) {
            if (leadTransferee == transferee) {
                return;
            }
            leadTransferee = NONE;
        }
        if (transferee == id) {
            return;
        }
        // The transfer must finish within one election timeout (§3.10), counted from now.
        electionElapsed = 0;
        leadTransferee = transferee;
        leaseForfeited = true;
        if (pr.match == log.lastIndex()) {
            sendTimeoutNow(transferee);
        } else {
            sendAppend(transferee);
        }
    }

    private void sendTimeoutNow(long to) {
        send(Message.builder(MessageType.TIMEOUT_NOW).to(to).build());
    }

    private void handleReadIndex(Message m) {
        if (trk.isSingleVoter(id)) {
            respondToRead(m, log.committed());
            return;
        }
        if (!committedEntryInCurrentTerm()) {
            // §6.4 step 1: the commit index is only known to be current after our no-op commits.
            if (deferredReads.size() < MAX_DEFERRED_READS) {
                deferredReads.addLast(m);
            }
            return;
        }
        confirmAndRespond(m);
    }

    private void confirmAndRespond(Message m) {
        if (readOnly.isFull() && !readOnly.contains(m.context())) {
            return;
        }
        readOnly.add(log.committed(), m);
        readOnly.recvAck(id, m.context());
        readHeartbeatPending = true;
    }

    private void respondToRead(Message request, long index) {
        if (request.from() == NONE || request.from() == id) {
            readStates.add(new ReadState(index, request.context()));
        } else {
            send(Message.builder(MessageType.READ_INDEX_RESP)
                    .to(request.from())
                    .index(index)
                    .context(request.context())
                    .build());
        }
    }

    boolean committedEntryInCurrentTerm() {
        return log.termOrZero(log.committed()) == term;
    }

    /** Advances the commit index from the quorum's matches; on success followers learn it at the next Ready. */
    private void maybeCommitAndRelease() {
        if (log.maybeCommit(trk.committed(), term)) {
            broadcastPending = true;
            if (committedEntryInCurrentTerm()) {
                while (!deferredReads.isEmpty()) {
                    confirmAndRespond(deferredReads.pollFirst());
                }
            }
        }
    }

    // ---------------------------------------------------------------- sending

    /** Sends pending appends and read heartbeats; called when the driver collects a Ready. */
    void flushBroadcasts() {
        if (state != StateType.LEADER) {
            broadcastPending = false;
            readHeartbeatPending = false;
            return;
        }
        if (broadcastPending) {
            broadcastPending = false;
            for (long to : trk.allProgress().keySet()) {
                if (to == id) {
                    continue;
                }
                sendAppend(to);
                while (maybeSendAppend(to, false)) {
                    // Pipeline up to the in-flight window.
                }
            }
        }
        if (readHeartbeatPending) {
            readHeartbeatPending = false;
            bcastHeartbeat(readOnly.lastPendingContext());
        }
    }

    private void sendAppend(long to) {
        maybeSendAppend(to, true);
    }

    /**
     * Sends {@code to} the entries after its {@code next} (or a snapshot if they were compacted).
     *
     * @param sendIfEmpty send even without entries (to carry the commit index or probe)
     * @return whether a message was sent
     */
    private boolean maybeSendAppend(long to, boolean sendIfEmpty) {
        Progress pr = trk.progress(to);
        if (pr == null || pr.isPaused()) {
            return false;
        }
        long prevIndex = pr.next - 1;
        long prevTerm;
        List<Entry> ents = List.of();
        try {
            prevTerm = log.term(prevIndex);
            // A full window only gets empty appends: they let a follower whose acks were lost recover.
            if (pr.state != ProgressState.REPLICATE || !pr.inflights.full()) {
                ents = log.entriesFrom(pr.next, cfg.maxSizePerMsgBytes());
            }
        } catch (StorageException.Compacted e) {
            return maybeSendSnapshot(to, pr);
        }
        if (ents.isEmpty() && !sendIfEmpty) {
            return false;
        }
        send(Message.builder(MessageType.APP)
                .to(to)
                .index(prevIndex)
                .logTerm(prevTerm)
                .entries(ents)
                .commit(log.committed())
                .build());
        pr.sentEntries(ents.size());
        return true;
    }

    private boolean maybeSendSnapshot(long to, Progress pr) {
        if (!pr.recentActive) {
            return false;
        }
        Snapshot snap;
        try {
            snap = log.snapshot();
        } catch (StorageException.SnapshotTemporarilyUnavailable e) {
            return false;
        }
        if (snap.isEmpty()) {
            throw new IllegalStateException("node " + id + ": follower " + to + " needs index " + pr.next
                    + " which is compacted (first index " + log.firstIndex() + "), but storage has no snapshot");
        }
        pr.becomeSnapshot(snap.metadata().index());
        send(Message.builder(MessageType.SNAP).to(to).snapshot(snap).build());
        return true;
    }

    private void bcastHeartbeat(byte[] ctx) {
        for (Map.Entry<Long, Progress> e : trk.allProgress().entrySet()) {
            if (e.getKey() == id) {
                continue;
            }
            // Never tell a follower to commit beyond what it is known to hold.
            long commit = Math.min(e.getValue().match, log.committed());
            // index: the round's start on our clock, echoed back (leader lease).
            send(Message.builder(MessageType.HEARTBEAT)
                    .to(e.getKey())
                    .index(now)
                    .commit(commit)
                    .context(ctx)
                    .build());
        }
    }

    private void send(Message m) {
        Message.Builder b = m.toBuilder();
        if (m.from() == NONE) {
            b.from(id);
        }
        switch (m.type()) {
            case VOTE, PRE_VOTE, VOTE_RESP, PRE_VOTE_RESP -> {
                if (m.term() == 0) {
                    throw new IllegalStateException("term must be set when sending " + m.type());
                }
            }
            case PROP, READ_INDEX, TRANSFER_LEADER -> {
                // Forwarded to the leader as if local: the receiver must not compare terms.
            }
            default -> b.term(term);
        }
        Message out = b.build();
        if (out.type() == MessageType.APP_RESP
                || out.type() == MessageType.VOTE_RESP
                || out.type() == MessageType.PRE_VOTE_RESP) {
            msgsAfterPersist.add(out);
        } else {
            msgs.add(out);
        }
    }

    // ---------------------------------------------------------------- proposals and membership

    private void appendEntry(Entry e) {
        if (!increaseUncommittedSize(e.data().length)) {
            throw new ProposalDroppedException(
                    ProposalDroppedException.Reason.UNCOMMITTED_LIMIT_EXCEEDED,
                    id,
                    "uncommitted entries hold " + uncommittedBytes + " bytes; limit " + cfg.maxUncommittedEntriesBytes()
                            + " bytes");
        }
        log.append(List.of(e));
        broadcastPending = true;
    }

    /** Empty payloads are always accepted (the no-op must never be refused); the first entry always is. */
    private boolean increaseUncommittedSize(long bytes) {
        if (uncommittedBytes > 0 && bytes > 0 && uncommittedBytes + bytes > cfg.maxUncommittedEntriesBytes()) {
            return false;
        }
        uncommittedBytes += bytes;
        return true;
    }

    private void checkCanPropose() {
        if (state != StateType.LEADER) {
            throw new ProposalDroppedException(
                    lead == NONE
                            ? ProposalDroppedException.Reason.NO_LEADER
                            : ProposalDroppedException.Reason.NOT_LEADER,
                    lead,
                    "node " + id + " is " + state + " in term " + term + ", leader " + lead);
        }
        if (trk.progress(id) == null) {
            throw new ProposalDroppedException(
                    ProposalDroppedException.Reason.NOT_LEADER,
                    NONE,
                    "node " + id + " was removed from the configuration");
        }
        if (leadTransferee != NONE) {
            throw new ProposalDroppedException(
                    ProposalDroppedException.Reason.LEADERSHIP_TRANSFER_IN_PROGRESS,
                    id,
                    "leadership is being transferred to " + leadTransferee);
        }
    }

    long propose(EntryType type, byte[] data) {
        if (data == null) {
            throw new IllegalArgumentException("proposal data must not be null");
        }
        checkCanPropose();
        Entry e = new Entry(term, log.lastIndex() + 1, type, data);
        appendEntry(e);
        return e.index();
    }

    long proposeConfChange(ConfChange cc) {
        checkCanPropose();
        if (pendingConfIndex > log.applied()) {
            throw new ProposalDroppedException(
                    ProposalDroppedException.Reason.CONF_CHANGE_PENDING,
                    id,
                    "a conf change may be pending up to index " + pendingConfIndex + " but only " + log.applied()
                            + " is applied");
        }
        try {
            trk.simulate(cc);
        } catch (IllegalArgumentException e) {
            throw new ProposalDroppedException(ProposalDroppedException.Reason.INVALID, id, e.getMessage());
        }
        long index = propose(EntryType.CONF_CHANGE, cc.encode());
        pendingConfIndex = index;
        return index;
    }

    /**
     * Applies a committed conf change. A leader that is removed or demoted to learner steps down
     * to follower at once (like etcd's {@code StepDownOnRemoval}): the remaining voters elect a
     * new leader after their election timeout (transfer leadership first to avoid that gap).
     */
    ConfState applyConfChange(long index, ConfChange cc) {
        if (index <= confIndex) {
            // Already in force: a snapshot restored after this entry was handed out (while its
            // Ready was being written) carries the configuration as of a later index. Applying
            // the change again would roll the configuration back (simulation seed 3000011598:
            // a promoted voter turned back into a learner on one member).
            return trk.confState();
        }
        trk.apply(cc, log.lastIndex());
        confIndex = index;
        if (state == StateType.LEADER) {
            if (!trk.isVoter(id)) {
                becomeFollower(term, NONE);
            } else {
                if (leadTransferee != NONE && !trk.isVoter(leadTransferee)) {
                    leadTransferee = NONE;
                }
                // A smaller quorum may commit more; new members need probing.
                maybeCommitAndRelease();
                broadcastPending = true;
            }
        }
        return trk.confState();
    }

    /** Local read-index request (see {@link RawNode#readIndex(byte[])}). */
    void readIndex(byte[] ctx) {
        if (ctx == null) {
            throw new IllegalArgumentException("read context must not be null");
        }
        Message m =
                Message.builder(MessageType.READ_INDEX).from(id).context(ctx).build();
        if (state == StateType.LEADER) {
            if (trk.isSingleVoter(id)) {
                respondToRead(m, log.committed());
                return;
            }
            if (!committedEntryInCurrentTerm()) {
                throw new ProposalDroppedException(
                        ProposalDroppedException.Reason.NOT_COMMITTED_IN_TERM,
                        id,
                        "leader " + id + " has not committed an entry in term " + term + " yet");
            }
            if (readOnly.isFull() && !readOnly.contains(ctx)) {
                throw new ProposalDroppedException(
                        ProposalDroppedException.Reason.TOO_MANY_PENDING_READS,
                        id,
                        ReadOnlyQueue.MAX_PENDING + " read-index requests are already waiting");
            }
            confirmAndRespond(m);
            return;
        }
        if (lead == NONE) {
            throw new ProposalDroppedException(
                    ProposalDroppedException.Reason.NO_LEADER, NONE, "node " + id + " knows no leader in term " + term);
        }
        send(m.toBuilder().to(lead).build());
    }

    /**
     * Local lease read (see {@link RawNode#leaseRead(byte[])}): answered at once from the lease when
     * it holds, else by ReadIndex.
     *
     * @return whether the lease answered it
     */
    boolean leaseRead(byte[] ctx) {
        if (ctx == null) {
            throw new IllegalArgumentException("read context must not be null");
        }
        if (leaseValid()) {
            respondToRead(
                    Message.builder(MessageType.READ_INDEX)
                            .from(id)
                            .context(ctx)
                            .build(),
                    log.committed());
            return true;
        }
        readIndex(ctx);
        return false;
    }

    /**
     * Whether this leader holds a lease (Raft dissertation §6.4.1): it committed an entry of its
     * term, no leadership transfer started in this term, and
     * {@code now < leaseStart() + electionTicks − leaseDriftTicks}. The argument is in
     * {@link RawNode#leaseRead(byte[])}.
     */
    boolean leaseValid() {
        if (state != StateType.LEADER
                || !cfg.checkQuorum()
                || leaseForfeited
                || leadTransferee != NONE
                || !committedEntryInCurrentTerm()
                || trk.progress(id) == null) {
            return false;
        }
        return now < leaseStart() + cfg.electionTicks() - cfg.leaseDriftTicks();
    }

    /**
     * The start (on {@link #now}) of the newest heartbeat round a quorum of voters acknowledged in
     * this term, counting ourselves as acknowledging now; far in the past if there is none.
     */
    long leaseStart() {
        return MajorityQuorum.committedIndex(
                trk.voters(), v -> v == id ? now : heartbeatAcks.getOrDefault(v, Long.MIN_VALUE / 4));
    }

    /** Local transfer request (see {@link RawNode#transferLeadership(long)}). */
    void transferLeadership(long transferee) {
        if (transferee == NONE) {
            throw new IllegalArgumentException("transferee must not be " + NONE);
        }
        if (state == StateType.LEADER) {
            Progress pr = trk.progress(transferee);
            if (transferee != id && (pr == null || pr.learner)) {
                throw new ProposalDroppedException(
                        ProposalDroppedException.Reason.INVALID,
                        id,
                        "cannot transfer leadership to " + transferee + ": not a voter in " + trk.confState());
            }
            if (pr != null) {
                handleTransferLeader(transferee, pr);
            }
            return;
        }
        if (lead == NONE) {
            throw new ProposalDroppedException(
                    ProposalDroppedException.Reason.NO_LEADER,
                    NONE,
                    "node " + id + " knows no leader to transfer from");
        }
        send(Message.builder(MessageType.TRANSFER_LEADER)
                .to(lead)
                .from(transferee)
                .build());
    }

    // ---------------------------------------------------------------- durability feedback

    /**
     * The driver persisted {@code rd} (and applied its committed entries unless it applies
     * asynchronously). Moves the stable/applied marks, counts the leader's own durable entries
     * toward the quorum and delivers messages to self that waited for durability.
     */
    void onReadyPersisted(Ready rd, List<Message> selfMessages, boolean appliedToo) {
        if (!rd.snapshot().isEmpty()) {
            long index = rd.snapshot().metadata().index();
            log.stableSnapTo(index);
            log.appliedTo(Math.min(index, log.committed()));
        }
        if (!rd.entries().isEmpty()) {
            Entry last = rd.entries().get(rd.entries().size() - 1);
            log.stableTo(last.index(), last.term());
        }
        if (!rd.committedEntries().isEmpty()) {
            long lastCommitted =
                    rd.committedEntries().get(rd.committedEntries().size() - 1).index();
            log.applyingTo(lastCommitted);
            if (appliedToo) {
                log.appliedTo(lastCommitted);
            }
            long bytes = 0;
            for (Entry e : rd.committedEntries()) {
                bytes += e.data().length;
            }
            uncommittedBytes = Math.max(0, uncommittedBytes - bytes);
        }
        if (state == StateType.LEADER) {
            Progress self = trk.progress(id);
            if (self != null && self.maybeUpdate(log.lastDurableIndex())) {
                maybeCommitAndRelease();
            }
        }
        for (Message m : selfMessages) {
            step(m);
        }
    }

    @Override
    public String toString() {
        return "Raft{id=" + id + ", " + state + ", term=" + term + ", vote=" + vote + ", lead=" + lead + ", " + log
                + "}";
    }
}
