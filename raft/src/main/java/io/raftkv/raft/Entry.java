package io.raftkv.raft;

import java.util.Arrays;
import java.util.Objects;

/**
 * One Raft log entry. Immutable by convention: {@code data} is never copied by the core (the hot
 * path hands the proposer's array straight to storage and the network), so nobody may mutate it
 * after construction.
 *
 * @param term  term of the leader that created the entry, ≥ 1 for real entries
 * @param index position in the log, ≥ 1 for real entries
 * @param type  how the core treats {@code data}
 * @param data  payload, never null (empty for the no-op entry)
 */
public record Entry(long term, long index, EntryType type, byte[] data) {
    private static final byte[] EMPTY = new byte[0];

    public Entry {
        Objects.requireNonNull(type, "type");
        if (data == null) {
            data = EMPTY;
        }
    }

    public static Entry normal(long term, long index, byte[] data) {
        return new Entry(term, index, EntryType.NORMAL, data);
    }

    /** Approximate encoded size, used for flow control and byte limits. */
    public long sizeBytes() {
        return data.length + 24L;
    }

    public Entry withTermAndIndex(long newTerm, long newIndex) {
        return new Entry(newTerm, newIndex, type, data);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Entry e
                && e.term == term
                && e.index == index
                && e.type == type
                && Arrays.equals(e.data, data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(term, index, type, Arrays.hashCode(data));
    }

    @Override
    public String toString() {
        return "Entry{" + term + "/" + index + (type == EntryType.NORMAL ? "" : " " + type) + " " + data.length + "B}";
    }
}
