package io.raftkv.node.watch;

import io.raftkv.node.kv.KvEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * The most recent changes, in revision order, bounded in bytes: every change with a revision from
 * {@link #from()} to the last revision added is here. Confined to the hub thread.
 */
final class EventRing {
    private final long maxBytes;
    private KvEvent[] events = new KvEvent[1024];
    private int head;
    private int size;
    private long bytes;
    /** Every change at a revision ≥ from (and ≤ the newest added) is held. */
    private long from;

    EventRing(long maxBytes, long nextRevision) {
        this.maxBytes = maxBytes;
        this.from = nextRevision;
    }

    long from() {
        return from;
    }

    /** Forgets everything: the next change held will be at {@code nextRevision} or later. */
    void reset(long nextRevision) {
        events = new KvEvent[1024];
        head = 0;
        size = 0;
        bytes = 0;
        from = nextRevision;
    }

    /** Appends changes (in revision order, after every change held), then drops the oldest revisions over the bound. */
    void addAll(List<KvEvent> added) {
        for (KvEvent e : added) {
            if (size == events.length) {
                KvEvent[] grown = new KvEvent[events.length * 2];
                for (int i = 0; i < size; i++) {
                    grown[i] = events[(head + i) % events.length];
                }
                events = grown;
                head = 0;
            }
            events[(head + size) % events.length] = e;
            size++;
            bytes += cost(e);
        }
        while (bytes > maxBytes && size > 0) {
            long revision = get(0).revision();
            while (size > 0 && get(0).revision() == revision) {
                bytes -= cost(get(0));
                events[head] = null;
                head = (head + 1) % events.length;
                size--;
            }
            from = revision + 1;
        }
    }

    /**
     * Lets go of every change before revision {@code revision} (no watcher needs them from memory
     * any more); {@code revision} must be at most one past the newest revision added.
     */
    void dropBefore(long revision) {
        while (size > 0 && get(0).revision() < revision) {
            bytes -= cost(get(0));
            events[head] = null;
            head = (head + 1) % events.length;
            size--;
        }
        from = Math.max(from, revision);
    }

    private KvEvent get(int i) {
        return events[(head + i) % events.length];
    }

    /**
     * Changes from revision {@code start} (≥ {@link #from()}) on, whole revisions, at most
     * {@code maxEvents} and about {@code maxBytes} (at least one revision).
     */
    /** Events taken; {@code cut}: more changes after the last revision taken are held. */
    record Slice(List<KvEvent> events, boolean cut) {}

    Slice slice(long start, int maxEvents, long maxBytes) {
        int lo = 0;
        int hi = size;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (get(mid).revision() < start) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        List<KvEvent> out = new ArrayList<>();
        long taken = 0;
        long last = -1;
        for (int i = lo; i < size; i++) {
            KvEvent e = get(i);
            if (e.revision() != last && !out.isEmpty() && (out.size() >= maxEvents || taken >= maxBytes)) {
                return new Slice(out, true);
            }
            last = e.revision();
            out.add(e);
            taken += cost(e);
        }
        return new Slice(out, false);
    }

    private static long cost(KvEvent e) {
        return 64 + e.kv().key().length + e.kv().value().length;
    }
}
