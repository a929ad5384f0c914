package io.raftkv.node.watch;

import com.google.protobuf.UnsafeByteOperations;
import io.raftkv.api.v1.Event;
import io.raftkv.api.v1.Header;
import io.raftkv.api.v1.WatchCreateRequest;
import io.raftkv.api.v1.WatchResponse;
import io.raftkv.node.kv.ChangeListener;
import io.raftkv.node.kv.Changes;
import io.raftkv.node.kv.KeyValue;
import io.raftkv.node.kv.KvEvent;
import io.raftkv.node.kv.RevisionUnavailableException;
import io.raftkv.node.kv.Revisions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every watcher of this member, served on one thread ({@code raftkv-watch}).
 *
 * <p><b>Input.</b> The apply thread calls {@link #applied} after each written batch: it records the
 * new revisions and queues the batch's changes if the hand-off budget allows (else drops them: the
 * hub then notices the gap by revision and reads those changes from the history). It never blocks
 * and never waits for a watcher. While the member has no watcher at all it only records the
 * revisions: no hand-off, no wake-up of the hub, and the ring is emptied, so a member nobody
 * watches pays nothing per write for watching (a watcher created later reads what it needs from
 * the history, as after a dropped hand-off). A snapshot install calls {@link #reset}.
 *
 * <p><b>Delivery.</b> Each watcher has the next revision it has not been sent. A pump moves every
 * watcher that is behind forward through whole revisions: from the {@link EventRing} when the ring
 * holds that revision, else from the history on disk (a bounded chunk per watcher per pump), sending
 * the matching changes of those revisions in one response whose header revision says how far the
 * watcher now is. Revisions only move forward and each is consumed once per watcher, so no change
 * is skipped or repeated. A compacted position cancels the watcher with the compact revision; a
 * stream with more than {@link WatchOptions#streamBufferBytes()} unsent cancels the watcher that
 * has something to send, naming the revision to resume from.
 */
public final class WatchHub implements ChangeListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WatchHub.class);
    /** Queued client requests (create, cancel, progress) beyond which new ones are refused. */
    private static final int MAX_QUEUED_REQUESTS = 10_000;
    /** Watchers one pump may serve from disk before it yields to queued requests. */
    private static final int DISK_READS_PER_PUMP = 64;
    /**
     * Watchers at one position from which they are served together ({@link #advanceGroup});
     * a figure sets it beyond any group to measure one watcher at a time ({@code WatchFanOutFigures}).
     */
    static int sharedGroup = 2;

    private final WatchSource source;
    private final WatchOptions options;
    private final LongFunction<Header> header;
    private final WatchMetrics metrics;
    private final ScheduledThreadPoolExecutor thread;
    private final AtomicBoolean pumpScheduled = new AtomicBoolean();
    private final AtomicInteger queuedRequests = new AtomicInteger();
    private final Queue<HandOff> inbound = new ConcurrentLinkedQueue<>();
    private final AtomicLong handOffBytes = new AtomicLong();
    private volatile Revisions latest;
    /**
     * Watchers registered, published by the hub thread for the apply thread. With none, applied
     * changes are not handed off. The apply thread writes {@link #latest} before it reads this and
     * the hub thread writes this before it reads {@link #latest} (both volatile), so a watcher
     * created while a batch is applied is either handed that batch or sees its revision and pumps.
     */
    private volatile int liveWatchers;

    // ---- confined to the hub thread ----
    private final EventRing ring;
    /** The ring holds every change up to this revision (from {@link EventRing#from()}). */
    private long ringTop;

    private final Map<WatchSink, Map<Long, Watcher>> streams = new LinkedHashMap<>();
    private final WatcherIndex index = new WatcherIndex();
    /** Response headers built in the current pump, by revision (building one samples the node's status). */
    private final Map<Long, Header> headers = new HashMap<>();

    private final Map<WatchSink, Long> nextIds = new HashMap<>();
    private int watcherCount;

    private record HandOff(Revisions revisions, List<KvEvent> events, long bytes, boolean reset) {}

    public WatchHub(WatchSource source, WatchOptions options, LongFunction<Header> header, WatchMetrics metrics) {
        this.source = Objects.requireNonNull(source, "source");
        this.options = Objects.requireNonNull(options, "options");
        this.header = Objects.requireNonNull(header, "header");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.latest = source.revisions();
        this.ring = new EventRing(options.recentChangeBytes(), latest.current() + 1);
        this.ringTop = latest.current();
        this.thread = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "raftkv-watch");
            t.setDaemon(true);
            return t;
        });
        thread.setRemoveOnCancelPolicy(true);
        metrics.bind(this);
        thread.scheduleWithFixedDelay(
                this::progressTick,
                options.progressIntervalMillis(),
                options.progressIntervalMillis(),
                TimeUnit.MILLISECONDS);
    }

    // ---- from the apply thread ----

    @Override
    public void applied(Revisions revisions, List<KvEvent> events) {
        latest = revisions;
        if (liveWatchers == 0) {
            return; // nobody to tell; a watcher created later reads these changes from the history
        }
        if (!events.isEmpty()) {
            long bytes = 0;
            for (KvEvent e : events) {
                bytes += 64 + e.kv().key().length + e.kv().value().length;
            }
            if (handOffBytes.addAndGet(bytes) <= options.handOffBytes()) {
                inbound.add(new HandOff(revisions, events, bytes, false));
            } else {
                handOffBytes.addAndGet(-bytes); // dropped: the hub reads these from the history
            }
        }
        schedulePump();
    }

    @Override
    public void reset(Revisions revisions) {
        latest = revisions;
        inbound.add(new HandOff(revisions, List.of(), 0, true));
        schedulePump();
    }

    // ---- from streams (any thread) ----

    /** Creates a watcher of {@code r} on {@code sink}; {@code end} null means no upper bound. */
    public void create(WatchSink sink, WatchCreateRequest r, byte[] start, byte[] end) {
        submit(sink, r.getWatchId(), () -> doCreate(sink, r, start, end));
    }

    public void cancel(WatchSink sink, long watchId) {
        submit(sink, watchId, () -> {
            Watcher w = remove(sink, watchId);
            if (w != null) {
                sink.send(canceled(w.id, "canceled by the client", 0));
            }
        });
    }

    public void progress(WatchSink sink) {
        submit(sink, -1, () -> {
            long upTo = latest.current();
            for (Watcher w : streams.getOrDefault(sink, Map.of()).values()) {
                upTo = Math.min(upTo, w.next - 1);
            }
            sink.send(WatchResponse.newBuilder()
                    .setHeader(header.apply(upTo))
                    .setWatchId(-1)
                    .build());
        });
    }

    /** The stream ended: its watchers go. */
    public void closed(WatchSink sink) {
        execute(() -> {
            Map<Long, Watcher> ws = streams.remove(sink);
            nextIds.remove(sink);
            if (ws != null) {
                ws.values().forEach(index::remove);
                watchersChanged(-ws.size());
            }
        });
    }

    private void submit(WatchSink sink, long watchId, Runnable task) {
        if (queuedRequests.incrementAndGet() > MAX_QUEUED_REQUESTS) {
            queuedRequests.decrementAndGet();
            sink.send(canceled(watchId, "the member has too many watch requests queued; retry", 0));
            return;
        }
        execute(() -> {
            queuedRequests.decrementAndGet();
            task.run();
        });
    }

    private void execute(Runnable task) {
        try {
            thread.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.error("watch hub task failed", e);
                }
            });
        } catch (RejectedExecutionException e) {
            LOG.debug("watch hub closed; task dropped");
        }
    }

    private void schedulePump() {
        if (pumpScheduled.compareAndSet(false, true)) {
            execute(this::pump);
        }
    }

    // ---- the hub thread ----

    private void doCreate(WatchSink sink, WatchCreateRequest r, byte[] start, byte[] end) {
        Map<Long, Watcher> ws = streams.computeIfAbsent(sink, s -> new LinkedHashMap<>());
        long id = r.getWatchId();
        if (id == 0) {
            long next = nextIds.getOrDefault(sink, 1L);
            while (ws.containsKey(next)) {
                next++;
            }
            id = next;
            nextIds.put(sink, next + 1);
        }
        if (id < 0 || ws.containsKey(id)) {
            sink.send(WatchResponse.newBuilder()
                    .setHeader(header.apply(latest.current()))
                    .setWatchId(id)
                    .setCreated(true)
                    .setCanceled(true)
                    .setCancelReason(
                            "watch id " + id + " is " + (id < 0 ? "negative" : "already in use on this stream"))
                    .build());
            return;
        }
        if (ws.size() >= options.maxWatchersPerStream()) {
            sink.send(WatchResponse.newBuilder()
                    .setHeader(header.apply(latest.current()))
                    .setWatchId(id)
                    .setCreated(true)
                    .setCanceled(true)
                    .setCancelReason("this stream has " + ws.size()
                            + " watchers, the limit (--watch-max-watchers-per-stream); open another stream")
                    .build());
            return;
        }
        Revisions now = latest;
        long from = r.getStartRevision() == 0 ? now.current() + 1 : r.getStartRevision();
        if (from < now.compacted()) {
            sink.send(WatchResponse.newBuilder()
                    .setHeader(header.apply(now.current()))
                    .setWatchId(id)
                    .setCreated(true)
                    .setCanceled(true)
                    .setCompactRevision(now.compacted())
                    .setCancelReason("revision " + from + " has been compacted; the compact revision is "
                            + now.compacted() + " (watch from " + now.compacted() + " or later)")
                    .build());
            return;
        }
        boolean noPut = r.getFiltersList().contains(WatchCreateRequest.FilterType.NOPUT);
        boolean noDelete = r.getFiltersList().contains(WatchCreateRequest.FilterType.NODELETE);
        Watcher w = new Watcher(sink, id, start, end, r.getPrevKv(), r.getProgressNotify(), noPut, noDelete, from);
        ws.put(id, w);
        index.add(w);
        watchersChanged(1);
        sink.send(WatchResponse.newBuilder()
                .setHeader(header.apply(now.current()))
                .setWatchId(id)
                .setCreated(true)
                .build());
        // Read after the watcher was published: batches applied since are either handed off (and
        // pumped) or counted here.
        if (from <= latest.current()) {
            schedulePump();
        }
    }

    private Watcher remove(WatchSink sink, long id) {
        Map<Long, Watcher> ws = streams.get(sink);
        Watcher w = ws == null ? null : ws.remove(id);
        if (w != null) {
            index.remove(w);
            watchersChanged(-1);
        }
        return w;
    }

    /** Publishes the new watcher count; with none left, the ring lets its changes go. */
    private void watchersChanged(int delta) {
        watcherCount += delta;
        liveWatchers = watcherCount;
        if (watcherCount == 0) {
            ring.reset(ringTop + 1);
        }
    }

    /** Takes the handed-off changes into the ring. */
    private void drain() {
        for (HandOff h; (h = inbound.poll()) != null; ) {
            handOffBytes.addAndGet(-h.bytes());
            if (h.reset()) {
                ring.reset(h.revisions().current() + 1);
                ringTop = h.revisions().current();
                continue;
            }
            long first = h.events().get(0).revision();
            if (first != ringTop + 1) {
                ring.reset(first); // changes were dropped in between: those come from the history
            }
            ring.addAll(h.events());
            ringTop = h.revisions().current();
        }
    }

    private void pump() {
        pumpScheduled.set(false);
        drain();
        headers.clear();
        long current = latest.current();
        boolean more = false;
        int diskReads = 0;
        // Watchers the ring can serve, by position: each position's changes are sliced, matched
        // (through the index) and turned into events once, however many watchers share it.
        Map<Long, List<Watcher>> atPosition = new LinkedHashMap<>();
        for (Map<Long, Watcher> ws : List.copyOf(streams.values())) {
            for (Watcher w : List.copyOf(ws.values())) {
                if (w.next > current) {
                    continue;
                }
                if (w.next >= ring.from() && w.next <= ringTop) {
                    atPosition.computeIfAbsent(w.next, n -> new ArrayList<>()).add(w);
                    continue;
                }
                if (diskReads++ >= DISK_READS_PER_PUMP) {
                    more = true;
                    continue;
                }
                advance(w, false);
                more |= w.next <= current && registered(w);
            }
        }
        for (Map.Entry<Long, List<Watcher>> group : atPosition.entrySet()) {
            if (group.getValue().size() < sharedGroup) {
                for (Watcher w : group.getValue()) {
                    advance(w, true);
                    more |= w.next <= current && registered(w);
                }
            } else {
                more |= advanceGroup(group.getKey(), group.getValue(), current);
            }
        }
        trimRing();
        if (more) {
            schedulePump();
        }
    }

    /**
     * Lets the ring go of the changes every watcher has been sent: they would otherwise live for
     * seconds (up to {@link WatchOptions#recentChangeBytes()}) and be promoted and collected in the
     * old generation at every write rate. A watcher behind the ring's start keeps it whole, so that it
     * meets the ring when its reads from the history catch up; a watcher created later from a past
     * revision reads those changes from the history.
     */
    private void trimRing() {
        long keepFrom = ringTop + 1;
        for (Map<Long, Watcher> ws : streams.values()) {
            for (Watcher w : ws.values()) {
                keepFrom = Math.min(keepFrom, w.next);
            }
        }
        ring.dropBefore(keepFrom);
    }

    private boolean registered(Watcher w) {
        return streams.getOrDefault(w.sink, Map.of()).get(w.id) == w;
    }

    /**
     * Moves every watcher at {@code position} (all served from the ring) through the same slice:
     * each change is matched through the {@link WatcherIndex} and built into an {@link Event} once
     * (once more with prev_kv if a watcher wants it); each watcher then gets one response.
     *
     * @return whether any of them is still behind {@code current}
     */
    private boolean advanceGroup(long position, List<Watcher> group, long current) {
        EventRing.Slice slice = ring.slice(position, options.batchEvents(), options.batchBytes());
        List<KvEvent> events = slice.events();
        long upTo = slice.cut() ? events.get(events.size() - 1).revision() : ringTop;
        Set<Watcher> members = Collections.newSetFromMap(new IdentityHashMap<>());
        members.addAll(group);
        Map<Watcher, List<Event>> matched = new LinkedHashMap<>();
        for (KvEvent e : events) {
            Event[] built = new Event[2]; // without, with prev_kv
            index.forEach(e.kv().key(), w -> {
                if (!members.contains(w) || !w.matches(e)) {
                    return;
                }
                int k = w.prevKv ? 1 : 0;
                if (built[k] == null) {
                    built[k] = event(w, e);
                }
                matched.computeIfAbsent(w, x -> new ArrayList<>()).add(built[k]);
            });
        }
        for (Map.Entry<Watcher, List<Event>> m : matched.entrySet()) {
            send(m.getKey(), m.getValue(), upTo);
        }
        boolean behind = false;
        for (Watcher w : group) {
            w.next = Math.max(w.next, upTo + 1);
            behind |= w.next <= current && registered(w);
        }
        return behind;
    }

    /** Sends {@code w} the matching changes of its next revisions. */
    private void advance(Watcher w, boolean fromRing) {
        List<KvEvent> events;
        long upTo;
        if (fromRing) {
            EventRing.Slice slice = ring.slice(w.next, options.batchEvents(), options.batchBytes());
            events = slice.events();
            upTo = slice.cut() ? events.get(events.size() - 1).revision() : ringTop;
        } else {
            Changes c;
            try {
                c = source.changes(w.next, options.batchEvents(), options.batchBytes());
            } catch (RevisionUnavailableException e) {
                remove(w.sink, w.id);
                w.sink.send(canceled(w.id, e.getMessage(), e.compactRevision()));
                return;
            }
            events = c.events();
            upTo = c.upTo();
        }
        List<Event> matched = new ArrayList<>();
        for (KvEvent e : events) {
            if (w.matches(e)) {
                matched.add(event(w, e));
            }
        }
        if (!matched.isEmpty() && !send(w, matched, upTo)) {
            return;
        }
        w.next = Math.max(w.next, upTo + 1);
    }

    /**
     * Sends {@code w} its matched changes up to revision {@code upTo}, or cancels it as slow when
     * its stream holds too much unsent already.
     *
     * @return false if it was canceled
     */
    private boolean send(Watcher w, List<Event> matched, long upTo) {
        if (w.sink.pendingBytes() > options.streamBufferBytes()) {
            remove(w.sink, w.id);
            metrics.slowCanceled();
            w.sink.send(canceled(
                    w.id,
                    "slow watcher: the client has not read " + w.sink.pendingBytes()
                            + " bytes of this stream's events (limit " + options.streamBufferBytes()
                            + "); watch again from revision " + w.next,
                    0));
            return false;
        }
        w.sink.send(WatchResponse.newBuilder()
                .setHeader(headers.computeIfAbsent(upTo, header::apply))
                .setWatchId(w.id)
                .addAllEvents(matched)
                .build());
        metrics.sent(matched.size());
        w.sentSinceTick = true;
        return true;
    }

    private Event event(Watcher w, KvEvent e) {
        Event.Builder b = Event.newBuilder()
                .setType(e.type() == KvEvent.Type.PUT ? Event.EventType.PUT : Event.EventType.DELETE)
                .setKv(keyValue(e.kv()));
        if (w.prevKv) {
            try {
                source.previous(e.kv().key(), e.revision(), e.subRevision()).ifPresent(p -> b.setPrevKv(keyValue(p)));
            } catch (RevisionUnavailableException ex) {
                LOG.debug("prev_kv of revision {} is compacted", e.revision());
            }
        }
        return b.build();
    }

    static io.raftkv.api.v1.KeyValue keyValue(KeyValue kv) {
        return io.raftkv.api.v1.KeyValue.newBuilder()
                .setKey(UnsafeByteOperations.unsafeWrap(kv.key()))
                .setValue(UnsafeByteOperations.unsafeWrap(kv.value()))
                .setCreateIndex(kv.createRevision())
                .setModIndex(kv.modRevision())
                .setCreateRevision(kv.createRevision())
                .setModRevision(kv.modRevision())
                .setVersion(kv.version())
                .setLease(kv.lease())
                .build();
    }

    private WatchResponse canceled(long id, String reason, long compactRevision) {
        return WatchResponse.newBuilder()
                .setHeader(header.apply(latest.current()))
                .setWatchId(id)
                .setCanceled(true)
                .setCancelReason(reason)
                .setCompactRevision(compactRevision)
                .build();
    }

    /** Progress for idle, caught-up watchers that asked for it. */
    private void progressTick() {
        long current = latest.current();
        for (Map<Long, Watcher> ws : streams.values()) {
            for (Watcher w : ws.values()) {
                if (w.progressNotify && !w.sentSinceTick && w.next > current) {
                    w.sink.send(WatchResponse.newBuilder()
                            .setHeader(header.apply(w.next - 1))
                            .setWatchId(w.id)
                            .build());
                }
                w.sentSinceTick = false;
            }
        }
    }

    // ---- metrics ----

    int watchers() {
        return liveWatchers;
    }

    int streams() {
        return streams.size();
    }

    Revisions latest() {
        return latest;
    }

    /** Stops the hub thread; watchers get nothing more. */
    @Override
    public void close() {
        thread.shutdownNow();
        metrics.close();
    }
}
