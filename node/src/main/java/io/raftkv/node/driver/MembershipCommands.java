package io.raftkv.node.driver;

import io.raftkv.node.kv.ApplyResult;
import io.raftkv.node.storage.RaftLogStorage;
import io.raftkv.raft.ConfChange;
import io.raftkv.raft.ConfChangeType;
import io.raftkv.raft.ConfState;
import io.raftkv.raft.FollowerProgress;
import io.raftkv.raft.RawNode;
import io.raftkv.raft.StateType;
import io.raftkv.raft.Status;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Membership changes and leadership transfer, validated on the driver's context before anything
 * reaches the core, so bad requests get a precise error (NOT_FOUND, ALREADY_EXISTS,
 * FAILED_PRECONDITION, INVALID_ARGUMENT) instead of a generic refusal. One change at a time: the
 * core refuses a second while one is pending (single-server changes, Raft dissertation §4.1).
 *
 * <p>Each change's ConfChange context carries the member's addresses ({@link MemberAddresses}), so
 * every replica learns them from the log. A change's future completes when its entry is applied
 * locally (through {@link ProposalTracker}, by index and term).
 */
final class MembershipCommands {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(MembershipCommands.class);
    /** New ids are drawn from [2^16, 2^48): never reused in practice, still readable. */
    private static final long MIN_FRESH_ID = 1L << 16;

    private static final long FRESH_ID_SPAN = (1L << 48) - MIN_FRESH_ID;

    private record TransferWaiter(long target, Promise<Void> promise, long deadlineNanos, long timeoutMs) {}

    private final RaftDriver driver;
    private final RawNode rawNode;
    private final RaftLogStorage raftLog;
    private final MemberDirectory members;
    private final ProposalTracker proposals;
    private final SnapshotCoordinator snapshots;
    private final DriverOptions options;
    private final SecureRandom random = new SecureRandom();
    private final List<TransferWaiter> transfers = new ArrayList<>();
    /** A proposal writing the bootstrap configuration into the log is in flight (driver context). */
    private boolean bootstrapConfProposed;
    /** A compaction past the bootstrap configuration is running or done (driver context). */
    private boolean compactingPastBootstrap;

    MembershipCommands(
            RaftDriver driver,
            RawNode rawNode,
            RaftLogStorage raftLog,
            MemberDirectory members,
            ProposalTracker proposals,
            SnapshotCoordinator snapshots,
            DriverOptions options) {
        this.driver = driver;
        this.rawNode = rawNode;
        this.raftLog = raftLog;
        this.members = members;
        this.proposals = proposals;
        this.snapshots = snapshots;
        this.options = options;
    }

    /**
     * After every apply (driver context): commits the bootstrap configuration if needed, then drops
     * log entry 1 behind a snapshot. Every bootstrapped voter does this once it has applied the
     * configuration. The initial voters live in storage, not in the log, so a member added later
     * must start from a snapshot; if any voter that may become leader kept its log from index 1, it
     * would replicate that log to the new member, which then applies conf changes to an empty
     * configuration and halts. Compacting only on the leader that adds the member is not enough:
     * leadership moves. The snapshot must carry the configuration, hence the wait for
     * {@link #maybeCommitBootstrapConf}.
     */
    void afterApply(long appliedIndex) {
        maybeCommitBootstrapConf();
        if (compactingPastBootstrap || raftLog.firstIndex() > 1 || appliedIndex < 1 || !appliedConfKnown()) {
            return;
        }
        compactingPastBootstrap = true;
        snapshots.ensureLogStartsAfterBootstrap().onComplete(ar -> {
            if (ar.failed()) {
                LOG.warn(
                        "compacting the log past the bootstrap configuration failed (will retry): {}",
                        ar.cause().getMessage());
                compactingPastBootstrap = false;
            } else {
                LOG.info("log compacted past the bootstrap configuration; first index now {}", raftLog.firstIndex());
            }
        });
    }

    /**
     * Whether the configuration the state machine has applied is known. A bootstrapped cluster's
     * initial voters live in storage, not in the log, so until {@link #maybeCommitBootstrapConf} ran
     * the state machine (and every snapshot taken from it) has an empty configuration, and a member
     * started from such a snapshot could not apply anything.
     */
    boolean appliedConfKnown() {
        return !stateMachineConf().isEmpty();
    }

