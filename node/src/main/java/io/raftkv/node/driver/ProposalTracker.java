package io.raftkv.node.driver;

import io.raftkv.node.kv.ApplyResult;
import io.raftkv.raft.Entry;
import io.vertx.core.Promise;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Proposals waiting for their entry to be applied, keyed by log index. Confined to the driver's
 * context.
 *
 * <p>The rule (Raft §8 and etcd's "wait" registry): a proposal made at (index, term) succeeded iff
 * the entry applied at {@code index} has {@code term}. An entry of another term at that index means
 * the proposal was overwritten and can never commit: it fails ABORTED (definitely not applied). If
 * a newer proposal lands on an index an older one still waits for, the older one is aborted at once
 * — the newer leader's log no longer holds it. Indexes passed without an entry (a snapshot replaced
 * the log) and proposals older than the timeout fail UNAVAILABLE: the outcome is unknown.
 *
 * <p>Invariant: {@code size() ≤ capacity}; callers check {@link #isFull()} before proposing.
 */
final class ProposalTracker {
    private record Pending(long term, Promise<ApplyResult> promise, long deadlineNanos) {}

    private final NavigableMap<Long, Pending> byIndex = new TreeMap<>();
    private final int capacity;
    private final long timeoutNanos;

    ProposalTracker(int capacity, long timeoutMs) {
        this.capacity = capacity;
        this.timeoutNanos = timeoutMs * 1_000_000L;
    }

    boolean isFull() {
        return byIndex.size() >= capacity;
    }

    int size() {
        return byIndex.size();
    }

    void add(long index, long term, Promise<ApplyResult> promise, long nowNanos) {
        Pending old = byIndex.put(index, new Pending(term, promise, nowNanos + timeoutNanos));
        if (old != null) {
            old.promise.tryFail(new RaftNodeException(
                    RaftNodeException.Code.ABORTED,
                    "proposal at index " + index + " term " + old.term
                            + " was overwritten by a newer leader's entry; not applied"));
        }
    }

    /** {@code entries} were applied with {@code results} (same order, same length). */
    void onApplied(List<Entry> entries, List<ApplyResult> results) {
        if (byIndex.isEmpty()) {
            return;
        }
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            Pending p = byIndex.remove(e.index());
            if (p == null) {
                continue;
            }
            if (p.term == e.term()) {
                p.promise.tryComplete(results.get(i));
            } else {
                p.promise.tryFail(new RaftNodeException(
                        RaftNodeException.Code.ABORTED,
                        "proposal at index " + e.index() + " term " + p.term + " lost to an entry of term " + e.term()
                                + "; not applied"));
            }
        }
        failUpTo(entries.get(entries.size() - 1).index(), "its index was applied without it");
    }

    /** Every proposal at or below {@code index} can no longer be matched: outcome unknown. */
    void failUpTo(long index, String why) {
        NavigableMap<Long, Pending> head = byIndex.headMap(index, true);
        for (Map.Entry<Long, Pending> e : head.entrySet()) {
            e.getValue()
                    .promise
                    .tryFail(new UnavailableException(
                            "outcome of proposal at index " + e.getKey() + " unknown: " + why));
        }
        head.clear();
    }

    void expire(long nowNanos) {
        Iterator<Map.Entry<Long, Pending>> it = byIndex.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, Pending> e = it.next();
            if (nowNanos - e.getValue().deadlineNanos >= 0) {
                it.remove();
                e.getValue()
                        .promise
                        .tryFail(new UnavailableException("proposal at index " + e.getKey() + " not applied within "
                                + timeoutNanos / 1_000_000 + " ms; outcome unknown"));
            }
        }
    }

    void failAll(RuntimeException cause) {
        for (Pending p : byIndex.values()) {
            p.promise.tryFail(cause);
        }
        byIndex.clear();
    }
}
