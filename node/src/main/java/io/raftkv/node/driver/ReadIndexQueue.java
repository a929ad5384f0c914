package io.raftkv.node.driver;

import io.raftkv.raft.ProposalDroppedException;
import io.raftkv.raft.ReadState;
import io.vertx.core.Promise;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Linearizable read barriers (ReadIndex, Raft dissertation §6.4), batched: reads that arrive while
 * the driver works are collected and share one {@code readIndex} request per loop pass, so a burst
 * of reads costs one heartbeat round. A batch moves through three stages, all on the driver's
 * context:
 * <ol>
 *   <li>{@code waiting}: arrived, no request issued yet;</li>
 *   <li>{@code issued}: a request with a unique context is in the core (or on its way to the
 *       leader);</li>
 *   <li>{@code awaitingApply}: the core answered with a read index; the batch completes once the
 *       local applied index reaches it.</li>
 * </ol>
 * Each request is issued after all its reads arrived, so its read index covers every write
 * acknowledged before any of them began. Invariant: total pending reads ≤ capacity; every read
 * fails after the timeout if not satisfied.
 *
 * <p>LEASE reads wait in a list of their own and go to the core's {@code leaseRead}: on a leader
 * holding its lease the read index comes back in the next Ready without a round trip; otherwise the
 * same request runs ReadIndex, and from there on both kinds travel alike.
 */
final class ReadIndexQueue {
    private record Batch(List<Promise<Void>> reads, long deadlineNanos) {}

    private final int capacity;
    private final long timeoutNanos;
    private List<Promise<Void>> waiting = new ArrayList<>();
    private long waitingDeadline;
    private List<Promise<Void>> waitingLease = new ArrayList<>();
    private long waitingLeaseDeadline;
    private final Map<Long, Batch> issued = new HashMap<>();
    private final NavigableMap<Long, List<Batch>> awaitingApply = new TreeMap<>();
    private long nextContext = 1;
    private int pending;

    ReadIndexQueue(int capacity, long timeoutMs) {
        this.capacity = capacity;
        this.timeoutNanos = timeoutMs * 1_000_000L;
    }

    boolean isFull() {
        return pending >= capacity;
    }

    int pending() {
        return pending;
    }

    void add(Promise<Void> read, long nowNanos) {
        if (waiting.isEmpty()) {
            waitingDeadline = nowNanos + timeoutNanos;
        }
        waiting.add(read);
        pending++;
    }

    /** A LEASE read: issued through the core's {@code leaseRead} (see the class comment). */
    void addLease(Promise<Void> read, long nowNanos) {
        if (waitingLease.isEmpty()) {
            waitingLeaseDeadline = nowNanos + timeoutNanos;
        }
        waitingLease.add(read);
        pending++;
    }

    /** How a batch of LEASE reads was issued. */
    interface LeaseOutcome {
        void issued(int reads, boolean fromLease);
    }

    /**
     * Issues one request for the LEASE reads that arrived since the last call.
     *
     * @param leaseRead the core's {@code leaseRead(ctx)}: true if the lease answered
     */
    void flushLease(
            java.util.function.Predicate<byte[]> leaseRead,
            java.util.function.Function<ProposalDroppedException, RuntimeException> mapDropped,
            LeaseOutcome outcome) {
        if (waitingLease.isEmpty()) {
            return;
        }
        long ctx = nextContext++;
        Batch batch = new Batch(waitingLease, waitingLeaseDeadline);
        waitingLease = new ArrayList<>();
        try {
            boolean fromLease =
                    leaseRead.test(ByteBuffer.allocate(Long.BYTES).putLong(ctx).array());
            issued.put(ctx, batch);
            outcome.issued(batch.reads.size(), fromLease);
        } catch (ProposalDroppedException e) {
            fail(batch, mapDropped.apply(e));
        }
    }

