package io.raftkv.operator.membership;

import io.raftkv.operator.api.v1alpha1.ClusterOperation;
import io.raftkv.operator.membership.ObservedCluster.LeaderView;
import io.raftkv.operator.membership.ObservedCluster.Member;
import io.raftkv.operator.membership.ObservedCluster.PodView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Builds {@link ObservedCluster}s for planner tests: cluster "kv", pods kv-0.., member of pod k
 * has id k+1 unless set otherwise, every pod ready on revision "r1".
 */
final class ClusterScenario {

    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private int desired;
    private int statefulSetReplicas;
    private String updateRevision = "r1";
    private final Map<Integer, PodView> pods = new HashMap<>();
    private final List<Member> members = new ArrayList<>();
    private final Map<Long, NodeStatusView.FollowerProgress> progress = new HashMap<>();
    private final Map<Integer, NodeStatusView> probes = new HashMap<>();
    private final Set<Integer> retained = new HashSet<>();
    private boolean leaderReachable = true;
    private long leaderId = 1;
    private long commit = 1000;
    private ClusterOperation operation;
    private Instant now = T0;
    private boolean autoRepair;
    private final Set<Long> corrupt = new HashSet<>();
    private final Map<Integer, Instant> claimsCreated = new HashMap<>();

    /** spec.memberRepair=Automatic. */
    ClusterScenario autoRepair() {
        autoRepair = true;
        return this;
    }

    /** The leader has applied the CORRUPT alarm for member {@code id}. */
    ClusterScenario corrupt(long id) {
        corrupt.add(id);
        return this;
    }

    /** The data PVC of pod {@code ordinal} was created at {@code at}; null: it does not exist. */
    ClusterScenario claimCreated(int ordinal, Instant at) {
        if (at == null) {
            claimsCreated.remove(ordinal);
        } else {
            claimsCreated.put(ordinal, at);
        }
        return this;
    }

    /** {@code voters} ready voters on pods 0..voters-1, StatefulSet at {@code voters}. */
    static ClusterScenario stable(int voters, int desired) {
        ClusterScenario s = new ClusterScenario();
        s.desired = desired;
        s.statefulSetReplicas = voters;
        for (int k = 0; k < voters; k++) {
            s.pod(k, true, true, "r1");
            s.voter(k, k + 1);
        }
        return s;
    }

    ClusterScenario pod(int ordinal, boolean running, boolean ready, String revision) {
        pods.put(ordinal, new PodView(ordinal, running, ready, false, revision));
        return this;
    }

    /** Pod {@code ordinal} runs but its node exits 3: the start-up check refuses its volume. */
    ClusterScenario storageRefused(int ordinal) {
        PodView p = pods.get(ordinal);
        pods.put(ordinal, new PodView(ordinal, true, false, false, p == null ? "r1" : p.revision(), true));
        return this;
    }

    ClusterScenario terminating(int ordinal) {
        PodView p = pods.get(ordinal);
        pods.put(ordinal, new PodView(ordinal, p.running(), p.ready(), true, p.revision()));
        return this;
    }

    ClusterScenario noPod(int ordinal) {
        pods.remove(ordinal);
        return this;
    }

    ClusterScenario voter(int ordinal, long id) {
        members.removeIf(m -> m.ordinal() == ordinal);
        members.add(new Member(id, true, ordinal));
        progress.put(id, new NodeStatusView.FollowerProgress(commit, true));
        return this;
    }

    ClusterScenario learner(int ordinal, long id, long match) {
        members.removeIf(m -> m.ordinal() == ordinal);
        members.add(new Member(id, false, ordinal));
        progress.put(id, new NodeStatusView.FollowerProgress(match, true));
        return this;
    }

    /** The leader has not heard from member {@code id} within an election timeout. */
    ClusterScenario inactive(long id) {
        NodeStatusView.FollowerProgress p = progress.get(id);
        progress.put(id, new NodeStatusView.FollowerProgress(p == null ? 0 : p.matchIndex(), false));
        return this;
    }

    ClusterScenario match(long id, long match) {
        progress.put(id, new NodeStatusView.FollowerProgress(match, true));
        return this;
    }

    /** Pod {@code ordinal} answers Status as a node waiting to join with {@code id}. */
    ClusterScenario joining(int ordinal, long id) {
        probes.put(ordinal, new NodeStatusView(id, false, false, 0, 0, "", 0, 0, List.of(), Map.of()));
        return this;
    }

    /** Pod {@code ordinal} answers Status as a node with history (a stale volume). */
    ClusterScenario staleNode(int ordinal, long id) {
        probes.put(
                ordinal,
                new NodeStatusView(
                        id,
                        false,
                        false,
                        7,
                        0,
                        "",
                        500,
                        512,
                        List.of(new MemberView(id, true, "kv-" + ordinal + ".kv-peers.ns.svc:9091", "")),
                        Map.of()));
        return this;
    }

    ClusterScenario statefulSet(int replicas) {
        statefulSetReplicas = replicas;
        return this;
    }

    ClusterScenario desired(int replicas) {
        desired = replicas;
        return this;
    }

    ClusterScenario leader(long id) {
        leaderId = id;
        progress.remove(id);
        return this;
    }

    ClusterScenario noLeader() {
        leaderReachable = false;
        return this;
    }

    ClusterScenario updateRevision(String revision) {
        updateRevision = revision;
        return this;
    }

    ClusterScenario retainedClaim(int ordinal) {
        retained.add(ordinal);
        return this;
    }

    ClusterScenario operation(ClusterOperation op) {
        operation = op;
        return this;
    }

    ClusterScenario at(Instant instant) {
        now = instant;
        return this;
    }

    long commit() {
        return commit;
    }

    ObservedCluster build() {
        Optional<LeaderView> leader = Optional.empty();
        if (leaderReachable) {
            int leaderOrdinal = members.stream()
                    .filter(m -> m.id() == leaderId)
                    .mapToInt(Member::ordinal)
                    .findFirst()
                    .orElse(-1);
            Map<Long, NodeStatusView.FollowerProgress> followers = new HashMap<>(progress);
            followers.remove(leaderId);
            leader = Optional.of(new LeaderView(leaderId, leaderOrdinal, 3, commit, members, followers, corrupt));
        }
        return new ObservedCluster(
                "kv-",
                desired,
                statefulSetReplicas,
                updateRevision,
                pods,
                leader,
                probes,
                retained,
                Optional.ofNullable(operation),
                now,
                autoRepair,
                claimsCreated);
    }
}
