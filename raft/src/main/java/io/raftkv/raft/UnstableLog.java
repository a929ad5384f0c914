package io.raftkv.raft;

import java.util.ArrayList;
import java.util.List;

/**
 * Entries (and at most one snapshot) that are in memory but not yet durable (etcd's
 * {@code unstable}). They leave this class when the driver reports them durable through
 * {@link RawNode#advance(Ready)}.
 *
 * <p>Invariants: {@code entries.get(i).index() == offset + i}; if {@code snapshot} is not null then
 * {@code offset == snapshot.index + 1} or entries were appended after it. Entry payloads are never
 * copied: the list holds the proposer's {@link Entry} objects.
 */
final class UnstableLog {
    /** Pending snapshot to persist, or null. */
    private Snapshot snapshot;

    private final ArrayList<Entry> entries = new ArrayList<>();
    /** Index of {@code entries.get(0)} (or where the next entry would go). */
    private long offset;

    UnstableLog(long offset) {
        this.offset = offset;
    }

    long offset() {
        return offset;
    }

    Snapshot snapshot() {
        return snapshot;
    }

    /** Index of the first entry if a snapshot is pending ({@code snapshot.index + 1}), else -1. */
    long maybeFirstIndex() {
        return snapshot != null ? snapshot.metadata().index() + 1 : -1;
    }

    /** Index of the last unstable entry, or of the pending snapshot, else -1. */
    long maybeLastIndex() {
        if (!entries.isEmpty()) {
            return offset + entries.size() - 1;
        }
        return snapshot != null ? snapshot.metadata().index() : -1;
    }

    /** Term of {@code index} if this log knows it, else -1. */
    long maybeTerm(long index) {
        if (index < offset) {
            if (snapshot != null && snapshot.metadata().index() == index) {
                return snapshot.metadata().term();
            }
            return -1;
        }
        long last = maybeLastIndex();
        if (last == -1 || index > last) {
            return -1;
        }
        return entries.get((int) (index - offset)).term();
    }

    /**
     * Entries up to {@code index} became durable with {@code term} at {@code index}; ignored if the
     * entry at {@code index} changed since (it was truncated and replaced while the write ran).
     */
    void stableTo(long index, long term) {
        long t = maybeTerm(index);
        if (t == -1 || t != term || index < offset) {
            return;
        }
        entries.subList(0, (int) (index + 1 - offset)).clear();
        offset = index + 1;
    }

    void stableSnapTo(long index) {
        if (snapshot != null && snapshot.metadata().index() == index) {
            snapshot = null;
        }
    }

    /** Replaces everything with {@code s}: the log now starts right after the snapshot. */
    void restore(Snapshot s) {
        offset = s.metadata().index() + 1;
        entries.clear();
        snapshot = s;
    }

    /** Appends {@code ents}, first dropping any suffix (stable or not) they overwrite. */
    void truncateAndAppend(List<Entry> ents) {
        long from = ents.get(0).index();
        if (from == offset + entries.size()) {
            entries.addAll(ents);
        } else if (from <= offset) {
            // Overwrites the whole unstable part and possibly some durable entries too; the driver
            // truncates storage when it persists these.
            offset = from;
            entries.clear();
            entries.addAll(ents);
        } else {
            entries.subList((int) (from - offset), entries.size()).clear();
            entries.addAll(ents);
        }
    }

    /** Entries {@code [lo, hi)}, which must lie within this log, as an immutable list. */
    List<Entry> slice(long lo, long hi) {
        long upper = offset + entries.size();
        if (lo > hi || lo < offset || hi > upper) {
            throw new IllegalStateException(
                    "unstable slice [" + lo + ", " + hi + ") out of bounds [" + offset + ", " + upper + ")");
        }
        return List.copyOf(entries.subList((int) (lo - offset), (int) (hi - offset)));
    }

    /** All unstable entries as an immutable list (references only). */
    List<Entry> entries() {
        return List.copyOf(entries);
    }

    boolean hasEntries() {
        return !entries.isEmpty();
    }
}
