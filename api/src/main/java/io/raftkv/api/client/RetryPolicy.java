package io.raftkv.api.client;

import java.time.Duration;
import java.util.Objects;

/**
 * How often and how patiently a call is retried. Attempts are bounded by {@link #maxAttempts()}
 * and, independently, by the call's deadline: whichever runs out first ends the call.
 *
 * <p>The pause before attempt {@code n} (n ≥ 2) is
 * {@code min(maxBackoff, initialBackoff × 2^(n-2))}, scaled by a random factor in
 * {@code [1 - jitter, 1]} so that many clients do not retry in lockstep. Following a NOT_LEADER
 * hint to a new address does not pause: the hint is fresh information, not congestion.
 *
 * @param maxAttempts    total attempts including the first, 1..100
 * @param initialBackoff pause before the first retry, ≥ 0
 * @param maxBackoff     upper bound of a pause, ≥ initialBackoff
 * @param jitter         share of the pause that is randomized, 0..1
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, double jitter) {
    public static final int MAX_ATTEMPTS_LIMIT = 100;

    /**
     * 16 attempts, 10 ms doubling to 100 ms, 20% jitter: rides out a leader election (~1.3 s of
     * pauses) and notices the new leader within about 100 ms of its election — a cap of 1 s made a
     * client that was unlucky mid-election wait up to a second longer than the outage itself.
     */
    public static final RetryPolicy DEFAULT = new RetryPolicy(16, Duration.ofMillis(10), Duration.ofMillis(100), 0.2);

    /** One attempt: no retries at all (NOT_LEADER hints are not followed either). */
    public static final RetryPolicy NONE = new RetryPolicy(1, Duration.ZERO, Duration.ZERO, 0);

    public RetryPolicy {
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS_LIMIT) {
            throw new IllegalArgumentException("maxAttempts " + maxAttempts + " is outside 1.." + MAX_ATTEMPTS_LIMIT);
        }
        if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException(
                    "backoff must satisfy 0 <= initial (" + initialBackoff + ") <= max (" + maxBackoff + ")");
        }
        if (!(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException("jitter " + jitter + " is outside 0..1");
        }
    }

    /**
     * Pause before attempt {@code attempt} (2 = first retry).
     *
     * @param random01 a uniform random number in [0, 1), supplied by the caller so tests can fix it
     */
    public long backoffMillis(int attempt, double random01) {
        if (attempt < 2) {
            return 0;
        }
        long base = initialBackoff.toMillis();
        int shift = Math.min(attempt - 2, 30);
        long raw = Math.min(maxBackoff.toMillis(), base << shift);
        if (raw < 0) { // overflow guard; cannot happen with shift <= 30 and sane durations
            raw = maxBackoff.toMillis();
        }
        return Math.round(raw * (1.0 - jitter * random01));
    }
}
