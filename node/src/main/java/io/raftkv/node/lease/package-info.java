/**
 * Lease time: the leader's side of leases. {@link io.raftkv.node.lease.Lessor} holds each lease's
 * deadline on the leader's monotonic clock and decides expiry (pure, clock passed in, so tests run
 * on virtual time); {@link io.raftkv.node.lease.LeaseKeeper} runs it on one Vert.x context, follows
 * leadership, and proposes the revocation of expired leases through Raft. The replicated lease
 * table itself (which leases exist, their keys) is the state machine's
 * ({@code io.raftkv.node.storage.LeaseStore}).
 */
package io.raftkv.node.lease;
