package io.raftkv.operator.membership;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A simulated Raft cluster behind {@link NodeAdmin}: nodes addressed by target, one leader, a
 * membership, per-member match indexes. It enforces what real nodes enforce (changes only on the
 * leader, promotion only when caught up, unknown ids, no removal of the leader) so that a wrong
 * orchestration fails loudly, and it logs every change in order for the tests to check.
 */
public final class FakeNodeAdmin implements NodeAdmin {

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Long> idOfTarget = new HashMap<>();
    private final Map<String, Boolean> up = new HashMap<>();
    private final LinkedHashMap<Long, MemberView> members = new LinkedHashMap<>();
    private final Map<Long, Long> match = new HashMap<>();
    private final List<String> changes = new ArrayList<>();
    private long leaderId;
    private long commit = 100;
    private boolean learnersCatchUp = true;
    private int maxLearnersSeen;
    private final java.util.Set<Long> corrupt = new java.util.TreeSet<>();

    /** Raises the CORRUPT alarm for member {@code id}, as the corruption check would. */
    public void raiseCorrupt(long id) {
        withLock(() -> {
            corrupt.add(id);
        });
    }

    /** Members the CORRUPT alarm names. */
    public java.util.Set<Long> corrupt() {
        return withLock(() -> java.util.Set.copyOf(corrupt));
    }

    /** Registers a bootstrap voter (already a member) served at {@code target}. */
    public void bootstrapVoter(String target, long id, String peerAddress) {
        withLock(() -> {
            idOfTarget.put(target, id);
            up.put(target, true);
            members.put(id, new MemberView(id, true, peerAddress, ""));
            match.put(id, commit);
            if (leaderId == 0) {
                leaderId = id;
            }
        });
    }

    /** Starts (or restarts) the node of a pod; a fresh volume gets {@code id}, not yet a member. */
    public void startNode(String target, long id) {
        withLock(() -> {
            idOfTarget.put(target, id);
            up.put(target, true);
            if (members.containsKey(id)) {
                match.put(id, commit); // a restarted member catches up from the leader
            }
        });
    }

    /** Stops the node of a deleted pod; records whether it was leading (it must not be). */
    public void stopNode(String target) {
        withLock(() -> {
            up.put(target, false);
            Long id = idOfTarget.get(target);
            if (id != null && id == leaderId && members.size() > 1) {
                changes.add("STOPPED-LEADER " + id);
            }
        });
    }

    public void setLearnersCatchUp(boolean catchUp) {
        withLock(() -> {
            learnersCatchUp = catchUp;
            if (catchUp) {
                members.keySet().forEach(id -> match.put(id, commit));
            }
        });
    }

    public void makeLeader(long id) {
        withLock(() -> leaderId = id);
    }

    public long leaderId() {
        return withLock(() -> leaderId);
    }

    public long idAt(String target) {
        return withLock(() -> idOfTarget.getOrDefault(target, 0L));
    }

    /** Whether the node at {@code target} runs, is a member and knows a leader (pod readiness). */
    public boolean ready(String target) {
        return withLock(() ->
                Boolean.TRUE.equals(up.get(target)) && members.containsKey(idOfTarget.get(target)) && leaderId != 0);
    }

    public List<MemberView> members() {
        return withLock(() -> List.copyOf(members.values()));
    }

    public List<String> changes() {
        return withLock(() -> List.copyOf(changes));
    }

    public int maxLearnersSeen() {
        return withLock(() -> maxLearnersSeen);
    }

    @Override
    public NodeStatusView status(String target) {
        return withLock(() -> {
            long id = reachable(target);
            boolean member = members.containsKey(id);
            boolean leads = id == leaderId;
            Map<Long, NodeStatusView.FollowerProgress> followers = new HashMap<>();
            if (leads) {
                members.keySet().stream()
                        .filter(m -> m != id)
                        .forEach(m ->
                                followers.put(m, new NodeStatusView.FollowerProgress(match.getOrDefault(m, 0L), true)));
            }
            return new NodeStatusView(
                    id,
                    leads,
                    member && !members.get(id).voter(),
                    3,
                    member ? leaderId : 0,
                    "",
                    member ? commit : 0,
                    member ? commit : 0,
                    member ? List.copyOf(members.values()) : List.of(),
                    followers,
                    member ? java.util.Set.copyOf(corrupt) : java.util.Set.of());
        });
    }