    /**
     * Leader only, once per cluster: writes the bootstrap configuration into the log as a no-op
     * change (ADD_VOTER of the leader itself, carrying its addresses), as etcd writes its bootstrap
     * ConfChange entries. When applied, the state machine records the whole configuration, so every
     * later snapshot carries it, and every replica learns the leader's addresses from the log.
     * Retried at the next call if the core refuses it (e.g. a change is already pending).
     */
    void maybeCommitBootstrapConf() {
        if (bootstrapConfProposed || driver.role() != StateType.LEADER || appliedConfKnown()) {
            return;
        }
        try {
            bootstrapConfProposed = true;
            propose(new ConfChange(ConfChangeType.ADD_VOTER, driver.selfId(), addressContext(driver.selfId())))
                    .onComplete(ar -> bootstrapConfProposed = false);
        } catch (io.raftkv.raft.ProposalDroppedException e) {
            bootstrapConfProposed = false;
        }
    }

    private io.raftkv.raft.ConfState stateMachineConf() {
        return driver.stateMachine().confState();
    }

    void addLearner(long idOrZero, String peerAddress, String clientAddress, Promise<Long> result) {
        if (idOrZero < 0) {
            throw invalid("member id must be positive, got " + idOrZero);
        }
        MemberAddresses addresses;
        try {
            addresses = new MemberAddresses(peerAddress, clientAddress);
        } catch (IllegalArgumentException e) {
            throw invalid("bad member address: " + e.getMessage());
        }
        long id = checkNewMember(idOrZero, addresses);
        if (!appliedConfKnown()) {
            throw new UnavailableException(
                    "the cluster's bootstrap configuration is not committed to the log yet;" + " retry in a moment");
        }
        // The new member must start from a snapshot (see ensureLogStartsAfterBootstrap); the checks
        // run again afterwards because leadership or membership may have changed meanwhile.
        snapshots.ensureLogStartsAfterBootstrap().onComplete(ready -> {
            if (ready.failed()) {
                result.tryFail(ready.cause());
                return;
            }
            try {
                checkNewMember(id, addresses);
                propose(new ConfChange(ConfChangeType.ADD_LEARNER, id, addresses.encode()))
                        .map(r -> id)
                        .onComplete(result);
            } catch (RaftNodeException e) {
                result.tryFail(e);
            } catch (io.raftkv.raft.ProposalDroppedException e) {
                result.tryFail(driver.mapDropped(e));
            }
        });
    }

    /** Validates a new member on the leader; returns its id (a fresh one for 0). */
    private long checkNewMember(long idOrZero, MemberAddresses addresses) {
        requireLeader();
        ConfState cs = rawNode.status().confState();
        long id = idOrZero != 0 ? idOrZero : freshId(cs);
        if (cs.isMember(id)) {
            throw new RaftNodeException(RaftNodeException.Code.ALREADY_EXISTS, "member " + id + " already exists");
        }
        long holder = members.memberWithPeerAddress(addresses.peerAddress(), allMembers(cs), id);
        if (holder != 0) {
            throw new RaftNodeException(
                    RaftNodeException.Code.ALREADY_EXISTS,
                    "peer address " + addresses.peerAddress() + " already belongs to member " + holder);
        }
        return id;
    }

    void promote(long id, Promise<Void> result) {
        requireLeader();
        Status st = rawNode.status();
        ConfState cs = st.confState();
        if (!cs.isMember(id)) {
            throw notFound(id);
        }
        if (cs.voters().contains(id)) {
            result.complete(); // already a voter: promoting is idempotent
            return;
        }
        FollowerProgress pr = st.progress().get(id);
        long last = raftLog.lastIndex();
        if (pr == null || !pr.recentActive() || last - pr.match() > options.promoteMaxLagEntries()) {
            throw new RaftNodeException(
                    RaftNodeException.Code.LEARNER_NOT_CAUGHT_UP,
                    "learner " + id
                            + " has not caught up: match index " + (pr == null ? 0 : pr.match())
                            + ", leader's last index "
                            + last + ", allowed lag " + options.promoteMaxLagEntries()
                            + (pr != null && !pr.recentActive() ? ", not heard from recently" : ""));
        }
        propose(new ConfChange(ConfChangeType.ADD_VOTER, id, addressContext(id)))
                .<Void>mapEmpty()
                .onComplete(result);
    }

    void remove(long id, Promise<Void> result) {
        requireLeader();
        ConfState cs = rawNode.status().confState();
        if (!cs.isMember(id)) {
            throw notFound(id);
        }
        if (cs.voters().size() == 1 && cs.voters().contains(id)) {
            throw new RaftNodeException(
                    RaftNodeException.Code.FAILED_PRECONDITION,
                    "member " + id + " is the only voter; removing it would leave no cluster");
        }
        propose(new ConfChange(ConfChangeType.REMOVE, id, null))
                .<Void>mapEmpty()
                .onComplete(result);
    }

