package io.raftkv.raft;

/**
 * A read-only view of the leader's replication state for one member, for status and lag metrics.
 *
 * @param match          highest index known replicated on the member
 * @param next           next index the leader will send
 * @param state          flow-control state
 * @param learner        whether the member is a non-voting learner
 * @param recentActive   whether the member was heard from in the current election timeout
 * @param inflight       append messages in flight
 */
public record FollowerProgress(
        long match, long next, ProgressState state, boolean learner, boolean recentActive, int inflight) {}
