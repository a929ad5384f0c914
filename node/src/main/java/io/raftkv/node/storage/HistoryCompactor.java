package io.raftkv.node.storage;

import io.raftkv.node.kv.KvEvent;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the history a compaction made unreadable ({@link Revisions}), on its own thread, in
 * batches of about {@link #BATCH_ENTRIES} history rows, each written with the revision it reached
 * ({@code compact_progress} in {@code meta}) so a restart resumes where it stopped. It never holds
 * up the apply thread: it writes only rows below the compact revision, which the apply thread never
 * touches, and takes the state machine's handle lock only for one batch at a time.
 *
 * <p>For each key changed at a revision in [progress, compact), the key's latest version before the
 * compact revision is kept (the state at the compact revision needs it, and so does the prev_kv of
 * the key's next change) unless it is a deletion, and every older version is deleted. Reads at or
 * after the compact revision see the same answers before, during and after the deletions.
 */
final class HistoryCompactor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HistoryCompactor.class);
    /** History rows examined per batch. */
    static final int BATCH_ENTRIES = 1_000;

    /** Access to the state machine's current database. */
    @FunctionalInterface
    interface Handle {
        <T> T withHandle(KvStateMachine.HandleTask<T> task) throws RocksDBException;
    }

    private final Handle handle;
    private final int batchEntries;
    private final Consumer<Throwable> onFailure;
    private final ThreadPoolExecutor thread;
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final WriteOptions noSync = new WriteOptions().setSync(false);
    private volatile long deletedRows;

    HistoryCompactor(Handle handle, int batchEntries, Consumer<Throwable> onFailure) {
        this.handle = handle;
        this.batchEntries = batchEntries;
        this.onFailure = onFailure;
        this.thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(1), r -> {
            Thread t = new Thread(r, "raftkv-compactor");
            t.setDaemon(true);
            return t;
        });
    }

    /** There may be history to delete: run until there is none. Never blocks. */
    void trigger() {
        if (scheduled.compareAndSet(false, true)) {
            try {
                thread.execute(this::run);
            } catch (RejectedExecutionException e) {
                scheduled.set(false); // closed
            }
        }
    }

    /** History rows deleted since start; for tests and metrics. */
    long deletedRows() {
        return deletedRows;
    }

    private void run() {
        scheduled.set(false);
        try {
            while (!thread.isShutdown() && Boolean.TRUE.equals(handle.withHandle(this::step))) {
                // one batch per step, so a snapshot swap or close can take the handle in between
            }
        } catch (RocksDBException | CorruptRecordException | StorageCorruptedException e) {
            onFailure.accept(e);
        } catch (RuntimeException e) {
            LOG.error("history compaction stopped", e);
            onFailure.accept(e);
        }
    }

    /** One batch; true if there is more to do. */
    private Boolean step(RocksInstance db) throws RocksDBException {
        ColumnFamilyHandle meta = db.cf(KvStateMachine.META_CF);
        ColumnFamilyHandle history = db.cf(KvStateMachine.HISTORY_CF);
        ColumnFamilyHandle keyIndex = db.cf(KvStateMachine.KEY_INDEX_CF);
        byte[] storedRevisions = db.db.get(meta, MvccRecords.REVISIONS_KEY);
        if (storedRevisions == null) {
            return false;
        }
        long compact = MvccRecords.decodeRevisions(storedRevisions).compacted();
        byte[] storedProgress = db.db.get(meta, MvccRecords.COMPACT_PROGRESS_KEY);
        long progress =
                storedProgress == null ? 1 : MvccRecords.decodeLong(MvccRecords.COMPACT_PROGRESS_KEY, storedProgress);
        if (progress >= compact) {
            return false;
        }
        long deleted = 0;
        long reached = compact;
        try (ReadOptions ro = new ReadOptions().setVerifyChecksums(true);
                Slice upper = new Slice(MvccRecords.revKey(compact, 0));
                ReadOptions bounded = new ReadOptions(ro).setIterateUpperBound(upper);
                RocksIterator rows = db.db.newIterator(history, bounded);
                RocksIterator probe = db.db.newIterator(keyIndex, ro);
                WriteBatch batch = new WriteBatch()) {
            int examined = 0;
            long lastRevision = -1;
            for (rows.seek(MvccRecords.revKey(progress, 0)); rows.isValid(); rows.next()) {
                long revision = MvccRecords.revisionOf(rows.key());
                if (revision != lastRevision && examined >= batchEntries) {
                    reached = revision;
                    break;
                }
                lastRevision = revision;
                examined++;
                KvEvent e = MvccRecords.decodeEvent(rows.key(), rows.value());
                deleted += compactKey(e, compact, probe, history, keyIndex, batch);
            }
            rows.status();
            batch.put(
                    meta,
                    MvccRecords.COMPACT_PROGRESS_KEY,
                    MvccRecords.encodeLong(MvccRecords.COMPACT_PROGRESS_KEY, reached));
            db.db.write(noSync, batch);
        }
        deletedRows += deleted;
        if (reached >= compact) {
            LOG.debug("history compacted up to revision {}", compact);
        }
        return reached < compact;
    }

    /**
     * If {@code e} is its key's latest change before {@code compact}, deletes every older change of
     * the key, and {@code e} itself if it is a deletion. Returns the rows deleted.
     */
    private static long compactKey(
            KvEvent e,
            long compact,
            RocksIterator probe,
            ColumnFamilyHandle history,
            ColumnFamilyHandle keyIndex,
            WriteBatch batch)
            throws RocksDBException {
        byte[] key = e.kv().key();
        byte[] self = MvccRecords.indexKey(key, e.revision(), e.subRevision());
        probe.seekForPrev(MvccRecords.indexKeyAfter(key, compact - 1));
        if (!probe.isValid() || !Arrays.equals(probe.key(), self)) {
            probe.status();
            return 0; // a later change before the compact revision supersedes it; handled there
        }
        long deleted = 0;
        byte[] prefix = MvccRecords.indexPrefix(key);
        for (probe.prev(); probe.isValid(); probe.prev()) {
            byte[] older = probe.key();
            if (older.length != prefix.length + MvccRecords.REV_KEY_BYTES
                    || !Arrays.equals(older, 0, prefix.length, prefix, 0, prefix.length)) {
                break;
            }
            batch.delete(keyIndex, older);
            batch.delete(
                    history, MvccRecords.revKey(MvccRecords.revisionOfIndex(older), MvccRecords.subOfIndex(older)));
            deleted++;
        }
        probe.status();
        if (e.type() == KvEvent.Type.DELETE) {
            batch.delete(keyIndex, self);
            batch.delete(history, MvccRecords.revKey(e.revision(), e.subRevision()));
            deleted++;
        }
        return deleted;
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("history compaction did not stop within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        noSync.close();
    }
}
