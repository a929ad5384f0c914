package io.raftkv.node.storage;

import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.raft.StorageException;
import java.util.ArrayList;
import java.util.List;

/**
 * The driver thread's in-memory view of the log: its bounds, the term of every index, the hard
 * state and a cache of the most recent entries. Owned by one thread; never touches the disk.
 *
 * <p>Invariants:
 * <ul>
 *   <li>the log holds {@code [compacted.index + 1, lastIndex]}; {@code term(compacted.index)} is
 *       {@code compacted.term};</li>
 *   <li>{@link #termRuns} covers exactly that range: run {@code i} says entries from
 *       {@code runStart[i]} up to the next run's start have term {@code runTerm[i]}. Terms change
 *       only at elections, so this stays tiny, and term lookups never read the disk;</li>
 *   <li>the cache holds a contiguous suffix {@code [cacheFirst, lastIndex]} of the log, and every
 *       entry below {@code cacheFirst} is durable in RocksDB with its final content. Hence an entry
 *       is evicted only once the write that carried it has completed; the cache may exceed its
 *       bounds by the entries still in flight, which the writer's bounded queue limits.</li>
 * </ul>
 */
final class LogView {
    private record Cached(Entry entry, long writeSeq) {}

    private record TermRun(long start, long term) {}

    private final int maxCachedEntries;
    private final long maxCachedBytes;

    private RaftRecords.Compacted compacted;
    private long lastIndex;
    private HardState hardState;
    private final ArrayList<TermRun> termRuns = new ArrayList<>();
    /** The cache: live items are {@code cache[cacheHead, cache.size())}, oldest first. */
    private final ArrayList<Cached> cache = new ArrayList<>();

    private int cacheHead;
    private long cachedBytes;

    LogView(int maxCachedEntries, long maxCachedBytes, RaftRecords.Compacted compacted, HardState hardState) {
        this.maxCachedEntries = maxCachedEntries;
        this.maxCachedBytes = maxCachedBytes;
        this.compacted = compacted;
        this.lastIndex = compacted.index();
        this.hardState = hardState;
    }

    /** Rebuilds the view from durable entries read at start-up, oldest first. */
    void loadDurable(Entry e) {
        if (e.index() != lastIndex + 1) {
            throw new CorruptRecordException("log has a gap: entry #" + e.index() + " follows #" + lastIndex);
        }
        recordTerm(e.index(), e.term());
        lastIndex = e.index();
        cacheAdd(new Cached(e, 0));
        evict(0);
    }

    RaftRecords.Compacted compacted() {
        return compacted;
    }

    long firstIndex() {
        return compacted.index() + 1;
    }

    long lastIndex() {
        return lastIndex;
    }

    HardState hardState() {
        return hardState;
    }

    void setHardState(HardState hs) {
        this.hardState = hs;
    }

    /** First index served from memory; entries below it are read from RocksDB. */
    long cacheFirst() {
        return cacheSize() == 0 ? lastIndex + 1 : cache.get(cacheHead).entry().index();
    }

    long term(long index) {
        if (index < compacted.index()) {
            throw new StorageException.Compacted(index, firstIndex());
        }
        if (index > lastIndex) {
            throw new StorageException.Unavailable(index, lastIndex);
        }
        if (index == compacted.index()) {
            return compacted.term();
        }
        int lo = 0;
        int hi = termRuns.size() - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (termRuns.get(mid).start() <= index) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return termRuns.get(lo).term();
    }

    /**
     * Validates an append to a log holding {@code (compactedIndex, lastIndex]}; changes nothing.
     *
     * @return the entries that are not already compacted (possibly empty)
     * @throws IllegalArgumentException if they are not contiguous or leave a gap after the log
     */
    static List<Entry> checkAppend(List<Entry> entries, long compactedIndex, long lastIndex) {
        for (int i = 1; i < entries.size(); i++) {
            if (entries.get(i).index() != entries.get(i - 1).index() + 1) {
                throw new IllegalArgumentException(
                        "entries not contiguous: #" + entries.get(i - 1).index() + " then #"
                                + entries.get(i).index());
            }
        }
        if (entries.isEmpty() || entries.get(entries.size() - 1).index() <= compactedIndex) {
            return List.of();
        }
        List<Entry> es = entries;
        if (es.get(0).index() <= compactedIndex) {
            es = es.subList((int) (compactedIndex + 1 - es.get(0).index()), es.size());
        }
        if (es.get(0).index() > lastIndex + 1) {
            throw new IllegalArgumentException(
                    "append at #" + es.get(0).index() + " leaves a gap after last index " + lastIndex);
        }
        return List.copyOf(es);
    }

