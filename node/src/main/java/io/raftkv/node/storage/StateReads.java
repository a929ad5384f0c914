package io.raftkv.node.storage;

import io.raftkv.node.kv.KeyValue;
import io.raftkv.node.kv.RangeResult;
import io.raftkv.node.kv.StateHash;
import io.raftkv.raft.ConfState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.UnaryOperator;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reads of {@link KvStateMachine} that go to its database (keys and history through one
 * RocksDB snapshot each, state hashes, lease keys, sizes), all under the read lock of its
 * {@link Handle}, which the state machine takes for writing only to swap in a received snapshot or
 * to close. Any thread; blocking (RocksDB).
 */
final class StateReads {
    private static final Logger LOG = LoggerFactory.getLogger(StateReads.class);
    private static final byte[] EMPTY = new byte[0];

    /** The state machine's current database and the lock that guards replacing it. */
    static final class Handle {
        final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
        final Path dataDir;
        final Path smDir;
        private final UnaryOperator<RuntimeException> onFailure;
        /** Replaced only under the write lock. */
        volatile RocksInstance db;
        /** Set under the write lock. */
        boolean closed;

        Handle(Path dataDir, Path smDir, UnaryOperator<RuntimeException> onFailure) {
            this.dataDir = dataDir;
            this.smDir = smDir;
            this.onFailure = onFailure;
        }

        /** Reports {@code e} as the state machine's failure; returns it to throw. */
        RuntimeException fail(RuntimeException e) {
            return onFailure.apply(e);
        }
    }

    private final Handle h;
    /** Snapshots taken at hash points and not hashed yet; released before their database closes. */
    private final java.util.concurrent.ConcurrentLinkedQueue<PendingSnapshot> unhashed =
            new java.util.concurrent.ConcurrentLinkedQueue<>();

    StateReads(Handle h) {
        this.h = h;
    }

    /**
     * Bytes the state machine's data occupies, as the space quota counts it: the live SST files of
     * its families plus its memtables (RocksDB properties, no I/O). Deleted keys stop counting once
     * compaction drops them ({@link #compactData()}). 0 once h.closed. Any thread.
     */
    long dataBytes() {
        h.lock.readLock().lock();
        try {
            if (h.closed) {
                return 0;
            }
            RocksInstance instance = h.db;
            long bytes = 0;
            for (String family : KvStateMachine.FAMILIES) {
                bytes += instance.db.getLongProperty(instance.cf(family), "rocksdb.live-sst-files-size");
                bytes += instance.db.getLongProperty(instance.cf(family), "rocksdb.size-all-mem-tables");
            }
            return bytes;
        } catch (RocksDBException e) {
            LOG.debug("reading RocksDB sizes failed: {}", e.toString());
            return 0;
        } finally {
            h.lock.readLock().unlock();
        }
    }

    /**
     * Flushes and fully compacts every family, so space held by deleted and overwritten keys
     * is given back (what a disarm of NOSPACE needs). Blocking and I/O-heavy: a worker thread only.
     */
    void compactData() {
        h.lock.readLock().lock();
        try (org.rocksdb.FlushOptions flush = new org.rocksdb.FlushOptions().setWaitForFlush(true)) {
            if (h.closed) {
                return;
            }
            RocksInstance instance = h.db;
            for (String family : KvStateMachine.FAMILIES) {
                instance.db.flush(flush, instance.cf(family));
                instance.db.compactRange(instance.cf(family));
            }
        } catch (RocksDBException e) {
            throw new StorageFailedException("compacting the state machine failed in " + h.smDir, e);
        } finally {
            h.lock.readLock().unlock();
        }
    }

