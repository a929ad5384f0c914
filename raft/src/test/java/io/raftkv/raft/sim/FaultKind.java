package io.raftkv.raft.sim;

/** Kinds of fault the simulator injects, counted per run. */
enum FaultKind {
    /** A message lost at random. */
    MSG_DROP,
    /** A message lost because its link was cut by a partition. */
    MSG_PARTITIONED,
    /** A message delivered twice. */
    MSG_DUPLICATE,
    /** A message held back long enough to arrive after later ones. */
    MSG_REORDER,
    /** The cluster split into two random halves. */
    PARTITION_HALVES,
    /** The leader cut off from everyone else. */
    PARTITION_ISOLATE_LEADER,
    /** Two sides that cannot talk, joined by one bridge node that sees both (overlapping majorities). */
    PARTITION_BRIDGE,
    /** A node stopped, losing everything not yet persisted. */
    CRASH,
    /** A crashed node started again from its disk. */
    RESTART,
    /** A node's disk writes became slow (the Ready stays outstanding for some ticks). */
    SLOW_DISK,
    /** The driver reported a peer unreachable after a send failed. */
    UNREACHABLE_REPORT,
    /** A snapshot transfer failed and was reported as such. */
    SNAPSHOT_FAILED
}
