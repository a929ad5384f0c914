package io.raftkv.api.recipes;

import io.raftkv.api.RaftKvException;
import io.raftkv.api.client.Watcher;
import io.raftkv.api.v1.Event;
import io.raftkv.api.v1.KeyValue;
import io.raftkv.api.v1.WatchCreateRequest;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Follows an {@link Election}'s leader with one {@link Watcher} on the election's prefix: it reads
 * the candidates once (linearizably, at one revision), then applies the watch's events from the
 * next revision to that view, so every leader change is seen in revision order without reading
 * again. The events are handed from the watcher's event loop to the caller's thread through a
 * queue of at most {@link #MAX_PENDING} batches; if the caller falls that far behind, or the watch
 * ends (e.g. its resume revision was compacted), the observer reads the candidates again and
 * watches from there.
 *
 * <p>Create with {@link Election#observer()} or {@link Election#observer(io.raftkv.api.client.RaftKvClient, String)};
 * used by one thread; close it to stop watching.
 */
public final class LeaderObserver implements AutoCloseable {
    /** Watch batches buffered for the caller at most; beyond that the observer re-reads. */
    static final int MAX_PENDING = 1_024;

    private static final Object RESYNC = new Object();

    private final KeyQueue queue;
    private final Map<com.google.protobuf.ByteString, KeyValue> candidates = new HashMap<>();
    private BlockingQueue<Object> pending;
    private Watcher watcher;
    private volatile boolean overflowed;
    private boolean closed;

    LeaderObserver(KeyQueue queue) {
        this.queue = queue;
        resync();
    }

    /** The leader as of the events applied so far (empty: no candidate). */
    public Optional<KeyValue> leader() {
        KeyValue best = null;
        for (KeyValue k : candidates.values()) {
            if (best == null || k.getCreateRevision() < best.getCreateRevision()) {
                best = k;
            }
        }
        return Optional.ofNullable(best);
    }

    /**
     * Blocks until the leader differs from {@code known} (another key, another value, or none;
     * {@code known} empty: until there is a leader), or {@code timeout} passes; returns the leader
     * then (empty: no leader).
     */
    public Optional<KeyValue> awaitChange(Optional<KeyValue> known, Duration timeout)
            throws TimeoutException, InterruptedException {
        if (closed) {
            throw new IllegalStateException("observer closed");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<KeyValue> now = leader();
            if (!same(now, known)) {
                return now;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new TimeoutException("the leader of " + queue.prefix() + " did not change");
            }
            Object next = pending.poll(left, TimeUnit.NANOSECONDS);
            if (next == null) {
                continue;
            }
            if (next == RESYNC) {
                resync();
                continue;
            }
            @SuppressWarnings("unchecked")
            List<Event> events = (List<Event>) next;
            apply(events);
            if (overflowed && pending.isEmpty()) {
                resync();
            }
        }
    }

    private void apply(List<Event> events) {
        for (Event e : events) {
            if (e.getType() == Event.EventType.DELETE) {
                candidates.remove(e.getKv().getKey());
            } else {
                candidates.put(e.getKv().getKey(), e.getKv());
            }
        }
    }

    /** Reads the candidates again and watches from the revision after that read. */
    private void resync() {
        if (watcher != null) {
            watcher.close();
        }
        KeyQueue.Members members = queue.scan(false);
        candidates.clear();
        for (KeyValue k : members.kvs()) {
            candidates.put(k.getKey(), k);
        }
        overflowed = false;
        BlockingQueue<Object> mine = new ArrayBlockingQueue<>(MAX_PENDING);
        pending = mine;
        watcher = queue.client()
                .watch(
                        WatchCreateRequest.newBuilder()
                                .setKey(com.google.protobuf.ByteString.copyFromUtf8(queue.prefix()))
                                .setPrefix(true)
                                .setStartRevision(members.revision() + 1)
                                .build(),
                        new Watcher.Listener() {
                            @Override
                            public void onEvents(List<Event> events, long revision) {
                                if (!mine.offer(events)) {
                                    overflowed = true;
                                }
                            }

                            @Override
                            public void onClosed(RaftKvException errorOrNull) {
                                if (errorOrNull != null && !mine.offer(RESYNC)) {
                                    overflowed = true;
                                }
                            }
                        });
    }

    static boolean same(Optional<KeyValue> a, Optional<KeyValue> b) {
        return a.isPresent() == b.isPresent()
                && (a.isEmpty()
                        || a.get().getKey().equals(b.get().getKey())
                                && a.get().getValue().equals(b.get().getValue()));
    }

    /** Stops watching. */
    @Override
    public void close() {
        closed = true;
        if (watcher != null) {
            watcher.close();
        }
    }
}