    /**
     * RocksDB's size and key-count estimates of the data (in-memory properties, no I/O); zeros once
     * h.closed or if RocksDB cannot tell. Any thread; waits only while a received snapshot is swapped in.
     */
    KvStateMachine.DataEstimates estimates() {
        h.lock.readLock().lock();
        try {
            if (h.closed) {
                return KvStateMachine.DataEstimates.NONE;
            }
            RocksInstance instance = h.db;
            long live = 0;
            for (String family : List.of(
                    KvStateMachine.KV_CF,
                    KvStateMachine.KV_META_CF,
                    KvStateMachine.SESSIONS_CF,
                    KvStateMachine.META_CF,
                    KvStateMachine.HISTORY_CF,
                    KvStateMachine.KEY_INDEX_CF)) {
                live += instance.db.getLongProperty(instance.cf(family), "rocksdb.estimate-live-data-size");
            }
            return new KvStateMachine.DataEstimates(
                    live,
                    instance.db.getLongProperty(instance.cf(KvStateMachine.KV_META_CF), "rocksdb.estimate-num-keys"));
        } catch (RocksDBException e) {
            LOG.debug("reading RocksDB estimates failed: {}", e.toString());
            return KvStateMachine.DataEstimates.NONE;
        } finally {
            h.lock.readLock().unlock();
        }
    }

    @FunctionalInterface
    interface HistoryRead<T> {
        T read(HistoryReader reader) throws RocksDBException;
    }

    <T> T read(String what, HistoryRead<T> task) {
        h.lock.readLock().lock();
        try (ReadOptions ro = new ReadOptions().setVerifyChecksums(true)) {
            RocksInstance instance = h.db;
            org.rocksdb.Snapshot snap = instance.db.getSnapshot();
            try {
                ro.setSnapshot(snap);
                return task.read(new HistoryReader(
                        instance.db,
                        instance.cf(KvStateMachine.KV_META_CF),
                        instance.cf(KvStateMachine.HISTORY_CF),
                        instance.cf(KvStateMachine.KEY_INDEX_CF),
                        instance.cf(KvStateMachine.META_CF),
                        ro));
            } finally {
                instance.db.releaseSnapshot(snap);
            }
        } catch (RocksDBException | CorruptRecordException e) {
            throw h.fail(new StorageCorruptedException(h.dataDir, what + ": " + e.getMessage(), e));
        } finally {
            h.lock.readLock().unlock();
        }
    }

    /** The state hash ({@link StateHasher}), with {@code confOrNull} in place of the stored configuration. */
    StateHash stateHash(ConfState confOrNull) {
        h.lock.readLock().lock();
        try (ReadOptions ro = new ReadOptions().setVerifyChecksums(true)) {
            org.rocksdb.Snapshot snap = h.db.db.getSnapshot();
            try {
                ro.setSnapshot(snap);
                return hash(h.db, ro, confOrNull);
            } finally {
                h.db.db.releaseSnapshot(snap);
            }
        } finally {
            h.lock.readLock().unlock();
        }
    }

    /** Hashes what {@code ro} reads of {@code instance} (caller holds the handle's read lock). */
    private StateHash hash(RocksInstance instance, ReadOptions ro, ConfState confOrNull) {
        try {
            return StateHasher.hash(instance, ro, confOrNull);
        } catch (RocksDBException | CorruptRecordException e) {
            throw h.fail(new StorageCorruptedException(h.dataDir, "hashing state: " + e.getMessage(), e));
        }
    }

    /** Apply thread, right after a hash point's batch was written: the snapshot to hash it from. */
    StateHashPoints.PendingHash snapshotToHash(RocksInstance instance) {
        PendingSnapshot p = new PendingSnapshot(instance, instance.db.getSnapshot());
        unhashed.add(p);
        return p;
    }

    /** Under the handle's write lock, before {@code db} is h.closed: releases every snapshot not hashed yet. */
    void releaseUnhashed() {
        for (PendingSnapshot p; (p = unhashed.poll()) != null; ) {
            p.abandon();
        }
    }

    /**
     * A snapshot waiting for the hashing thread. It is released exactly once: by the hash, by
     * {@link #abandon()} (queue full), or by {@link #releaseUnhashed()} before its database closes
     * (a task still queued then finds its database gone and fails).
     */
    private final class PendingSnapshot implements StateHashPoints.PendingHash {
        private final RocksInstance instance;
        private final org.rocksdb.Snapshot snapshot;
        private final java.util.concurrent.atomic.AtomicBoolean released =
                new java.util.concurrent.atomic.AtomicBoolean();

        PendingSnapshot(RocksInstance instance, org.rocksdb.Snapshot snapshot) {
            this.instance = instance;
            this.snapshot = snapshot;
        }

