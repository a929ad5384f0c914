package io.raftkv.testkit;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * When a harness may say a cluster has a leader, from what each member answered to Status. Two
 * rules, for two kinds of harness: {@link #byQuorum} (chaos: some members may be paused, cut off
 * or still believe in an old term) and {@link #byAll} (tests and benchmarks on a healthy cluster:
 * every running member must have settled).
 */
public final class LeaderAgreement {
    private LeaderAgreement() {}

    /**
     * One member's answer.
     *
     * @param leads    it reports the LEADER role
     * @param leaderId the leader it knows of (0: none)
     * @param learner  it is a learner
     * @param voters   the voters of its membership as it sees it
     */
    public record View(long id, boolean leads, long leaderId, long term, boolean learner, Set<Long> voters) {
        public View {
            voters = Set.copyOf(voters);
        }
    }

    /**
     * The leader a quorum vouches for: the member reporting LEADER in the highest term, provided that
     * a majority of the voters in its membership (itself included) answered with that leader and
     * term. An isolated old leader that still believes it leads is therefore not returned, and
     * neither is a leader nobody else has heard of yet.
     *
     * @param answered the members that answered
     */
    public static OptionalLong byQuorum(Collection<View> answered) {
        Optional<View> leader = answered.stream().filter(View::leads).max(Comparator.comparingLong(View::term));
        if (leader.isEmpty()) {
            return OptionalLong.empty();
        }
        View l = leader.get();
        long agreeing = answered.stream()
                .filter(v -> agrees(v, l) && l.voters().contains(v.id()))
                .count();
        return agreeing > l.voters().size() / 2 ? OptionalLong.of(l.id()) : OptionalLong.empty();
    }

    /**
     * The leader every running member has settled on: each answered, exactly one leads, and every
     * voter of the leader's membership among them names it in the same term.
     *
     * @param views one per running member; empty where it did not answer
     */
    public static OptionalLong byAll(Collection<Optional<View>> views) {
        List<View> answered = new ArrayList<>();
        for (Optional<View> v : views) {
            if (v.isEmpty()) {
                return OptionalLong.empty();
            }
            answered.add(v.get());
        }
        List<View> leaders = answered.stream().filter(View::leads).toList();
        if (leaders.size() != 1) {
            return OptionalLong.empty();
        }
        View l = leaders.get(0);
        boolean agreed = answered.stream()
                .filter(v -> !v.learner() && l.voters().contains(v.id()))
                .allMatch(v -> agrees(v, l));
        return agreed ? OptionalLong.of(l.id()) : OptionalLong.empty();
    }

    private static boolean agrees(View v, View leader) {
        return v.leaderId() == leader.id() && v.term() == leader.term() && !v.learner();
    }
}
