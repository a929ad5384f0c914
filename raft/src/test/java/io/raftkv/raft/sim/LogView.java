package io.raftkv.raft.sim;

import io.raftkv.raft.Entry;

/**
 * A read-only view of one node's Raft log as the checkers see it. Entries at or below
 * {@link #snapshotIndex()} are compacted: only their last term ({@link #snapshotTerm()}) is known.
 *
 * <p>Invariant: {@code snapshotIndex() ≤ lastIndex()}, and {@link #entry(long)} is non-null exactly
 * for {@code snapshotIndex() < index ≤ lastIndex()}.
 */
interface LogView {

    long snapshotIndex();

    long snapshotTerm();

    long lastIndex();

    /** The entry at {@code index}, or null if it is compacted or past the end. */
    Entry entry(long index);

    /** Term at {@code index}: the snapshot term at the snapshot index, else the entry's; -1 if unknown. */
    default long termAt(long index) {
        if (index == snapshotIndex()) {
            return snapshotTerm();
        }
        Entry e = entry(index);
        return e == null ? -1 : e.term();
    }

    /** Whether {@code e} is in this log, or may be (it lies within the compacted prefix). */
    default boolean containsOrCompacted(Entry e) {
        if (e.index() <= snapshotIndex()) {
            return true;
        }
        Entry mine = entry(e.index());
        return mine != null && mine.equals(e);
    }
}
