package io.raftkv.node.lease;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * The leader's lease clock: one deadline per lease, in nanoseconds of the leader's monotonic clock
 * ({@code now} is always passed in, so tests drive it on virtual time). Not thread-safe: confine it
 * to one thread or event-loop context ({@link LeaseKeeper} does).
 *
 * <p>Only the leader ("primary") holds deadlines; every other member holds none and decides
 * nothing. The replicated lease table (id → granted TTL) is the state machine's; this class
 * follows it through {@link #sync} and never changes it: expiry is decided here and carried out by
 * proposing a revocation, which every replica applies at the same log index.
 *
 * <p><b>Promotion.</b> A new leader cannot know the deadlines its predecessor held (they were in
 * its memory, and were moved by keep-alives that were never replicated). {@link #promote} therefore
 * gives every lease a full TTL from the moment of promotion <em>plus</em> {@code extensionNanos},
 * which the node sets to its maximum election timeout (2 × election ticks × tick). The full TTL
 * covers the old leader's promise: a keep-alive it answered at time t promised expiry no earlier
 * than t + TTL, and promotion happens after t. The extension covers the client's side of a leader
 * change: its keep-alive stream to the old leader broke, and it needs about one election timeout
 * to learn the new leader (NOT_LEADER hints, retries) and renew there; without it a client renewing
 * at TTL/3 intervals could lose a lease that it kept alive correctly, just because the leader
 * changed. A lease therefore never expires because of a leader change, at the cost of living up to
 * TTL + extension longer than asked when its holder died just before the change.
 */
public final class Lessor {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final long extensionNanos;
    /** Deadlines of every lease the primary knows; empty while not primary. */
    private final Map<Long, Lease> leases = new HashMap<>();
    /** Earliest deadline first; entries go stale when a lease is renewed (checked on poll). */
    private final PriorityQueue<long[]> byDeadline = new PriorityQueue<>((a, b) -> Long.compare(a[1], b[1]));

    private boolean primary;

    private static final class Lease {
        final long ttlSeconds;
        long deadline;
        /** A revocation for it has been proposed and not yet failed. */
        boolean revoking;

        Lease(long ttlSeconds, long deadline) {
            this.ttlSeconds = ttlSeconds;
            this.deadline = deadline;
        }
    }

    /** @param extensionNanos added to every lease's TTL on {@link #promote} (see the class comment) */
    public Lessor(long extensionNanos) {
        if (extensionNanos < 0) {
            throw new IllegalArgumentException("extensionNanos must be ≥ 0, got " + extensionNanos);
        }
        this.extensionNanos = extensionNanos;
    }

    /** Whether this member leads and keeps lease deadlines. */
    public boolean primary() {
        return primary;
    }

    /**
     * This member became leader at {@code now}: every lease in {@code table} (id → granted TTL,
     * seconds) gets the deadline {@code now + TTL + extension}.
     */
    public void promote(long now, Map<Long, Long> table) {
        leases.clear();
        byDeadline.clear();
        primary = true;
        table.forEach((id, ttl) -> put(id, ttl, now + ttl * NANOS_PER_SECOND + extensionNanos));
    }

    /** This member no longer leads: forget every deadline (the next leader keeps its own). */
    public void demote() {
        primary = false;
        leases.clear();
        byDeadline.clear();
    }

    /**
     * Follows the replicated table: a lease new to this primary (granted since) gets
     * {@code now + TTL}; a lease gone from the table (revoked) is dropped. No-op when not primary.
     */
    public void sync(long now, Map<Long, Long> table) {
        if (!primary) {
            return;
        }
        leases.keySet().removeIf(id -> !table.containsKey(id));
        table.forEach((id, ttl) -> {
            if (!leases.containsKey(id)) {
                put(id, ttl, now + ttl * NANOS_PER_SECOND);
            }
        });
    }

    private void put(long id, long ttlSeconds, long deadline) {
        leases.put(id, new Lease(ttlSeconds, deadline));
        byDeadline.add(new long[] {id, deadline});
    }

    /**
     * Renews lease {@code id} to {@code now + TTL}.
     *
     * @return the TTL granted (seconds), or 0 when the lease is unknown to this primary or its
     *         deadline has passed already (it is expired and being revoked: a renewal never revives it)
     * @throws IllegalStateException when not primary
     */
    public long keepAlive(long id, long now) {
        requirePrimary();
        Lease l = leases.get(id);
        if (l == null || now - l.deadline >= 0) {
            return 0;
        }
        l.deadline = now + l.ttlSeconds * NANOS_PER_SECOND;
        byDeadline.add(new long[] {id, l.deadline});
        return l.ttlSeconds;
    }

    /** Nanoseconds lease {@code id} has left (0 once its deadline passed), or -1 when unknown. */
    public long remainingNanos(long id, long now) {
        requirePrimary();
        Lease l = leases.get(id);
        return l == null ? -1 : Math.max(0, l.deadline - now);
    }

    /**
     * Leases whose deadline is at or before {@code now}, at most {@code max} of them, earliest
     * first, each marked as being revoked (not returned again unless {@link #revocationFailed}).
     * Empty when not primary.
     */
    public List<Long> expired(long now, int max) {
        List<Long> out = new ArrayList<>();
        if (!primary) {
            return out;
        }
        List<long[]> keep = new ArrayList<>();
        while (out.size() < max && !byDeadline.isEmpty() && now - byDeadline.peek()[1] >= 0) {
            long[] e = byDeadline.poll();
            Lease l = leases.get(e[0]);
            if (l == null || l.deadline != e[1]) {
                continue; // revoked, or renewed since: a stale entry
            }
            if (l.revoking) {
                keep.add(e);
                continue;
            }
            l.revoking = true;
            keep.add(e); // stays queued, so a failed revocation is found again
            out.add(e[0]);
        }
        byDeadline.addAll(keep);
        return out;
    }

    /** The revocation proposed for {@code id} failed (leadership lost, overload): try it again later. */
    public void revocationFailed(long id) {
        Lease l = leases.get(id);
        if (l != null) {
            l.revoking = false;
        }
    }

    /** Leases this primary keeps deadlines for. */
    public int size() {
        return leases.size();
    }

    private void requirePrimary() {
        if (!primary) {
            throw new IllegalStateException("not the primary lessor");
        }
    }

    /** For diagnostics: ids and deadlines (test use). */
    Map<Long, Long> deadlines() {
        Map<Long, Long> out = new HashMap<>();
        for (Iterator<Map.Entry<Long, Lease>> it = leases.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, Lease> e = it.next();
            out.put(e.getKey(), e.getValue().deadline);
        }
        return out;
    }
}