    /** Appends {@code es} (already checked), truncating any suffix they replace. */
    void append(List<Entry> es, long writeSeq) {
        if (es.isEmpty()) {
            return;
        }
        long first = es.get(0).index();
        // Truncate the replaced suffix. If that empties the cache, the cache restarts at `first`:
        // everything below it is durable and final, so the invariant holds.
        while (cacheSize() > 0 && cache.get(cache.size() - 1).entry().index() >= first) {
            cachedBytes -= cache.remove(cache.size() - 1).entry().sizeBytes();
        }
        while (!termRuns.isEmpty() && termRuns.get(termRuns.size() - 1).start() >= first) {
            termRuns.remove(termRuns.size() - 1);
        }
        lastIndex = first - 1;
        for (Entry e : es) {
            recordTerm(e.index(), e.term());
            cacheAdd(new Cached(e, writeSeq));
            lastIndex = e.index();
        }
    }

    private void recordTerm(long index, long term) {
        if (termRuns.isEmpty() || termRuns.get(termRuns.size() - 1).term() != term) {
            termRuns.add(new TermRun(index, term));
        }
    }

    private void dropCache() {
        cache.clear();
        cacheHead = 0;
        cachedBytes = 0;
    }

    private int cacheSize() {
        return cache.size() - cacheHead;
    }

    private void cacheAdd(Cached c) {
        cache.add(c);
        cachedBytes += c.entry().sizeBytes();
    }

    private void cachePollFirst() {
        cachedBytes -= cache.get(cacheHead).entry().sizeBytes();
        cache.set(cacheHead++, null);
        if (cacheHead > 1024 && cacheHead > cache.size() / 2) {
            cache.subList(0, cacheHead).clear();
            cacheHead = 0;
        }
    }

    /** Drops entries ≤ {@code index} (≤ last index) from the view. */
    void compact(long index) {
        long term = term(index);
        compacted = new RaftRecords.Compacted(index, term);
        while (cacheSize() > 0 && cache.get(cacheHead).entry().index() <= index) {
            cachePollFirst();
        }
        int keepFrom = 0;
        while (keepFrom + 1 < termRuns.size() && termRuns.get(keepFrom + 1).start() <= index + 1) {
            keepFrom++;
        }
        List<TermRun> kept = new ArrayList<>(termRuns.subList(keepFrom, termRuns.size()));
        termRuns.clear();
        if (!kept.isEmpty() && index < lastIndex) {
            termRuns.add(new TermRun(index + 1, kept.get(0).term()));
            termRuns.addAll(kept.subList(1, kept.size()));
        }
    }

    /** Discards the whole log: a snapshot at {@code (index, term)} replaces it. */
    void resetTo(RaftRecords.Compacted snapshot) {
        compacted = snapshot;
        lastIndex = snapshot.index();
        termRuns.clear();
        dropCache();
    }

    /** Evicts durable entries from the head of the cache while it is over its bounds. */
    void evict(long completedSeq) {
        while (cacheSize() > 0
                && (cacheSize() > maxCachedEntries || cachedBytes > maxCachedBytes)
                && cache.get(cacheHead).writeSeq() <= completedSeq) {
            cachePollFirst();
        }
    }

    /** Cached entries in {@code [lo, hi)}, lo ≥ cacheFirst, within {@code maxBytes} (≥ 1 entry). */
    void readCached(long lo, long hi, long maxBytes, List<Entry> out, long bytesSoFar) {
        long size = bytesSoFar;
        int base = cacheHead + (int) (lo - cacheFirst());
        for (long i = lo; i < hi; i++) {
            Entry e = cache.get(base + (int) (i - lo)).entry();
            size += e.sizeBytes();
            if (!out.isEmpty() && size > maxBytes) {
                return;
            }
            out.add(e);
        }
    }

    int cachedEntries() {
        return cacheSize();
    }
}
