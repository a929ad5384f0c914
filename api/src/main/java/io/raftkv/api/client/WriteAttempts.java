package io.raftkv.api.client;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the attempts of one logical write may have done on the server, as far as the client can
 * tell. The session logic needs it to decide whether the write's sequence number was used up:
 * a number is consumed only by a write that may have been proposed (a later write must not reuse
 * it, since the first may still commit), and is kept for the next write when every attempt was
 * refused before it could be proposed (INVALID_ARGUMENT, NOT_LEADER, RESOURCE_EXHAUSTED, a
 * connection that was never established, ...). Reusing a number that was never proposed matters:
 * the node accepts a session it does not know only at sequence 1.
 *
 * <p>Attempts of one call never overlap, but their callbacks may run on different Vert.x contexts,
 * hence the atomics.
 */
final class WriteAttempts {
    private final AtomicInteger attempts = new AtomicInteger();
    private final AtomicInteger possiblyProposed = new AtomicInteger();

    /** Records one finished attempt; a successful attempt was certainly proposed. */
    void record(boolean mayHaveBeenProposed) {
        attempts.incrementAndGet();
        if (mayHaveBeenProposed) {
            possiblyProposed.incrementAndGet();
        }
    }

    /** Attempts made so far. */
    int attempts() {
        return attempts.get();
    }

    /** Attempts that may have been proposed (and so applied) by the node. */
    int possiblyProposed() {
        return possiblyProposed.get();
    }
}
