package io.raftkv.testkit;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * A bounded wait: asks a probe at a fixed interval until it yields a value, and fails with what it
 * waited for once the timeout has passed. For harness threads (never an event loop); the probe's
 * own calls must be bounded too. An exception from the probe ends the wait at once.
 */
public final class Poll {
    private Poll() {}

    /** The wait's timeout passed without a value. */
    public static final class TimedOut extends IllegalStateException {
        TimedOut(String message) {
            super(message);
        }
    }

    /**
     * @throws TimedOut "timed out after {timeout} waiting for {what}"
     */
    public static <T> T until(String what, Duration timeout, Duration interval, Supplier<Optional<T>> probe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<T> v = probe.get();
            if (v.isPresent()) {
                return v.get();
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new TimedOut("timed out after " + timeout + " waiting for " + what);
            }
            LockSupport.parkNanos(Math.min(left, interval.toNanos()));
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + what);
            }
        }
    }
}
