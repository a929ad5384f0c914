package io.raftkv.raft.sim;

import io.raftkv.raft.ConfChange;
import io.raftkv.raft.ConfChangeType;
import io.raftkv.raft.ConfState;
import io.raftkv.raft.ProposalDroppedException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Injects the faults and operator actions of a {@link FaultProfile}, one tick at a time:
 * partitions (random halves, isolated leader, a bridge node between two sides) that heal after a
 * while, crashes with later restarts, slow disks and state machines, membership changes (scale out,
 * promote, scale in, removal of the leader itself, replacement of a live or dead member — one
 * change at a time, the core refusing overlaps), leadership transfers and log compaction.
 * {@link #stop()} ends all of it: it heals, restarts and speeds up everything.
 */
final class FaultInjector {
    private final SimCluster cluster;
    private final SplittableRandom rnd;
    private final FaultProfile profile;
    private final int electionTicks;
    private long healAt = -1;
    private final TreeMap<Long, Long> restartAt = new TreeMap<>();
    private final TreeMap<Long, Long> fastDiskAt = new TreeMap<>();
    /** A member replacement in progress: {old id, new id}, or null. */
    private long[] replacing;

    FaultInjector(SimCluster cluster) {
        this.cluster = cluster;
        this.rnd = cluster.rnd();
        this.profile = cluster.params().profile();
        this.electionTicks = cluster.params().electionTicks();
    }

    /** One tick's worth of faults (called before the cluster ticks). */
    void step() {
        long now = cluster.now();
        endExpiredFaults(now);
        if (healAt < 0 && chance(profile.partitionRate)) {
            partition(now);
        }
        if (chance(profile.crashRate)) {
            crashOne(now);
        }
        if (chance(profile.slowDiskRate)) {
            slowDisk(now);
        }
        if (chance(profile.confChangeRate)) {
            changeMembership();
        }
        if (chance(profile.transferRate)) {
            transferLeadership();
        }
        if (chance(profile.compactionRate)) {
            compact();
        }
    }

    private boolean chance(double rate) {
        return rate > 0 && rnd.nextDouble() < rate;
    }

    private void endExpiredFaults(long now) {
        if (healAt >= 0 && now >= healAt) {
            cluster.network().heal();
            healAt = -1;
            cluster.trace(() -> "heal");
        }
        restartDue(now, false);
        while (!fastDiskAt.isEmpty() && fastDiskAt.firstEntry().getValue() <= now) {
            SimNode n = cluster.node(fastDiskAt.pollFirstEntry().getKey());
            n.disk.setLatencyTicks(0);
            n.setApplyLatencyTicks(cluster.params().applyLatencyTicks());
        }
    }

    private void restartDue(long now, boolean all) {
        List<Long> due = new ArrayList<>();
        restartAt.forEach((id, at) -> {
            if (all || at <= now) {
                due.add(id);
            }
        });
        for (long id : due) {
            restartAt.remove(id);
            SimNode n = cluster.node(id);
            if (!n.isUp() && !n.isDecommissioned()) {
                cluster.start(n);
                cluster.stats().fault(FaultKind.RESTART);
            }
        }
    }

    private void partition(long now) {
        List<Long> ids = new ArrayList<>();
        for (SimNode n : cluster.allNodes()) {
            if (!n.isDecommissioned()) {
                ids.add(n.id);
            }
        }
        if (ids.size() < 2) {
            return;
        }
        Collections.shuffle(ids, new Random(rnd.nextLong()));
        int kind = rnd.nextInt(3);
        SimNode leader = cluster.leader();
        if (kind == 1 && leader != null) {
            ids.remove(leader.id);
            cluster.network().cut(List.of(leader.id), ids);
            cluster.stats().fault(FaultKind.PARTITION_ISOLATE_LEADER);
        } else if (kind == 2 && ids.size() >= 3) {
            // A | bridge | C: the bridge sees both sides, A and C cannot talk (overlapping majorities).
            long bridge = ids.get(0);
            int split = 1 + (ids.size() - 1) / 2;
            cluster.network().cut(ids.subList(1, split), ids.subList(split, ids.size()));
            cluster.trace(() -> "bridge n" + bridge);
            cluster.stats().fault(FaultKind.PARTITION_BRIDGE);
        } else {
            int split = 1 + rnd.nextInt(ids.size() - 1);
            cluster.network().cut(ids.subList(0, split), ids.subList(split, ids.size()));
            cluster.stats().fault(FaultKind.PARTITION_HALVES);
        }
        healAt = now + electionTicks * (2L + rnd.nextInt(14));
        cluster.trace(() -> "partition until t" + healAt);
    }

    private void crashOne(long now) {
        List<SimNode> up = cluster.upNodes();
        if (up.isEmpty()) {
            return;
        }
        SimNode victim = up.get(rnd.nextInt(up.size()));
        cluster.crash(victim);
        cluster.stats().fault(FaultKind.CRASH);
        restartAt.put(victim.id, now + 1 + rnd.nextInt(10 * electionTicks));
    }

    private void slowDisk(long now) {
        List<SimNode> up = cluster.upNodes();
        if (up.isEmpty()) {
            return;
        }
        SimNode n = up.get(rnd.nextInt(up.size()));
        n.disk.setLatencyTicks(1 + rnd.nextInt(electionTicks / 2));
        // The state machine shares the disk: its apply batches slow down too, up to the point where
        // the loop stops taking Readys (maxApplyBatchesInFlight).
        n.setApplyLatencyTicks(cluster.params().applyLatencyTicks() + rnd.nextInt(electionTicks / 2));
        fastDiskAt.put(n.id, now + 10 + rnd.nextInt(20 * electionTicks));
        cluster.stats().fault(FaultKind.SLOW_DISK);
    }

    /**
     * One operator action on the membership, as the operator performs them: scale out (add a
     * learner), promote a learner, scale in (remove a follower), remove the leader itself, or
     * replace a member (add a new node as learner, promote it, remove the old one — half the time
     * the old one is dead first). A replacement in progress advances one step per action.
     */
    private void changeMembership() {
        SimNode leader = cluster.leader();
        if (leader == null) {
            return;
        }
        ConfState cs = leader.raw().status().confState();
        if (replacing != null) {
            advanceReplacement(leader, cs);
            return;
        }
        int members = cs.voters().size() + cs.learners().size();
        int choice = rnd.nextInt(5);
        if (choice == 0 && members < cluster.params().maxMembers()) {
            SimNode joiner = cluster.addJoiner();
            if (!propose(leader, new ConfChange(ConfChangeType.ADD_LEARNER, joiner.id, null), "membership_scale_out")) {
                joiner.decommission();
            }
        } else if (choice == 1 && !cs.learners().isEmpty()) {
            propose(
                    leader,
                    new ConfChange(ConfChangeType.ADD_VOTER, pick(new ArrayList<>(cs.learners())), null),
                    "membership_promote");
        } else if (choice == 2 && cs.voters().size() > 2) {
            List<Long> candidates = new ArrayList<>(cs.voters());
            candidates.addAll(cs.learners());
            candidates.remove(leader.id);
            propose(leader, new ConfChange(ConfChangeType.REMOVE, pick(candidates), null), "membership_scale_in");
        } else if (choice == 3 && cs.voters().size() > 2 && cs.voters().contains(leader.id)) {
            propose(leader, new ConfChange(ConfChangeType.REMOVE, leader.id, null), "membership_remove_leader");
        } else if (choice == 4
                && members < cluster.params().maxMembers()
                && cs.voters().size() > 1) {
            long old = pick(new ArrayList<>(cs.voters()));
            SimNode joiner = cluster.addJoiner();
            replacing = new long[] {old, joiner.id};
            cluster.stats().event("membership_replace_started");
            cluster.trace(() -> "replace n" + old + " by n" + joiner.id);
            if (rnd.nextBoolean()) {
                // The member to replace is dead (the operator's usual reason to replace it).
                SimNode dead = cluster.node(old);
                if (dead.isUp()) {
                    cluster.crash(dead);
                    cluster.stats().fault(FaultKind.CRASH);
                }
                restartAt.remove(old);
                leader = cluster.leader();
                if (leader == null) {
                    return;
                }
            }
            advanceReplacement(leader, leader.raw().status().confState());
        }
    }

    /** Proposes the next step of the replacement the leader's configuration calls for. */
    private void advanceReplacement(SimNode leader, ConfState cs) {
        long old = replacing[0];
        long joiner = replacing[1];
        SimNode newNode = cluster.node(joiner);
        if (newNode.isDecommissioned()) {
            replacing = null;
            cluster.stats().event("membership_replace_abandoned");
        } else if (!cs.voters().contains(joiner) && !cs.learners().contains(joiner)) {
            propose(leader, new ConfChange(ConfChangeType.ADD_LEARNER, joiner, null), "membership_replace_add");
        } else if (cs.learners().contains(joiner)) {
            propose(leader, new ConfChange(ConfChangeType.ADD_VOTER, joiner, null), "membership_replace_promote");
        } else if (cs.voters().contains(old) || cs.learners().contains(old)) {
            propose(
                    leader,
                    new ConfChange(ConfChangeType.REMOVE, old, null),
                    old == leader.id ? "membership_replace_remove_leader" : "membership_replace_remove");
        } else {
            replacing = null;
            cluster.stats().event("membership_replace_done");
        }
    }

    /** Proposes {@code cc} on {@code leader}; false if the core refused it. */
    private boolean propose(SimNode leader, ConfChange cc, String event) {
        boolean accepted;
        try {
            long index = leader.raw().proposeConfChange(cc);
            cluster.stats().event(event);
            cluster.stats().event("conf_" + cc.type().name().toLowerCase());
            cluster.trace(() -> "conf change " + cc.type() + " n" + cc.nodeId() + " at " + index + " (" + event + ")");
            accepted = true;
        } catch (ProposalDroppedException e) {
            cluster.stats().event("conf_refused");
            accepted = false;
        }
        leader.afterStep();
        return accepted;
    }

    private long pick(List<Long> ids) {
        return ids.get(rnd.nextInt(ids.size()));
    }

    private void transferLeadership() {
        SimNode leader = cluster.leader();
        if (leader == null) {
            return;
        }
        List<Long> voters = new ArrayList<>(leader.raw().status().confState().voters());
        voters.remove(leader.id);
        if (voters.isEmpty()) {
            return;
        }
        long to = pick(voters);
        try {
            leader.raw().transferLeadership(to);
            cluster.stats().event("transfers");
            cluster.trace(() -> "transfer leadership n" + leader.id + " -> n" + to);
        } catch (ProposalDroppedException e) {
            cluster.stats().event("transfers_refused");
        }
        leader.afterStep();
    }

    private void compact() {
        List<SimNode> up = cluster.upNodes();
        if (up.isEmpty()) {
            return;
        }
        SimNode n = up.get(rnd.nextInt(up.size()));
        if (n.compact(rnd.nextInt(6))) {
            cluster.stats().event("compactions");
        }
    }

    /** Ends every fault: heals the network, makes it reliable, restarts nodes, speeds up disks. */
    void stop() {
        cluster.network().heal();
        cluster.network().setFaults(SimNetwork.Faults.RELIABLE);
        healAt = -1;
        for (SimNode n : cluster.allNodes()) {
            n.disk.setLatencyTicks(0);
            n.setApplyLatencyTicks(cluster.params().applyLatencyTicks());
            if (!n.isUp() && !n.isDecommissioned()) {
                restartAt.putIfAbsent(n.id, cluster.now());
            }
        }
        fastDiskAt.clear();
        restartDue(cluster.now(), true);
        cluster.trace(() -> "faults stopped");
    }
}
