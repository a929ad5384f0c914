package io.raftkv.node.driver;

/**
 * How fresh a read must be (mirrors {@code raftkv.v1.ReadConsistency}; the server maps one to the
 * other). See {@link RaftNodeApi#readBarrier(ReadConsistency)} for what each level waits for.
 */
public enum ReadConsistency {
    /** ReadIndex (Raft dissertation §6.4): reflects every write acknowledged before the read began. */
    LINEARIZABLE,
    /**
     * Answered by the leader from its lease ({@code RawNode.leaseRead}, Raft dissertation §6.4.1)
     * without a quorum round trip; runs ReadIndex where there is no lease (a follower, a new leader,
     * a transfer in progress). Linearizable as long as no member's clock runs faster than the
     * leader's by more than the drift bound ({@link DriverOptions#leaseDriftTicks()}) allows.
     */
    LEASE,
    /** Local applied state, possibly stale; never reflects an uncommitted write. */
    SERIALIZABLE
}
