/**
 * The Raft consensus core, after etcd's raft: {@link Raft} (roles, terms, elections, replication,
 * membership, leadership transfer, ReadIndex, leader leases) behind the driver's handle
 * {@link RawNode}, which hands out {@link Ready} batches (persist this, send that, apply these) and
 * takes them back with {@code advance}. Beside it the small pure pieces it is built from: the log
 * ({@link RaftLog}, {@link UnstableLog}), replication progress and flow control ({@link Progress},
 * {@link ProgressTracker}, {@link Inflights}), quorum arithmetic ({@link MajorityQuorum}), pending
 * reads ({@link ReadOnlyQueue}), the read-only {@link Storage} port with its in-memory
 * {@link MemoryStorage}, and the value types that cross the boundary ({@link Message},
 * {@link Entry}, {@link HardState}, {@link ConfChange}, {@link Snapshot}...).
 *
 * <p>Single-threaded and pure: no I/O, no clock (time is {@code tick()}), no threads, randomness only
 * from a seeded generator. Depends on the JDK only: on no other {@code io.raftkv} package, not even
 * {@link io.raftkv.raft.loop} (the loop drives the core, never the reverse). Checked by
 * {@code RaftArchitectureTest}.
 */
package io.raftkv.raft;
