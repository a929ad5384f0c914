package io.raftkv.node.k8s;

import java.util.random.RandomGenerator;

/**
 * Capped exponential backoff with "equal jitter": the n-th delay is uniformly drawn from
 * {@code [d/2, d]} where {@code d = min(max, initial · 2^n)}. Jitter keeps the members of a
 * cluster from retrying in lock-step against the API server or DNS. Not thread-safe: one owner.
 */
final class Backoff {
    private final long initialMs;
    private final long maxMs;
    private final RandomGenerator random;
    private long currentMs;

    Backoff(long initialMs, long maxMs, RandomGenerator random) {
        if (initialMs <= 0 || maxMs < initialMs) {
            throw new IllegalArgumentException("need 0 < initialMs ≤ maxMs, got " + initialMs + ", " + maxMs);
        }
        this.initialMs = initialMs;
        this.maxMs = maxMs;
        this.random = random;
        this.currentMs = initialMs;
    }

    /** The next delay in milliseconds; doubles the ceiling for the one after, up to the cap. */
    long nextDelayMs() {
        long ceiling = currentMs;
        currentMs = Math.min(maxMs, currentMs * 2);
        long half = ceiling / 2;
        return half + random.nextLong(ceiling - half + 1);
    }

    /** Back to the initial delay, after a success. */
    void reset() {
        currentMs = initialMs;
    }
}
