package io.raftkv.bench.spi;

/**
 * How a benchmark read is served. The names follow RaftKV's {@code ReadConsistency}; a target that
 * has no equivalent for a mode says so through {@link Target#supports(ReadMode)}.
 */
public enum ReadMode {
    /** Reflects every write acknowledged before the read started (RaftKV ReadIndex, etcd's default range). */
    LINEARIZABLE,
    /** Linearizable under the leader's lease, without a quorum round trip (RaftKV only). */
    LEASE,
    /** Any member answers from its local state; may be stale (etcd {@code serializable=true}). */
    SERIALIZABLE
}
