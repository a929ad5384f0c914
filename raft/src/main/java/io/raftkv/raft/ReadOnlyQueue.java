package io.raftkv.raft;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The leader's pending ReadIndex requests (§6.4, etcd's {@code readOnly}), in arrival order. A
 * request is safe once a quorum acknowledged a heartbeat carrying its context <em>or any later
 * one</em>: a heartbeat round started after a request was queued confirms leadership for every
 * request queued before it, so one round serves a whole batch.
 *
 * <p>Bounded: at most {@link #MAX_PENDING} requests wait; the queue empties whenever the leader
 * steps down (waiting callers time out in the driver).
 */
final class ReadOnlyQueue {
    /** Upper bound on waiting read requests. */
    static final int MAX_PENDING = 4096;

    /** A waiting request: the commit index when it arrived and who has acknowledged it. */
    static final class Pending {
        final Message request;
        final long commitIndex;
        final Set<Long> acks = new HashSet<>();

        Pending(Message request, long commitIndex) {
            this.request = request;
            this.commitIndex = commitIndex;
        }
    }

    /** A request context with value equality, usable as a map key. */
    private record Ctx(byte[] bytes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Ctx c && Arrays.equals(c.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }
    }

    private final Map<Ctx, Pending> byContext = new HashMap<>();
    private final ArrayDeque<Ctx> order = new ArrayDeque<>();

    int size() {
        return order.size();
    }

    boolean isFull() {
        return order.size() >= MAX_PENDING;
    }

    boolean contains(byte[] ctx) {
        return byContext.containsKey(new Ctx(ctx));
    }

    /**
     * Queues {@code request} (its context must be unique among pending ones; a duplicate is
     * ignored, as it will be answered with the first).
     */
    void add(long commitIndex, Message request) {
        Ctx key = new Ctx(request.context());
        if (byContext.containsKey(key)) {
            return;
        }
        if (isFull()) {
            throw new IllegalStateException("read-index queue is full (" + MAX_PENDING + ")");
        }
        byContext.put(key, new Pending(request, commitIndex));
        order.addLast(key);
    }

    /**
     * Records that {@code from} acknowledged the heartbeat carrying {@code ctx}.
     *
     * @return the acknowledgements so far as votes, or null if {@code ctx} is not pending
     */
    Map<Long, Boolean> recvAck(long from, byte[] ctx) {
        Pending p = byContext.get(new Ctx(ctx));
        if (p == null) {
            return null;
        }
        p.acks.add(from);
        Map<Long, Boolean> votes = new HashMap<>();
        for (long id : p.acks) {
            votes.put(id, true);
        }
        return votes;
    }

    /** Removes and returns every request up to and including the one carrying {@code ctx}. */
    List<Pending> releaseUpTo(byte[] ctx) {
        Ctx key = new Ctx(ctx);
        if (!byContext.containsKey(key)) {
            return List.of();
        }
        List<Pending> released = new ArrayList<>();
        while (!order.isEmpty()) {
            Ctx head = order.pollFirst();
            released.add(byContext.remove(head));
            if (head.equals(key)) {
                break;
            }
        }
        return released;
    }

    /** Context of the newest pending request, or null if none (sent with every heartbeat). */
    byte[] lastPendingContext() {
        Ctx last = order.peekLast();
        return last == null ? null : last.bytes;
    }
}
