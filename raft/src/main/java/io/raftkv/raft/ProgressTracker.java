package io.raftkv.raft;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The configuration in force (voters and learners), the leader's {@link Progress} for every member,
 * and the votes of the current election (etcd's {@code tracker.ProgressTracker} plus the simple
 * {@code confchange.Changer}).
 *
 * <p>Invariants: voters and learners are disjoint; {@code progress.keySet()} equals
 * voters ∪ learners and each progress' {@code learner} flag agrees with the sets. Maps are sorted
 * so that iteration (and therefore message order) is deterministic.
 */
final class ProgressTracker {
    private final int maxInflight;
    private final TreeSet<Long> voters = new TreeSet<>();
    private final TreeSet<Long> learners = new TreeSet<>();
    private final TreeMap<Long, Progress> progress = new TreeMap<>();
    private final TreeMap<Long, Boolean> votes = new TreeMap<>();

    ProgressTracker(int maxInflight) {
        this.maxInflight = maxInflight;
    }

    /** Replaces the configuration with {@code cs}; every member starts probing at {@code lastIndex + 1}. */
    void restore(ConfState cs, long lastIndex) {
        voters.clear();
        learners.clear();
        progress.clear();
        votes.clear();
        for (long id : cs.voters()) {
            voters.add(id);
            progress.put(id, new Progress(lastIndex + 1, maxInflight, false));
        }
        for (long id : cs.learners()) {
            learners.add(id);
            progress.put(id, new Progress(lastIndex + 1, maxInflight, true));
        }
    }

    ConfState confState() {
        return new ConfState(voters, learners);
    }

    Set<Long> voters() {
        return voters;
    }

    boolean isVoter(long id) {
        return voters.contains(id);
    }

    /** Progress of {@code id}, or null if it is not a member. */
    Progress progress(long id) {
        return progress.get(id);
    }

    /** Every member's progress in id order; the map must not be structurally modified. */
    Map<Long, Progress> allProgress() {
        return progress;
    }

    /** Whether this configuration has exactly one voter, {@code id}. */
    boolean isSingleVoter(long id) {
        return voters.size() == 1 && voters.contains(id);
    }

    /** Highest index durable on a majority of voters. */
    long committed() {
        return MajorityQuorum.committedIndex(voters, id -> progress.get(id).match);
    }

    /** Whether a majority of voters was active in the last election timeout ({@code self} always is). */
    boolean quorumActive(long self) {
        Map<Long, Boolean> active = new TreeMap<>();
        for (long id : voters) {
            active.put(id, id == self || progress.get(id).recentActive);
        }
        return MajorityQuorum.voteResult(voters, active) == MajorityQuorum.VoteResult.WON;
    }

    void resetVotes() {
        votes.clear();
    }

    /** Records {@code id}'s vote; only the first vote of a member per election counts. */
    void recordVote(long id, boolean granted) {
        votes.putIfAbsent(id, granted);
    }

    MajorityQuorum.VoteResult tallyVotes() {
        return MajorityQuorum.voteResult(voters, votes);
    }

    /**
     * The configuration {@code cc} would produce, validated: removing the last voter is refused.
     *
     * @throws IllegalArgumentException if the change is invalid against the current configuration
     */
    ConfState simulate(ConfChange cc) {
        TreeSet<Long> v = new TreeSet<>(voters);
        TreeSet<Long> l = new TreeSet<>(learners);
        switch (cc.type()) {
            case ADD_VOTER -> {
                l.remove(cc.nodeId());
                v.add(cc.nodeId());
            }
            case ADD_LEARNER -> {
                v.remove(cc.nodeId());
                l.add(cc.nodeId());
            }
            case REMOVE -> {
                v.remove(cc.nodeId());
                l.remove(cc.nodeId());
            }
        }
        if (v.isEmpty()) {
            throw new IllegalArgumentException(cc.type() + " of member " + cc.nodeId()
                    + " would leave no voters (voters " + voters + ", learners " + learners + ")");
        }
        return new ConfState(v, l);
    }

    /**
     * Applies one single-step change (a voter set differing by at most one member, dissertation
     * §4.1). New members start probing at {@code lastIndex + 1}; a promoted learner keeps its
     * progress; a removed member's progress is dropped.
     *
     * @throws IllegalStateException if the change would leave no voters
     */
    void apply(ConfChange cc, long lastIndex) {
        if (voters.isEmpty() && learners.isEmpty()) {
            throw new IllegalStateException("cannot apply " + cc.type() + " of member " + cc.nodeId()
                    + " to an empty configuration: this node joined without a configuration and replayed the log"
                    + " from its start, which does not contain the bootstrap voters; a joining node must first"
                    + " receive a snapshot (compact the leader's log before adding members)");
        }
        try {
            simulate(cc);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("cannot apply committed conf change: " + e.getMessage(), e);
        }
        long id = cc.nodeId();
        switch (cc.type()) {
            case ADD_VOTER -> {
                learners.remove(id);
                voters.add(id);
                progress.computeIfAbsent(id, k -> new Progress(lastIndex + 1, maxInflight, false)).learner = false;
            }
            case ADD_LEARNER -> {
                voters.remove(id);
                learners.add(id);
                progress.computeIfAbsent(id, k -> new Progress(lastIndex + 1, maxInflight, true)).learner = true;
            }
            case REMOVE -> {
                voters.remove(id);
                learners.remove(id);
                progress.remove(id);
                votes.remove(id);
            }
        }
    }
}
