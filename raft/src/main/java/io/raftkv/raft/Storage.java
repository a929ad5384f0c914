package io.raftkv.raft;

import java.util.List;

/**
 * The core's read-only view of durable state (etcd's {@code Storage}). The driver writes to its
 * own implementation after each {@link Ready}; the core only reads through this interface.
 *
 * <p>Invariant: entries {@code [firstIndex(), lastIndex()]} are present and contiguous, and
 * {@code term(firstIndex() - 1)} is the term of the last compacted entry (the snapshot's).
 */
public interface Storage {

    /** Hard state and configuration as last persisted. */
    InitialState initialState();

    /**
     * Entries in {@code [lo, hi)}, at most {@code maxBytes} in total but always at least one if any
     * is in range.
     *
     * @throws StorageException.Compacted   if {@code lo < firstIndex()}
     * @throws StorageException.Unavailable if {@code hi > lastIndex() + 1}
     */
    List<Entry> entries(long lo, long hi, long maxBytes);

    /**
     * Term of the entry at {@code index}, valid for {@code [firstIndex() - 1, lastIndex()]}.
     *
     * @throws StorageException.Compacted   if {@code index < firstIndex() - 1}
     * @throws StorageException.Unavailable if {@code index > lastIndex()}
     */
    long term(long index);

    /** Index of the first entry still available (the snapshot index + 1). */
    long firstIndex();

    /** Index of the last entry; {@code firstIndex() - 1} when the log is empty. */
    long lastIndex();

    /**
     * The most recent snapshot.
     *
     * @throws StorageException.SnapshotTemporarilyUnavailable while one is being prepared
     */
    Snapshot snapshot();
}
