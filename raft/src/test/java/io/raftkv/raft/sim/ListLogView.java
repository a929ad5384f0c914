package io.raftkv.raft.sim;

import io.raftkv.raft.Entry;
import java.util.ArrayList;
import java.util.List;

/** A {@link LogView} over a plain list of contiguous entries, for hand-built histories in tests. */
final class ListLogView implements LogView {
    private final long snapshotIndex;
    private final long snapshotTerm;
    private final List<Entry> entries;

    ListLogView(long snapshotIndex, long snapshotTerm, List<Entry> entries) {
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).index() != snapshotIndex + 1 + i) {
                throw new IllegalArgumentException(
                        "entries must be contiguous after index " + snapshotIndex + ", got " + entries);
            }
        }
        this.snapshotIndex = snapshotIndex;
        this.snapshotTerm = snapshotTerm;
        this.entries = new ArrayList<>(entries);
    }

    /** A log starting at index 1 whose entries have the given terms (data: index as a byte). */
    static ListLogView ofTerms(long... terms) {
        List<Entry> es = new ArrayList<>();
        for (int i = 0; i < terms.length; i++) {
            es.add(Entry.normal(terms[i], i + 1, new byte[] {(byte) (i + 1)}));
        }
        return new ListLogView(0, 0, es);
    }

    @Override
    public long snapshotIndex() {
        return snapshotIndex;
    }

    @Override
    public long snapshotTerm() {
        return snapshotTerm;
    }

    @Override
    public long lastIndex() {
        return snapshotIndex + entries.size();
    }

    @Override
    public Entry entry(long index) {
        if (index <= snapshotIndex || index > lastIndex()) {
            return null;
        }
        return entries.get((int) (index - snapshotIndex - 1));
    }
}
