package io.raftkv.node.driver;

/**
 * What the Raft driver reports as it happens, for metrics that sampling would get wrong (two leader
 * changes between two status polls count once when sampled). Methods are called on the driver's
 * context and must not block: a counter increment or a timer record.
 */
public interface DriverObserver {
    /** Observes nothing. */
    DriverObserver NONE = new DriverObserver() {
        @Override
        public void leaderChanged(long newLeaderId) {}

        @Override
        public void readIndexServed(long nanos) {}
    };

    /**
     * The leader this node knows became {@code newLeaderId} (non-zero, different from the previous
     * one, which may have been "none"). As in etcd's {@code leader_changes_seen_total}, the first
     * leader a node learns after start counts as a change.
     */
    void leaderChanged(long newLeaderId);

    /** A linearizable read's ReadIndex barrier was satisfied {@code nanos} after it arrived. */
    void readIndexServed(long nanos);

    /**
     * A batch of {@code reads} LEASE reads was issued: answered from the leader's lease
     * ({@code fromLease}), or run as ReadIndex (no lease: a follower, a lease expired or not yet
     * earned, a transfer in progress).
     */
    default void leaseReads(int reads, boolean fromLease) {}

    /**
     * A Ready's writes (entries, hard state) became durable {@code nanos} after the driver handed
     * them to the log writer: queueing, the write and the fsync together.
     */
    default void persisted(long nanos) {}
}
