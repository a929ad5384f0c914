package io.raftkv.node.transport;

import java.util.concurrent.atomic.AtomicLong;

/**
 * At most one warning per interval for a kind of event a remote host can cause at will (refused
 * batches, refused snapshot streams): logging each would let a flood spend the peer loop on log
 * lines. The logged one says how many were left out since the previous one. Any thread.
 */
final class WarningThrottle {
    private final long intervalNanos;
    private final AtomicLong nextNanos;
    private final AtomicLong suppressed = new AtomicLong();

    WarningThrottle(long intervalMillis) {
        this.intervalNanos = intervalMillis * 1_000_000L;
        this.nextNanos = new AtomicLong(System.nanoTime());
    }

    /** -1 when this warning is left out, else how many were left out since the last one logged. */
    long admit() {
        long now = System.nanoTime();
        long next = nextNanos.get();
        if (now - next >= 0 && nextNanos.compareAndSet(next, now + intervalNanos)) {
            return suppressed.getAndSet(0);
        }
        suppressed.incrementAndGet();
        return -1;
    }
}
