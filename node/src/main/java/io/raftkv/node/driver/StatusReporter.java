package io.raftkv.node.driver;

import io.raftkv.node.storage.NodeStorage;
import io.raftkv.node.storage.RaftLogStorage;
import io.raftkv.raft.ConfState;
import io.raftkv.raft.FollowerProgress;
import io.raftkv.raft.RawNode;
import io.raftkv.raft.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Publishes a {@link NodeStatus} built on the driver's context (where the core may be read) into a
 * volatile field that any thread may read without blocking. Refreshed every tick, so a reader sees
 * a view at most one tick old whose numbers belong together.
 *
 * <p>Refreshing runs on the event loop, so it reads nothing that may block: the cluster id is a
 * constant of the storage, and the database size is the storage's cached measurement (taken by
 * its own thread), a volatile read.
 */
final class StatusReporter {
    private final long selfId;
    private final RawNode rawNode;
    private final RaftLogStorage raftLog;
    private final NodeStorage storage;
    private final MemberDirectory members;
    private volatile NodeStatus current;

    StatusReporter(long selfId, RawNode rawNode, RaftLogStorage raftLog, NodeStorage storage, MemberDirectory members) {
        this.selfId = selfId;
        this.rawNode = rawNode;
        this.raftLog = raftLog;
        this.storage = storage;
        this.members = members;
    }

    NodeStatus current() {
        return current;
    }

    /** Rebuilds the view; driver context only. */
    void refresh(long appliedIndex, boolean healthy) {
        Status st = rawNode.status();
        ConfState cs = st.confState();
        long leader = st.softState().leader();
        long last = raftLog.lastIndex();
        List<NodeStatus.Member> ms = new ArrayList<>();
        TreeSet<Long> ids = new TreeSet<>(cs.voters());
        ids.addAll(cs.learners());
        for (long id : ids) {
            String peer = members.peerAddress(id);
            ms.add(new NodeStatus.Member(
                    id, cs.learners().contains(id), peer == null ? "" : peer, members.clientAddress(id)));
        }
        List<NodeStatus.FollowerLag> lags = new ArrayList<>();
        for (Map.Entry<Long, FollowerProgress> e : st.progress().entrySet()) {
            if (e.getKey() == selfId) {
                continue;
            }
            FollowerProgress p = e.getValue();
            lags.add(new NodeStatus.FollowerLag(
                    e.getKey(),
                    p.match(),
                    p.next(),
                    Math.max(0, last - p.match()),
                    p.state(),
                    p.recentActive(),
                    p.learner()));
        }
        lags.sort((a, b) -> Long.compare(a.id(), b.id()));
        boolean member = cs.isMember(selfId);
        long snapshotIndex = raftLog.firstIndex() - 1;
        current = new NodeStatus(
                selfId,
                st.softState().state(),
                cs.learners().contains(selfId),
                st.hardState().term(),
                leader,
                leader == 0 ? "" : members.clientAddress(leader),
                st.hardState().commit(),
                appliedIndex,
                raftLog.firstIndex(),
                last,
                snapshotIndex,
                ms,
                lags,
                healthy && storage.healthy(),
                healthy && storage.healthy() && member && leader != 0,
                storage.clusterId(),
                storage.dbSizeBytes());
    }
}
