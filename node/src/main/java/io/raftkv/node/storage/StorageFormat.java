package io.raftkv.node.storage;

import io.raftkv.node.kv.KeyValue;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.FlushOptions;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state machine's storage format, recorded in its {@code meta} family ({@code storage_format};
 * absent means format 2), and the upgrade from 2 to 3 run when a state machine is opened.
 *
 * <ul>
 *   <li><b>2</b> (MVCC revisions): {@code kv} holds each live key's latest version with its value,
 *       and the history holds the same value again.</li>
 *   <li><b>3</b> (value once): {@code kv_meta} holds each live key's {@link KeyMeta} (no value) and
 *       the value lives only in the history event; {@code kv} is empty. A format-3 directory has a
 *       family a format-2 build does not know, so RocksDB refuses to open it there (no misread).</li>
 * </ul>
 * The upgrade moves keys from {@code kv} to {@code kv_meta} in batches, each batch deleting what it
 * moves in the same atomic write, so it is idempotent and a crash at any point resumes where it
 * stopped; the format record is written last, after a flush. A directory of a newer format is
 * refused with a message and left unchanged. The logical content, and so the state hash
 * ({@link StateHasher}), is the same in both formats.
 */
final class StorageFormat {
    private static final Logger LOG = LoggerFactory.getLogger(StorageFormat.class);
    static final byte[] KEY = "storage_format".getBytes(StandardCharsets.US_ASCII);
    /** Format written and read by this build. */
    static final long CURRENT = 3;
    /** Oldest format this build upgrades in place. */
    static final long OLDEST_READABLE = 2;
    /** Keys moved per atomic batch. */
    static final int BATCH_KEYS = 1_000;

    private StorageFormat() {}

    /** The format recorded in {@code instance} (2 when absent). */
    static long of(RocksInstance instance) throws RocksDBException {
        byte[] stored = instance.db.get(instance.cf(KvStateMachine.META_CF), KEY);
        return stored == null ? OLDEST_READABLE : MvccRecords.decodeLong(KEY, stored);
    }

    /** Refuses a format this build cannot read, naming {@code where}; changes nothing. */
    static void requireReadable(long format, Path dataDir, Path where) {
        if (format > CURRENT) {
            throw new StorageCorruptedException(
                    dataDir,
                    "the state machine in " + where + " has storage format " + format
                            + ", written by a newer RaftKV; this version reads formats " + OLDEST_READABLE + " to "
                            + CURRENT + " and changed nothing. Run the newer version (docs/operations.md,"
                            + " \"Upgrades and the storage format\")");
        }
        if (format < OLDEST_READABLE) {
            throw new StorageCorruptedException(
                    dataDir, "the state machine in " + where + " has an unknown storage format " + format);
        }
    }

    /** Refuses the state machine database at {@code dir} (a snapshot about to be installed) if it is of a format this build cannot read. */
    static void requireReadable(Path dir, Path dataDir) throws RocksDBException {
        try (RocksInstance incoming = RocksInstance.open(dir, KvStateMachine.FAMILIES, true, false)) {
            requireReadable(incoming.has(KvStateMachine.META_CF) ? of(incoming) : OLDEST_READABLE, dataDir, dir);
        }
    }

    /**
     * Brings {@code instance} (opened for writing, nothing else using it) to {@link #CURRENT}.
     *
     * @return the keys moved (0 if it was current already)
     * @throws StorageCorruptedException if it is newer, or a live key's history does not hold its value
     */
    static long upgrade(RocksInstance instance, Path dataDir) throws RocksDBException {
        long format = of(instance);
        requireReadable(format, dataDir, instance.dir);
        if (format == CURRENT) {
            return 0;
        }
        ColumnFamilyHandle kv = instance.cf(KvStateMachine.KV_CF);
        ColumnFamilyHandle kvMeta = instance.cf(KvStateMachine.KV_META_CF);
        ColumnFamilyHandle history = instance.cf(KvStateMachine.HISTORY_CF);
        ColumnFamilyHandle keyIndex = instance.cf(KvStateMachine.KEY_INDEX_CF);
        ColumnFamilyHandle meta = instance.cf(KvStateMachine.META_CF);
        long moved = 0;
        long start = System.nanoTime();
        try (ReadOptions ro = new ReadOptions().setVerifyChecksums(true);
                WriteOptions noSync = new WriteOptions().setSync(false);
                RocksIterator it = instance.db.newIterator(kv, ro);
                RocksIterator probe = instance.db.newIterator(keyIndex, ro)) {
            it.seekToFirst();
            while (it.isValid()) {
                try (WriteBatch batch = new WriteBatch()) {
                    for (int n = 0; n < BATCH_KEYS && it.isValid(); n++, it.next()) {
                        byte[] key = it.key();
                        KeyValue live = StateRecords.decodeKv(key, it.value());
                        int sub = subOf(probe, live);
                        KeyMeta m = KeyMeta.of(live, sub);
                        KeyValue fromHistory = m.withValueFrom(instance.db.get(history, ro, m.revKey()));
                        if (!Arrays.equals(fromHistory.value(), live.value())) {
                            throw new CorruptRecordException("key " + ChecksummedRecord.describeKey(key)
                                    + ": its value differs from its history event at revision "
                                    + live.modRevision());
                        }
                        batch.put(kvMeta, key, m.encode());
                        batch.delete(kv, key);
                        moved++;
                    }
                    it.status();
                    instance.db.write(noSync, batch);
                }
            }
            it.status();
        } catch (CorruptRecordException e) {
            throw new StorageCorruptedException(
                    dataDir, "upgrading the state machine to storage format " + CURRENT + ": " + e.getMessage(), e);
        }
        try (FlushOptions flush = new FlushOptions().setWaitForFlush(true);
                WriteOptions sync = new WriteOptions().setSync(true)) {
            instance.db.flush(flush, kvMeta);
            instance.db.flush(flush, kv);
            instance.db.put(meta, sync, KEY, MvccRecords.encodeLong(KEY, CURRENT));
            instance.db.compactRange(kv);
        }
        LOG.info(
                "state machine {} upgraded from storage format {} to {}: {} keys, {} ms",
                instance.dir,
                format,
                CURRENT,
                moved,
                (System.nanoTime() - start) / 1_000_000);
        return moved;
    }

    /** The sub-revision of {@code live}'s latest change, from the key index. */
    private static int subOf(RocksIterator probe, KeyValue live) throws RocksDBException {
        byte[] key = live.key();
        probe.seekForPrev(MvccRecords.indexKeyAfter(key, live.modRevision()));
        if (!probe.isValid()) {
            probe.status();
            throw missing(live);
        }
        byte[] indexKey = probe.key();
        byte[] prefix = MvccRecords.indexPrefix(key);
        if (indexKey.length != prefix.length + MvccRecords.REV_KEY_BYTES
                || !Arrays.equals(indexKey, 0, prefix.length, prefix, 0, prefix.length)
                || MvccRecords.revisionOfIndex(indexKey) != live.modRevision()) {
            throw missing(live);
        }
        ChecksummedRecord.open(indexKey, probe.value());
        return MvccRecords.subOfIndex(indexKey);
    }

    private static CorruptRecordException missing(KeyValue live) {
        return new CorruptRecordException("key " + ChecksummedRecord.describeKey(live.key())
                + " has no key index entry at its revision " + live.modRevision());
    }
}
