package io.raftkv.bench.load;

import java.time.Duration;

/**
 * How hard and how long to push. Validated on construction.
 *
 * @param mode          closed or open loop
 * @param clients       closed loop: concurrent clients (1 to {@link #MAX_CLIENTS}); open loop: unused
 * @param ratePerSecond open loop: operations per second to issue; closed loop: unused
 * @param maxInFlight   open loop: operations allowed in flight; an operation due while the limit
 *                      is reached is not issued and counts as a {@link Measurement#CLIENT_BACKLOG}
 *                      error, so the generator's memory stays bounded whatever the system does
 * @param warmup        time before measuring (connections, JIT, caches)
 * @param duration      measured time
 */
public record LoadSpec(
        LoadMode mode, int clients, double ratePerSecond, int maxInFlight, Duration warmup, Duration duration) {
    public static final int MAX_CLIENTS = 100_000;
    public static final double MAX_RATE_PER_SECOND = 10_000_000;

    public LoadSpec {
        if (mode == null) {
            throw new IllegalArgumentException("mode must be set");
        }
        if (mode == LoadMode.CLOSED && (clients < 1 || clients > MAX_CLIENTS)) {
            throw new IllegalArgumentException("clients must be in [1, " + MAX_CLIENTS + "], got " + clients);
        }
        if (mode == LoadMode.OPEN && !(ratePerSecond > 0 && ratePerSecond <= MAX_RATE_PER_SECOND)) {
            throw new IllegalArgumentException(
                    "rate must be in (0, " + (long) MAX_RATE_PER_SECOND + "] ops/s, got " + ratePerSecond);
        }
        if (mode == LoadMode.OPEN && (maxInFlight < 1 || maxInFlight > MAX_CLIENTS)) {
            throw new IllegalArgumentException("maxInFlight must be in [1, " + MAX_CLIENTS + "], got " + maxInFlight);
        }
        if (warmup == null || warmup.isNegative()) {
            throw new IllegalArgumentException("warmup must be ≥ 0, got " + warmup);
        }
        if (duration == null || duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("duration must be > 0, got " + duration);
        }
    }

    public static LoadSpec closed(int clients, Duration warmup, Duration duration) {
        return new LoadSpec(LoadMode.CLOSED, clients, 0, 0, warmup, duration);
    }

    public static LoadSpec open(double ratePerSecond, int maxInFlight, Duration warmup, Duration duration) {
        return new LoadSpec(LoadMode.OPEN, 0, ratePerSecond, maxInFlight, warmup, duration);
    }

    public String describe() {
        return mode == LoadMode.CLOSED
                ? "closed loop, " + clients + " clients"
                : "open loop, " + (long) ratePerSecond + " ops/s (max " + maxInFlight + " in flight)";
    }
}
