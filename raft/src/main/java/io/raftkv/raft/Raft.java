package io.raftkv.raft;

/** Placeholder: the Raft state machine (being written). */
public final class Raft {
    /** "No node": no leader, no vote. Member ids are never 0. */
    public static final long NONE = 0;

    private Raft() {
    }
}
