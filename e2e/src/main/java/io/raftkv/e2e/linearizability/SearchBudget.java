package io.raftkv.e2e.linearizability;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits on the search for one key. The search is exponential in the worst case (checking
 * linearizability is NP-complete), so it is bounded: when either limit is reached the key's
 * verdict is {@link Verdict#UNKNOWN}, never a hang and never a guess.
 *
 * <p>Memory: each explored state keeps a copy of the linearized-set bitset, about
 * {@code 8 * (ops / 64 + 2)} bytes plus table overhead, so 1,000,000 states on a 1,000-operation
 * key take roughly 150 MB.
 *
 * @param maxStatesPerKey distinct (linearized set, register value) pairs the search may remember
 * @param maxTimePerKey   wall-clock time the search of one key may take
 */
public record SearchBudget(long maxStatesPerKey, Duration maxTimePerKey) {
    /** 1,000,000 states and 10 s per key: far more than a valid history of 1,000 ops needs. */
    public static final SearchBudget DEFAULT = new SearchBudget(1_000_000, Duration.ofSeconds(10));

    public SearchBudget {
        if (maxStatesPerKey < 1) {
            throw new IllegalArgumentException("maxStatesPerKey must be >= 1, got " + maxStatesPerKey);
        }
        Objects.requireNonNull(maxTimePerKey, "maxTimePerKey");
        if (maxTimePerKey.isNegative() || maxTimePerKey.isZero()) {
            throw new IllegalArgumentException("maxTimePerKey must be positive, got " + maxTimePerKey);
        }
    }
}