    /**
     * Issues one request for every read that arrived since the last call.
     *
     * @param readIndex the core's {@code readIndex(ctx)}; its {@link ProposalDroppedException} fails
     *                  the batch through {@code mapDropped}
     */
    void flush(
            Consumer<byte[]> readIndex,
            java.util.function.Function<ProposalDroppedException, RuntimeException> mapDropped) {
        if (waiting.isEmpty()) {
            return;
        }
        long ctx = nextContext++;
        Batch batch = new Batch(waiting, waitingDeadline);
        waiting = new ArrayList<>();
        try {
            readIndex.accept(ByteBuffer.allocate(Long.BYTES).putLong(ctx).array());
            issued.put(ctx, batch);
        } catch (ProposalDroppedException e) {
            fail(batch, mapDropped.apply(e));
        }
    }

    /** Read states from a Ready; batches whose index is already applied complete at once. */
    void onReadStates(List<ReadState> states, long appliedIndex) {
        for (ReadState rs : states) {
            if (rs.requestCtx() == null || rs.requestCtx().length != Long.BYTES) {
                continue; // not ours
            }
            Batch b = issued.remove(ByteBuffer.wrap(rs.requestCtx()).getLong());
            if (b == null) {
                continue; // already timed out
            }
            if (rs.index() <= appliedIndex) {
                complete(b);
            } else {
                awaitingApply
                        .computeIfAbsent(rs.index(), k -> new ArrayList<>())
                        .add(b);
            }
        }
    }

    void onApplied(long appliedIndex) {
        NavigableMap<Long, List<Batch>> ready = awaitingApply.headMap(appliedIndex, true);
        for (List<Batch> bs : ready.values()) {
            bs.forEach(this::complete);
        }
        ready.clear();
    }

    /**
     * Leadership changed: requests still in the core may never be answered (etcd drops them), so
     * their reads fail UNAVAILABLE and clients retry; reads that already have an index stay.
     */
    void onLeaderChange(String why) {
        for (Batch b : issued.values()) {
            fail(b, new UnavailableException("read aborted: " + why));
        }
        issued.clear();
    }

    void expire(long nowNanos) {
        if (!waiting.isEmpty() && nowNanos - waitingDeadline >= 0) {
            Batch b = new Batch(waiting, waitingDeadline);
            waiting = new ArrayList<>();
            fail(b, timeout());
        }
        if (!waitingLease.isEmpty() && nowNanos - waitingLeaseDeadline >= 0) {
            Batch b = new Batch(waitingLease, waitingLeaseDeadline);
            waitingLease = new ArrayList<>();
            fail(b, timeout());
        }
        Iterator<Batch> it = issued.values().iterator();
        while (it.hasNext()) {
            Batch b = it.next();
            if (nowNanos - b.deadlineNanos >= 0) {
                it.remove();
                fail(b, timeout());
            }
        }
        Iterator<List<Batch>> lists = awaitingApply.values().iterator();
        while (lists.hasNext()) {
            List<Batch> bs = lists.next();
            bs.removeIf(b -> {
                if (nowNanos - b.deadlineNanos >= 0) {
                    fail(b, timeout());
                    return true;
                }
                return false;
            });
            if (bs.isEmpty()) {
                lists.remove();
            }
        }
    }

    void failAll(RuntimeException cause) {
        fail(new Batch(waiting, 0), cause);
        waiting = new ArrayList<>();
        fail(new Batch(waitingLease, 0), cause);
        waitingLease = new ArrayList<>();
        issued.values().forEach(b -> fail(b, cause));
        issued.clear();
        awaitingApply.values().forEach(bs -> bs.forEach(b -> fail(b, cause)));
        awaitingApply.clear();
    }

    private UnavailableException timeout() {
        return new UnavailableException(
                "read barrier not satisfied within " + timeoutNanos / 1_000_000 + " ms (no leader, or no quorum)");
    }

    private void complete(Batch b) {
        pending -= b.reads.size();
        b.reads.forEach(Promise::tryComplete);
    }

    private void fail(Batch b, RuntimeException cause) {
        pending -= b.reads.size();
        b.reads.forEach(p -> p.tryFail(cause));
    }
}