    /** Hands leadership to {@code idOrZero} (0: most caught-up other voter); completes when it leads. */
    Future<Void> transfer(long idOrZero, long timeoutMs) {
        if (idOrZero != 0 && idOrZero == driver.leaderId()) {
            return Future.succeededFuture();
        }
        try {
            requireLeader();
            Status st = rawNode.status();
            ConfState cs = st.confState();
            long target = idOrZero != 0 ? idOrZero : mostCaughtUpVoter(st);
            if (target == 0) {
                throw new RaftNodeException(
                        RaftNodeException.Code.FAILED_PRECONDITION,
                        "there is no other voter to transfer leadership to");
            }
            if (!cs.isMember(target)) {
                throw notFound(target);
            }
            if (!cs.voters().contains(target)) {
                throw new RaftNodeException(
                        RaftNodeException.Code.FAILED_PRECONDITION,
                        "member " + target + " is a learner and cannot lead");
            }
            rawNode.transferLeadership(target);
            Promise<Void> p = Promise.promise();
            transfers.add(new TransferWaiter(target, p, System.nanoTime() + timeoutMs * 1_000_000L, timeoutMs));
            return p.future();
        } catch (RaftNodeException e) {
            return Future.failedFuture(e);
        } catch (io.raftkv.raft.ProposalDroppedException e) {
            return Future.failedFuture(driver.mapDropped(e));
        }
    }

    void onLeaderChange(long newLeader) {
        Iterator<TransferWaiter> it = transfers.iterator();
        while (it.hasNext()) {
            TransferWaiter w = it.next();
            if (newLeader == w.target) {
                it.remove();
                w.promise.tryComplete();
            } else if (newLeader != 0 && newLeader != driver.selfId()) {
                it.remove();
                w.promise.tryFail(new RaftNodeException(
                        RaftNodeException.Code.ABORTED, "leadership went to " + newLeader + " instead of " + w.target));
            }
        }
    }

    void expire(long nowNanos) {
        Iterator<TransferWaiter> it = transfers.iterator();
        while (it.hasNext()) {
            TransferWaiter w = it.next();
            if (nowNanos - w.deadlineNanos >= 0) {
                it.remove();
                w.promise.tryFail(new RaftNodeException(
                        RaftNodeException.Code.DEADLINE_EXCEEDED,
                        "member " + w.target + " did not take over leadership within " + w.timeoutMs + " ms"));
            }
        }
    }

    void failAll(RaftNodeException cause) {
        transfers.forEach(w -> w.promise.tryFail(cause));
        transfers.clear();
    }

    private Future<ApplyResult> propose(ConfChange cc) {
        long index = rawNode.proposeConfChange(cc);
        Promise<ApplyResult> p = Promise.promise();
        proposals.add(index, rawNode.status().hardState().term(), p, System.nanoTime());
        return p.future();
    }

    private long mostCaughtUpVoter(Status st) {
        long best = 0;
        long bestMatch = -1;
        for (Map.Entry<Long, FollowerProgress> e : st.progress().entrySet()) {
            long id = e.getKey();
            if (id != driver.selfId()
                    && st.confState().voters().contains(id)
                    && e.getValue().match() > bestMatch) {
                best = id;
                bestMatch = e.getValue().match();
            }
        }
        return best;
    }

    private byte[] addressContext(long id) {
        String peer = members.peerAddress(id);
        return peer == null ? null : new MemberAddresses(peer, members.clientAddress(id)).encode();
    }

    private long freshId(ConfState cs) {
        while (true) {
            long id = MIN_FRESH_ID + Math.floorMod(random.nextLong(), FRESH_ID_SPAN);
            if (!cs.isMember(id)) {
                return id;
            }
        }
    }

    private void requireLeader() {
        if (driver.role() != StateType.LEADER) {
            long leader = driver.leaderId();
            if (leader == 0) {
                throw new NoLeaderException("no leader is known; an election is in progress");
            }
            throw new NotLeaderException(leader, members.clientAddress(leader));
        }
    }

    private static Set<Long> allMembers(ConfState cs) {
        Set<Long> all = new TreeSet<>(cs.voters());
        all.addAll(cs.learners());
        return all;
    }

    private static RaftNodeException notFound(long id) {
        return new RaftNodeException(RaftNodeException.Code.NOT_FOUND, "no member with id " + id);
    }

    private static RaftNodeException invalid(String message) {
        return new RaftNodeException(RaftNodeException.Code.INVALID_ARGUMENT, message);
    }
}
