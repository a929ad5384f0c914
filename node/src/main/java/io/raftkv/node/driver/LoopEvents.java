package io.raftkv.node.driver;

import io.raftkv.node.kv.ApplyResult;
import io.raftkv.node.transport.PeerTransport;
import io.raftkv.raft.ConfChange;
import io.raftkv.raft.ConfChangeType;
import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.Ready;
import io.raftkv.raft.SoftState;
import io.raftkv.raft.StateType;
import io.raftkv.raft.loop.ReadyLoop;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@link RaftDriver} does on its {@link ReadyLoop}'s events, all on the driver's context: a
 * Ready's soft state (role and leader: reads fail over, membership commands learn the leader, the
 * observer counts leader changes) and term (log context); read states released; a snapshot restored
 * fails the proposals it replaced; a conf change updates the member directory and the transport;
 * applied entries complete proposals and reads, may take a snapshot and finish membership commands;
 * persist latency goes to the loop-latency counters and the observer; a halt goes to the driver.
 *
 * <p>Confined to the context: the role, leader and term it keeps are read there only.
 */
final class LoopEvents implements ReadyLoop.Events<List<ApplyResult>> {
    private static final Logger LOG = LoggerFactory.getLogger(RaftDriver.class);

    private final LongSupplier appliedIndex;
    private final Supplier<PeerTransport> transport;
    private final Supplier<DriverObserver> observer;
    private final ProposalTracker proposals;
    private final ReadIndexQueue reads;
    private final SnapshotCoordinator snapshots;
    private final MembershipCommands membership;
    private final MemberDirectory members;
    private final LoopLatency loopLatency;
    private final BiConsumer<String, Throwable> halt;

    private StateType role = StateType.FOLLOWER;
    private long leaderId;
    private long term;

    /**
     * @param term         the term of the durable hard state at start
     * @param appliedIndex the loop's applied index
     * @param transport    the transport, once attached
     * @param observer     the driver's current observer
     * @param halt         halts the driver (what failed, why)
     */
    LoopEvents(
            long term,
            LongSupplier appliedIndex,
            Supplier<PeerTransport> transport,
            Supplier<DriverObserver> observer,
            ProposalTracker proposals,
            ReadIndexQueue reads,
            SnapshotCoordinator snapshots,
            MembershipCommands membership,
            MemberDirectory members,
            LoopLatency loopLatency,
            BiConsumer<String, Throwable> halt) {
        this.term = term;
        this.appliedIndex = appliedIndex;
        this.transport = transport;
        this.observer = observer;
        this.proposals = proposals;
        this.reads = reads;
        this.snapshots = snapshots;
        this.membership = membership;
        this.members = members;
        this.loopLatency = loopLatency;
        this.halt = halt;
    }

    StateType role() {
        return role;
    }

    long leaderId() {
        return leaderId;
    }

    long term() {
        return term;
    }

    @Override
    public void onReady(Ready rd) {
        if (rd.softState() != null) {
            onSoftState(rd.softState());
        }
        if (rd.hardState() != null && rd.hardState().term() != term) {
            term = rd.hardState().term();
            NodeLogging.setTerm(term);
        }
        if (!rd.readStates().isEmpty()) {
            reads.onReadStates(rd.readStates(), appliedIndex.getAsLong());
        }
    }

    @Override
    public void onPersisted(Ready rd) {
        if (!rd.snapshot().isEmpty()) {
            long index = rd.snapshot().metadata().index();
            LOG.info(
                    "restored from snapshot at index {} term {}",
                    index,
                    rd.snapshot().metadata().term());
            proposals.failUpTo(index, "the log was replaced by a snapshot");
        }
    }

    @Override
    public void onConfChange(Entry e, ConfChange cc, ConfState cs) {
        if (cc.type() == ConfChangeType.REMOVE) {
            members.remove(cc.nodeId());
            transport.get().removePeer(cc.nodeId());
        } else {
            try {
                MemberAddresses a = MemberAddresses.decodeOrNull(cc.context());
                if (a != null) {
                    members.putMembership(cc.nodeId(), a);
                }
            } catch (IllegalArgumentException bad) {
                LOG.warn("conf change at {} carries unreadable addresses: {}", e.index(), bad.getMessage());
            }
        }
        LOG.info(
                "membership change at index {}: {} {} -> voters {} learners {}",
                e.index(),
                cc.type(),
                cc.nodeId(),
                cs.voters(),
                cs.learners());
    }

    @Override
    public void onApplied(List<Entry> committed, List<ApplyResult> results, long appliedIndex) {
        proposals.onApplied(committed, results);
        reads.onApplied(appliedIndex);
        snapshots.maybeSnapshot(appliedIndex);
        membership.afterApply(appliedIndex);
    }

    @Override
    public void onPersistLatency(long nanos, long now) {
        loopLatency.onPersisted(nanos, now);
        observer.get().persisted(nanos);
    }

    @Override
    public void onHalt(String what, Throwable cause) {
        halt.accept(what, cause);
    }

    private void onSoftState(SoftState ss) {
        StateType oldRole = role;
        long oldLeader = leaderId;
        role = ss.state();
        leaderId = ss.leader();
        if (oldLeader != leaderId) {
            LOG.info("leader changed from {} to {} (this node: {})", oldLeader, leaderId, role);
            if (leaderId != 0) {
                observer.get().leaderChanged(leaderId);
            }
            reads.onLeaderChange("leader changed from " + oldLeader + " to " + leaderId);
            membership.onLeaderChange(leaderId);
        } else if (oldRole != role) {
            LOG.info("role changed from {} to {}", oldRole, role);
        }
    }
}
