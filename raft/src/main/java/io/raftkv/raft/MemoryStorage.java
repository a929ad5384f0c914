package io.raftkv.raft;

import java.util.ArrayList;
import java.util.List;

/**
 * In-memory {@link Storage} (etcd's {@code MemoryStorage}), used by tests and the simulator. Not
 * thread-safe: the single thread that owns the core owns this too.
 *
 * <p>{@code ents.get(0)} is a dummy entry holding the index and term of the last compacted entry
 * (the snapshot's), so {@code ents.get(i - offset)} is the entry at index {@code i}.
 */
public final class MemoryStorage implements Storage {
    private HardState hardState = HardState.EMPTY;
    private Snapshot snapshot = Snapshot.EMPTY;
    private final List<Entry> ents = new ArrayList<>();

    public MemoryStorage() {
        ents.add(new Entry(0, 0, EntryType.NORMAL, null));
    }

    @Override
    public InitialState initialState() {
        return new InitialState(hardState, snapshot.metadata().confState());
    }

    public HardState hardState() {
        return hardState;
    }

    public void setHardState(HardState hs) {
        this.hardState = hs;
    }

    /** Sets the configuration a fresh cluster starts from (bootstrap), without any entry. */
    public void setConfState(ConfState cs) {
        SnapshotMetadata m = snapshot.metadata();
        snapshot = new Snapshot(new SnapshotMetadata(m.index(), m.term(), cs), snapshot.data());
    }

    private long offset() {
        return ents.get(0).index();
    }

    @Override
    public List<Entry> entries(long lo, long hi, long maxBytes) {
        long offset = offset();
        if (lo <= offset) {
            throw new StorageException.Compacted(lo, offset + 1);
        }
        if (hi > lastIndex() + 1) {
            throw new StorageException.Unavailable(hi - 1, lastIndex());
        }
        List<Entry> out = new ArrayList<>();
        long size = 0;
        for (long i = lo; i < hi; i++) {
            Entry e = ents.get((int) (i - offset));
            size += e.sizeBytes();
            if (!out.isEmpty() && size > maxBytes) {
                break;
            }
            out.add(e);
        }
        return out;
    }

    @Override
    public long term(long index) {
        long offset = offset();
        if (index < offset) {
            throw new StorageException.Compacted(index, offset + 1);
        }
        if (index - offset >= ents.size()) {
            throw new StorageException.Unavailable(index, lastIndex());
        }
        return ents.get((int) (index - offset)).term();
    }

    @Override
    public long firstIndex() {
        return offset() + 1;
    }

    @Override
    public long lastIndex() {
        return offset() + ents.size() - 1;
    }

    @Override
    public Snapshot snapshot() {
        return snapshot;
    }

    /** Replaces the whole state with {@code snap} (a follower installing a leader's snapshot). */
    public void applySnapshot(Snapshot snap) {
        if (snapshot.metadata().index() >= snap.metadata().index()) {
            throw new IllegalStateException(
                    "snapshot at " + snap.metadata().index() + " is not newer than the current one at "
                            + snapshot.metadata().index());
        }
        snapshot = snap;
        ents.clear();
        ents.add(new Entry(snap.metadata().term(), snap.metadata().index(), EntryType.NORMAL, null));
    }

    /**
     * Records a snapshot of the state machine at {@code index} (≤ last index); entries are kept
     * until {@link #compact(long)}.
     */
    public Snapshot createSnapshot(long index, ConfState cs, byte[] data) {
        if (index <= snapshot.metadata().index()) {
            throw new IllegalStateException("snapshot at " + index + " is out of date (have "
                    + snapshot.metadata().index() + ")");
        }
        if (index > lastIndex()) {
            throw new IllegalStateException("snapshot index " + index + " is past last index " + lastIndex());
        }
        snapshot = new Snapshot(new SnapshotMetadata(index, term(index), cs), data);
        return snapshot;
    }

    /** Discards entries up to and including {@code compactIndex}, which must be ≤ last index. */
    public void compact(long compactIndex) {
        long offset = offset();
        if (compactIndex <= offset) {
            throw new StorageException.Compacted(compactIndex, offset + 1);
        }
        if (compactIndex > lastIndex()) {
            throw new IllegalStateException(
                    "compact " + compactIndex + " is out of bound lastindex(" + lastIndex() + ")");
        }
        int i = (int) (compactIndex - offset);
        Entry dummy = new Entry(ents.get(i).term(), compactIndex, EntryType.NORMAL, null);
        List<Entry> rest = new ArrayList<>(ents.subList(i + 1, ents.size()));
        ents.clear();
        ents.add(dummy);
        ents.addAll(rest);
    }

    /**
     * Appends entries, truncating any conflicting suffix first: entries must be contiguous and the
     * first one at most {@code lastIndex() + 1}. Entries already compacted are ignored.
     */
    public void append(List<Entry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        long first = firstIndex();
        long last = entries.get(entries.size() - 1).index();
        if (last < first) {
            return;
        }
        List<Entry> es = entries;
        if (first > es.get(0).index()) {
            es = es.subList((int) (first - es.get(0).index()), es.size());
        }
        long offset = es.get(0).index() - offset();
        if (offset > ents.size()) {
            throw new IllegalStateException("missing log entry [last: " + lastIndex() + ", append at: "
                    + es.get(0).index() + "]");
        }
        while (ents.size() > offset) {
            ents.remove(ents.size() - 1);
        }
        ents.addAll(es);
    }
}
