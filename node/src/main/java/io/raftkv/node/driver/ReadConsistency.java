package io.raftkv.node.driver;

/**
 * How fresh a read must be (mirrors {@code raftkv.v1.ReadConsistency}; the server maps one to the
 * other). See {@link RaftNodeApi#readBarrier(ReadConsistency)} for what each level waits for.
 */
public enum ReadConsistency {
    /** ReadIndex (Raft dissertation §6.4): reflects every write acknowledged before the read began. */
    LINEARIZABLE,
    /**
     * Served by the leader without a quorum round trip while its check-quorum lease holds; falls back
     * to ReadIndex otherwise. Linearizable as long as clock drift stays below the lease margin.
     */
    LEASE,
    /** Local applied state, possibly stale; never reflects an uncommitted write. */
    SERIALIZABLE
}
