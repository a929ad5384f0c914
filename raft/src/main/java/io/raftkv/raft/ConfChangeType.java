package io.raftkv.raft;

/** Single-step membership changes (Raft dissertation §4.1/§4.2.1). */
public enum ConfChangeType {
    /** Add a non-voting member that receives the log (or turn a voter into a learner). */
    ADD_LEARNER,
    /** Add a voter, or promote a learner to voter. */
    ADD_VOTER,
    /** Remove a voter or learner. */
    REMOVE
}