    @Override
    public List<MemberView> memberList(String target) {
        return withLock(() -> {
            reachable(target);
            return List.copyOf(members.values());
        });
    }

    @Override
    public List<MemberView> addLearner(String target, long id, String peerAddress, String clientAddress) {
        return withLock(() -> {
            onLeader(target);
            if (members.containsKey(id)) {
                throw new NodeAdminException(NodeAdminException.Reason.INVALID_REQUEST, "member " + id + " exists");
            }
            members.put(id, new MemberView(id, false, peerAddress, clientAddress));
            match.put(id, learnersCatchUp ? commit : 0L);
            commit++;
            changes.add("AddLearner " + id);
            maxLearnersSeen = Math.max(maxLearnersSeen, (int)
                    members.values().stream().filter(MemberView::learner).count());
            return List.copyOf(members.values());
        });
    }

    @Override
    public List<MemberView> promote(String target, long id) {
        return withLock(() -> {
            onLeader(target);
            MemberView m = known(id);
            if (match.getOrDefault(id, 0L) < commit - 100) {
                throw new NodeAdminException(
                        NodeAdminException.Reason.LEARNER_NOT_CAUGHT_UP, "learner " + id + " lags");
            }
            members.put(id, new MemberView(id, true, m.peerAddress(), m.clientAddress()));
            commit++;
            changes.add("Promote " + id);
            return List.copyOf(members.values());
        });
    }

    @Override
    public List<MemberView> remove(String target, long id) {
        return withLock(() -> {
            onLeader(target);
            known(id);
            if (id == leaderId) {
                throw new NodeAdminException(
                        NodeAdminException.Reason.OTHER,
                        "fake refuses to remove the leader: transfer leadership first");
            }
            members.remove(id);
            match.remove(id);
            commit++;
            changes.add("Remove " + id);
            return List.copyOf(members.values());
        });
    }

    @Override
    public long transferLeadership(String target, long targetId) {
        return withLock(() -> {
            onLeader(target);
            MemberView m = known(targetId);
            if (!m.voter()) {
                throw new NodeAdminException(
                        NodeAdminException.Reason.INVALID_REQUEST, "cannot transfer to learner " + targetId);
            }
            changes.add("Transfer " + leaderId + "->" + targetId);
            leaderId = targetId;
            return leaderId;
        });
    }

    @Override
    public void disarmCorrupt(String target, long memberId) {
        withLock(() -> {
            onLeader(target);
            corrupt.remove(memberId);
            changes.add("DisarmCorrupt " + memberId);
            return null;
        });
    }

    @Override
    public void close() {}

    private long reachable(String target) {
        if (!Boolean.TRUE.equals(up.get(target))) {
            throw new NodeAdminException(NodeAdminException.Reason.UNAVAILABLE, target + " is down");
        }
        return idOfTarget.get(target);
    }

    private void onLeader(String target) {
        long id = reachable(target);
        if (id != leaderId) {
            throw new NodeAdminException(NodeAdminException.Reason.NOT_LEADER, "not leader", leaderId, "", null);
        }
    }

    private MemberView known(long id) {
        MemberView m = members.get(id);
        if (m == null) {
            throw new NodeAdminException(NodeAdminException.Reason.UNKNOWN_MEMBER, "no member " + id);
        }
        return m;
    }

    private void withLock(Runnable r) {
        lock.lock();
        try {
            r.run();
        } finally {
            lock.unlock();
        }
    }

    private <T> T withLock(java.util.function.Supplier<T> s) {
        lock.lock();
        try {
            return s.get();
        } finally {
            lock.unlock();
        }
    }
}