        public StateHash compute() {
            h.lock.readLock().lock();
            try (ReadOptions ro = new ReadOptions().setVerifyChecksums(true)) {
                unhashed.remove(this);
                if (h.closed || h.db != instance || !released.compareAndSet(false, true)) {
                    throw new IllegalStateException(
                            "the state was replaced (snapshot received or state machine h.closed) before it was hashed");
                }
                try {
                    ro.setSnapshot(snapshot);
                    return hash(instance, ro, null);
                } finally {
                    instance.db.releaseSnapshot(snapshot);
                }
            } finally {
                h.lock.readLock().unlock();
            }
        }

        public void abandon() {
            h.lock.readLock().lock();
            try {
                unhashed.remove(this);
                if (!h.closed && h.db == instance && released.compareAndSet(false, true)) {
                    instance.db.releaseSnapshot(snapshot);
                }
            } finally {
                h.lock.readLock().unlock();
            }
        }
    }

    /**
     * Keys attached to lease {@code id}, ascending, at most {@code limit} (plus whether more exist),
     * as key-values with only the key set (empty value, zero indexes); blocking (RocksDB).
     */
    RangeResult leaseKeys(long id, int limit) {
        h.lock.readLock().lock();
        byte[] prefix = LeaseStore.idKey(id);
        try (Slice end = new Slice(LeaseStore.idKey(id + 1));
                ReadOptions ro = new ReadOptions().setVerifyChecksums(true).setIterateUpperBound(end);
                RocksIterator it = h.db.db.newIterator(h.db.cf(KvStateMachine.LEASE_KEYS_CF), ro)) {
            List<KeyValue> out = new ArrayList<>();
            for (it.seek(prefix); it.isValid(); it.next()) {
                if (out.size() == limit) {
                    return new RangeResult(out, true);
                }
                ChecksummedRecord.open(it.key(), it.value());
                byte[] k = it.key();
                out.add(new KeyValue(java.util.Arrays.copyOfRange(k, Long.BYTES, k.length), EMPTY, 0, 0, 0));
            }
            it.status();
            return new RangeResult(out, false);
        } catch (RocksDBException | CorruptRecordException e) {
            throw h.fail(new StorageCorruptedException(h.dataDir, "reading lease keys: " + e.getMessage(), e));
        } finally {
            h.lock.readLock().unlock();
        }
    }

    /** Client ids with a stored session, ascending; blocking. For tests and diagnostics. */
    List<Long> storedSessionClients() {
        h.lock.readLock().lock();
        try (ReadOptions ro = new ReadOptions().setVerifyChecksums(true);
                RocksIterator it = h.db.db.newIterator(h.db.cf(KvStateMachine.SESSIONS_CF), ro)) {
            List<Long> ids = new ArrayList<>();
            for (it.seekToFirst(); it.isValid(); it.next()) {
                ids.add(StateRecords.clientIdOfSessionKey(it.key()));
            }
            it.status();
            return ids;
        } catch (RocksDBException | CorruptRecordException e) {
            throw h.fail(new StorageCorruptedException(h.dataDir, "listing sessions: " + e.getMessage(), e));
        } finally {
            h.lock.readLock().unlock();
        }
    }

    /** See {@link io.raftkv.node.kv.KvReader#range(byte[], byte[], long, int, long, boolean, boolean)}. */
    RangeResult range(
            byte[] startInclusive,
            byte[] endExclusiveOrNull,
            long revision,
            int limit,
            long maxBytes,
            boolean keysOnly,
            boolean countOnly) {
        io.raftkv.node.kv.Command.checkKey(startInclusive);
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be > 0, got " + limit);
        }
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be > 0, got " + maxBytes);
        }
        return read("reading range", r -> {
            if (endExclusiveOrNull != null
                    && java.util.Arrays.compareUnsigned(startInclusive, endExclusiveOrNull) >= 0) {
                return new RangeResult(List.of(), false, r.resolve(revision), 0);
            }
            return r.range(startInclusive, endExclusiveOrNull, revision, limit, maxBytes, keysOnly, countOnly);
        });
    }
}
