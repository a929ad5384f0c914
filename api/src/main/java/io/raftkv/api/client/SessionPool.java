package io.raftkv.api.client;

import io.raftkv.api.ErrorReason;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.v1.Session;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Exactly-once identities for writes. The node keeps, per client id, the last applied sequence
 * number and its response (Raft dissertation §6.3), which is only sound when a client id has at
 * most ONE write in flight. So the pool hands each in-flight write a {@link Lane} — a client id of
 * its own plus that id's next sequence number — and concurrent writes use distinct lanes.
 *
 * <p>Invariants: a lane is held by at most one write at a time; a retry of a write keeps its lane and
 * number; a number that MAY have been proposed is never used again by a later write (its first
 * write might still commit), so the holder advances the lane on release exactly when one of its
 * attempts may have been proposed ({@link WriteAttempts}). A write refused before being proposed
 * leaves the number to the next write: the node accepts a session it does not know only at
 * sequence 1, so burning the first number on, say, an oversized value would make every later write
 * of the lane fail with SESSION_SEQUENCE_STALE. A lane whose session the node rejected (expired,
 * or stale) is {@link #renew renewed}: a fresh client id starting again at 1. The pool is bounded:
 * at most {@code maxLanes} writes with sessions may be in flight.
 */
final class SessionPool {
    private final ConcurrentLinkedDeque<Lane> idle = new ConcurrentLinkedDeque<>();
    private final AtomicInteger lanesCreated = new AtomicInteger();
    private final int maxLanes;
    private final LongSupplier clientIdSource;

    /**
     * @param maxLanes       bound on concurrent session writes, ≥ 1
     * @param clientIdSource supplies random non-zero client ids (0 means "no session" on the wire)
     */
    SessionPool(int maxLanes, LongSupplier clientIdSource) {
        if (maxLanes < 1) {
            throw new IllegalArgumentException("maxConcurrentWrites must be >= 1, got " + maxLanes);
        }
        this.maxLanes = maxLanes;
        this.clientIdSource = clientIdSource;
    }

    /** Takes a lane for one write; fails with RESOURCE_EXHAUSTED when all lanes are busy. */
    Lane acquire() {
        Lane lane = idle.pollFirst();
        if (lane != null) {
            return lane;
        }
        while (true) {
            int n = lanesCreated.get();
            if (n >= maxLanes) {
                // A lane may have been released between the poll and here; take it if so.
                Lane late = idle.pollFirst();
                if (late != null) {
                    return late;
                }
                throw RaftKvException.of(
                        ErrorReason.OVERLOADED,
                        "client has " + maxLanes
                                + " session writes in flight (maxConcurrentWrites); wait for some to finish");
            }
            if (lanesCreated.compareAndSet(n, n + 1)) {
                return new Lane(newClientId());
            }
        }
    }

    /**
     * Returns a lane after its write finished (in any way).
     *
     * @param sequenceUsed whether the write may have been proposed with the lane's current number;
     *                     if so the next write gets the next number, else the same one
     */
    void release(Lane lane, boolean sequenceUsed) {
        if (sequenceUsed) {
            lane.seq++;
        }
        idle.addFirst(lane);
    }

    /**
     * Gives a held lane a new session: a fresh client id at sequence 1. For a lane whose session the
     * node no longer accepts (expired after a long idle time, or stale); the old id is never used
     * again, so nothing sent under it can be confused with what follows.
     */
    void renew(Lane lane) {
        lane.clientId = newClientId();
        lane.seq = 1;
    }

    int lanesCreated() {
        return lanesCreated.get();
    }

    private long newClientId() {
        for (int i = 0; i < 16; i++) {
            long id = clientIdSource.getAsLong();
            if (id != 0) {
                return id;
            }
        }
        throw new IllegalStateException("client id source returned 0 sixteen times");
    }

    /**
     * One client id with its next sequence number. Mutated only by the write that holds it; the
     * pool's concurrent deque publishes the mutations to the next holder.
     */
    static final class Lane {
        private long clientId;
        private long seq = 1;

        Lane(long clientId) {
            this.clientId = clientId;
        }

        Session session() {
            return Session.newBuilder().setClientId(clientId).setSeq(seq).build();
        }
    }
}
