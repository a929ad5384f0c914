package io.raftkv.operator.membership;

import java.time.Duration;

/**
 * Tuning of the membership orchestration.
 *
 * @param maxCatchUpLagEntries a learner is promoted, and a restarted pod counts as caught up,
 *     once its match index is within this many entries of the leader's commit index
 * @param stepTimeout how long one step may wait (or keep failing) before the cluster is reported
 *     Degraded; the orchestration keeps trying after that
 * @param callTimeout deadline of each node call except TransferLeadership
 * @param transferTimeout deadline of TransferLeadership (it returns once the target leads)
 * @param operationReschedule how soon to reconcile again while an operation is in progress
 */
public record MembershipSettings(
        long maxCatchUpLagEntries,
        Duration stepTimeout,
        Duration callTimeout,
        Duration transferTimeout,
        Duration operationReschedule) {

    public static final MembershipSettings DEFAULTS = new MembershipSettings(
            100, Duration.ofMinutes(10), Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofSeconds(5));

    public MembershipSettings {
        if (maxCatchUpLagEntries < 0) {
            throw new IllegalArgumentException("maxCatchUpLagEntries must be ≥ 0, got " + maxCatchUpLagEntries);
        }
        for (Duration d : new Duration[] {stepTimeout, callTimeout, transferTimeout, operationReschedule}) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("durations must be positive, got " + d);
            }
        }
    }

    public MembershipSettings withStepTimeout(Duration timeout) {
        return new MembershipSettings(maxCatchUpLagEntries, timeout, callTimeout, transferTimeout, operationReschedule);
    }
}
