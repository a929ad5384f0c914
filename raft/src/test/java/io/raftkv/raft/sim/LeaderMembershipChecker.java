package io.raftkv.raft.sim;

import io.raftkv.raft.ConfState;
import io.raftkv.raft.StateType;

/**
 * Only a voter leads: a node that leads is a voter of the configuration it has applied. Learners
 * and joiners never win elections, and a leader that applies its own removal (or demotion) steps
 * down before it hands out its next Ready (Raft dissertation §4.2.2).
 */
final class LeaderMembershipChecker extends Checker {

    LeaderMembershipChecker() {
        super("LeaderMembership");
    }

    /** {@code node}, whose applied configuration is {@code applied}, is seen in {@code role}. */
    void onRole(long node, long term, StateType role, ConfState applied) {
        checked();
        if (role == StateType.LEADER && !applied.voters().contains(node)) {
            throw violation(
                    "node %d leads term %d but is not a voter of its configuration %s/%s",
                    node, term, applied.voters(), applied.learners());
        }
    }
}
