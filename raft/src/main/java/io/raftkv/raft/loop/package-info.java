/**
 * The Ready loop ({@link io.raftkv.raft.loop.ReadyLoop}): how a driver hands the core's Readys to
 * disk, network and state machine — deferred commit-only hard state, appends before the leader's
 * own fsync, asynchronous apply with a bounded number of batches in flight — behind four ports
 * (persist, send, apply, clock). The node's Vert.x driver and the deterministic simulator run the
 * same class, so every simulated seed exercises the loop that ships.
 *
 * <p>Depends on the core ({@code io.raftkv.raft}) only. Checked by {@code RaftArchitectureTest}.
 */
package io.raftkv.raft.loop;
