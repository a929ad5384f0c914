package io.raftkv.raft.sim;

import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.raft.MemoryStorage;
import io.raftkv.raft.Snapshot;
import java.util.List;

/**
 * One node's simulated disk: exactly what was persisted, nothing more. The {@link MemoryStorage}
 * it wraps is both the core's {@link io.raftkv.raft.Storage} and the durable record, because the
 * simulator writes to it only when a {@link Ready}'s write completes: a crash therefore loses
 * precisely what was not yet written. A write is atomic (snapshot, then entries, then hard state).
 *
 * <p>The disk may be slow: {@link #latencyTicks()} ticks pass between handing a Ready to the disk
 * and the write completing, and the node's Ready loop waits meanwhile.
 */
final class SimDisk {
    private final MemoryStorage storage = new MemoryStorage();
    private final LogView log = new StorageLog();
    private int latencyTicks;

    /** A disk for a founding member ({@code bootstrap} = initial voters) or a joiner (empty). */
    SimDisk(ConfState bootstrap) {
        if (!bootstrap.isEmpty()) {
            storage.setConfState(bootstrap);
        }
    }

    /** Starts from {@code snap}, committed at term {@code snap}'s term (a founding member's bootstrap). */
    void installBootstrap(Snapshot snap) {
        storage.applySnapshot(snap);
        storage.setHardState(
                new HardState(snap.metadata().term(), 0, snap.metadata().index()));
    }

    MemoryStorage storage() {
        return storage;
    }

    HardState hardState() {
        return storage.hardState();
    }

    /** Live view of the durable log. */
    LogView log() {
        return log;
    }

    int latencyTicks() {
        return latencyTicks;
    }

    void setLatencyTicks(int ticks) {
        if (ticks < 0) {
            throw new IllegalArgumentException("latency must be ≥ 0 ticks, got " + ticks);
        }
        this.latencyTicks = ticks;
    }

    /** Step 2 of the Ready contract, atomically and synced: snapshot, entries, hard state. */
    void persist(HardState hardStateOrNull, List<Entry> entries, Snapshot snapshot) {
        if (!snapshot.isEmpty()) {
            storage.applySnapshot(snapshot);
        }
        storage.append(entries);
        if (hardStateOrNull != null) {
            storage.setHardState(hardStateOrNull);
        }
    }

    /**
     * Records a snapshot of the state machine at {@code index} (its applied index) and discards the
     * log up to {@code compactIndex} (≤ {@code index}); no-op parts are skipped.
     */
    void snapshotAndCompact(long index, ConfState cs, byte[] data, long compactIndex) {
        if (index > storage.snapshot().metadata().index()) {
            storage.createSnapshot(index, cs, data);
        }
        if (compactIndex > storage.firstIndex() - 1 && compactIndex <= index) {
            storage.compact(compactIndex);
        }
    }

    Snapshot snapshot() {
        return storage.snapshot();
    }

    private final class StorageLog implements LogView {
        @Override
        public long snapshotIndex() {
            return storage.firstIndex() - 1;
        }

        @Override
        public long snapshotTerm() {
            return storage.term(storage.firstIndex() - 1);
        }

        @Override
        public long lastIndex() {
            return storage.lastIndex();
        }

        @Override
        public Entry entry(long index) {
            if (index < storage.firstIndex() || index > storage.lastIndex()) {
                return null;
            }
            List<Entry> one = storage.entries(index, index + 1, Long.MAX_VALUE);
            return one.get(0);
        }
    }
}
