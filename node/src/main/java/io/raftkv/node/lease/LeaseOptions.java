package io.raftkv.node.lease;

import java.time.Duration;

/**
 * How the leader keeps lease time.
 *
 * @param extension            added to every lease's TTL when a member becomes leader: the node's
 *                             maximum election timeout (see {@link Lessor})
 * @param minTtlSeconds        grants asking for less get this: at least 1.5 maximum election
 *                             timeouts, rounded up to a second, as etcd does
 * @param checkInterval        how often the leader looks for expired leases (adds at most this to
 *                             the time a lease outlives its TTL)
 * @param maxExpiriesPerSecond most revocations of expired leases proposed per second
 */
public record LeaseOptions(Duration extension, long minTtlSeconds, Duration checkInterval, int maxExpiriesPerSecond) {
    public LeaseOptions {
        if (extension.isNegative()) {
            throw new IllegalArgumentException("extension must be ≥ 0, got " + extension);
        }
        if (minTtlSeconds < 1) {
            throw new IllegalArgumentException("minTtlSeconds must be ≥ 1, got " + minTtlSeconds);
        }
        if (checkInterval.toMillis() < 1) {
            throw new IllegalArgumentException("checkInterval must be ≥ 1 ms, got " + checkInterval);
        }
        if (maxExpiriesPerSecond < 1) {
            throw new IllegalArgumentException("maxExpiriesPerSecond must be ≥ 1, got " + maxExpiriesPerSecond);
        }
    }

    /** For a node whose longest election timeout is {@code maxElectionTimeoutMs}. */
    public static LeaseOptions forElectionTimeout(long maxElectionTimeoutMs) {
        long minTtl = Math.max(1, (3 * maxElectionTimeoutMs / 2 + 999) / 1000);
        return new LeaseOptions(Duration.ofMillis(maxElectionTimeoutMs), minTtl, Duration.ofMillis(50), 1000);
    }
}
