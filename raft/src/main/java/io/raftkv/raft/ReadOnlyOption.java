package io.raftkv.raft;

/** How the leader confirms it may serve a read (Raft dissertation §6.4). */
public enum ReadOnlyOption {
    /** One heartbeat round to a quorum per batch of reads (ReadIndex). Always safe. */
    SAFE,
    /**
     * Trust the leader lease: no round trip, relies on bounded clock drift. Allowed only together
     * with check-quorum, which makes a partitioned leader step down within an election timeout.
     */
    LEASE_BASED
}
