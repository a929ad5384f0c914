package io.raftkv.raft;

/** How the leader is replicating to one follower (flow control, etcd's tracker.StateType). */
public enum ProgressState {
    /** Unknown match: one append per heartbeat interval until the follower's position is found. */
    PROBE,
    /** Known match: appends are pipelined, bounded by the in-flight window. */
    REPLICATE,
    /** The follower needs a snapshot; appends pause until the driver reports its outcome. */
    SNAPSHOT
}
