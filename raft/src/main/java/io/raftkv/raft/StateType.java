package io.raftkv.raft;

/** The role a node plays in its current term. */
public enum StateType {
    FOLLOWER,
    PRE_CANDIDATE,
    CANDIDATE,
    LEADER
}
