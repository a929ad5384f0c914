package io.raftkv.node.storage;

import io.raftkv.node.kv.StateHash;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The state hashes of this member at the hash points of the corruption check
 * ({@link Command.HashCheck} entries): the apply thread stops its batch right after such an entry,
 * takes a RocksDB snapshot (cheap) and hands it here; a thread of its own hashes the snapshot, so
 * the apply thread never waits for a hash of the whole state. Every replica hashes exactly the
 * state after the same entry, so the hashes are comparable across members.
 *
 * <p>Bounded: the last {@link #KEEP} hash points are kept, at most {@link #MAX_QUEUED} hashes wait
 * for the hashing thread (a hash point beyond that is answered "busy"), and at most
 * {@link #MAX_WAITERS} callers wait for an index not yet applied.
 *
 * <p>Thread-safety: every method may be called from any thread; {@link #record} and
 * {@link #appliedUpTo} come from the apply thread. A small monitor guards the two maps (never
 * held while hashing).
 */
final class StateHashPoints implements AutoCloseable {
    static final int KEEP = 8;
    static final int MAX_QUEUED = 2;
    static final int MAX_WAITERS = 64;

    /** A hash to compute from a snapshot taken by the apply thread. */
    interface PendingHash {
        /** Computes the hash (on the hashing thread); must release whatever the snapshot holds. */
        StateHash compute();

        /** Gives up without hashing (queue full, closed, state replaced): releases the snapshot. */
        void abandon();
    }

    /** Hash point index → its hash (possibly still being computed), oldest first. */
    private final LinkedHashMap<Long, CompletableFuture<StateHash>> points = new LinkedHashMap<>();
    /** Index → callers waiting for an index this member has not applied yet. */
    private final TreeMap<Long, CompletableFuture<StateHash>> waiters = new TreeMap<>();

    private final ThreadPoolExecutor hasher;
    private volatile long appliedIndex;

    StateHashPoints(long appliedIndex) {
        this.appliedIndex = appliedIndex;
        this.hasher =
                new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(MAX_QUEUED), r -> {
                    Thread t = new Thread(r, "raftkv-state-hash");
                    t.setDaemon(true);
                    return t;
                });
    }

    /** Apply thread: the state right after entry {@code index} (a hash point) is held by {@code pending}. */
    void record(long index, PendingHash pending) {
        CompletableFuture<StateHash> hash;
        synchronized (this) {
            hash = waiters.remove(index);
            if (hash == null) {
                hash = new CompletableFuture<>();
            }
            points.put(index, hash);
            Iterator<Map.Entry<Long, CompletableFuture<StateHash>>> it =
                    points.entrySet().iterator();
            while (points.size() > KEEP && it.hasNext()) {
                it.next();
                it.remove();
            }
        }
        CompletableFuture<StateHash> result = hash;
        try {
            hasher.execute(() -> {
                try {
                    result.complete(pending.compute());
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            pending.abandon();
            result.completeExceptionally(new IllegalStateException(
                    "member is busy hashing earlier hash points; no" + " hash taken at index " + index));
        }
    }

    /** Apply thread: entries up to {@code index} are applied; callers waiting for an index ≤ it that was no hash point fail. */
    void appliedUpTo(long index) {
        appliedIndex = index;
        Map<Long, CompletableFuture<StateHash>> passed;
        synchronized (this) {
            Map<Long, CompletableFuture<StateHash>> head = waiters.headMap(index, true);
            passed = new LinkedHashMap<>(head);
            head.clear();
        }
        passed.forEach((i, f) -> f.completeExceptionally(
                new IllegalStateException("entry " + i + " is no hash point of the corruption check")));
    }

    /**
     * This member's state hash right after entry {@code index}, once computed: at once if it is a
     * recent hash point, when it is applied if not yet applied; fails if this member applied past it
     * without a hash point there (it is no hash check entry, it was hashed too long ago, or this
     * member restarted or installed a snapshot since).
     */
    CompletableFuture<StateHash> hashAt(long index, Function<Long, String> whyMissing) {
        synchronized (this) {
            CompletableFuture<StateHash> known = points.get(index);
            if (known != null) {
                return known;
            }
            if (index > appliedIndex) {
                CompletableFuture<StateHash> waiting = waiters.get(index);
                if (waiting != null) {
                    return waiting;
                }
                if (waiters.size() >= MAX_WAITERS) {
                    return CompletableFuture.failedFuture(
                            new IllegalStateException("too many waiting hash requests (" + MAX_WAITERS + ")"));
                }
                waiting = new CompletableFuture<>();
                waiters.put(index, waiting);
                return waiting;
            }
        }
        return CompletableFuture.failedFuture(new IllegalStateException(whyMissing.apply(index)));
    }

    /** Fails every waiting caller and stops the hashing thread (queued hashes are abandoned). */
    @Override
    public void close() {
        for (Runnable r : hasher.shutdownNow()) {
            r.run(); // each queued task sees the closed state machine and abandons its snapshot
        }
        Map<Long, CompletableFuture<StateHash>> left;
        synchronized (this) {
            left = new LinkedHashMap<>(waiters);
            waiters.clear();
        }
        left.values().forEach(f -> f.completeExceptionally(new IllegalStateException("state machine closed")));
    }
}
