package io.raftkv.raft;

import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;

/**
 * A cluster configuration: which members vote and which only learn. Voters and learners are
 * disjoint. Sets are sorted and unmodifiable.
 */
public record ConfState(Set<Long> voters, Set<Long> learners) {
    public static final ConfState EMPTY = new ConfState(Set.of(), Set.of());

    public ConfState {
        voters = Collections.unmodifiableSet(new TreeSet<>(voters));
        learners = Collections.unmodifiableSet(new TreeSet<>(learners));
        for (Long l : learners) {
            if (voters.contains(l)) {
                throw new IllegalArgumentException("member " + l + " is both voter and learner");
            }
        }
    }

    public static ConfState ofVoters(Long... ids) {
        return new ConfState(Set.of(ids), Set.of());
    }

    public boolean isMember(long id) {
        return voters.contains(id) || learners.contains(id);
    }

    public boolean isEmpty() {
        return voters.isEmpty() && learners.isEmpty();
    }
}
