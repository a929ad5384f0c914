package io.raftkv.node.storage;

import io.raftkv.node.kv.ApplyResult;
import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.Command.DeleteRange;
import io.raftkv.node.kv.Command.Put;
import io.raftkv.node.kv.KeyValue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatchWithIndex;

/**
 * The live keys as the batch being built sees them (the apply thread only): reads (a key's
 * {@link KeyMeta} in {@code kv_meta}, its value from the history event it names) and the writes
 * and deletes every kind of command makes, each recorded in the history by {@link RevisionTracker}
 * and staged in the {@link KeyVersionCache} and the {@link LeaseStore}. The value of a write is
 * stored once, in its history event (storage format 3, {@link StorageFormat}).
 */
final class LiveKeys {
    private final RocksDB db;
    /** The {@code kv_meta} family. */
    private final ColumnFamilyHandle kv;

    private final ColumnFamilyHandle history;
    private final KeyVersionCache keyVersions;
    private final LeaseStore leases;
    private final RevisionTracker revisions;

    LiveKeys(
            RocksDB db,
            ColumnFamilyHandle kv,
            ColumnFamilyHandle history,
            KeyVersionCache keyVersions,
            LeaseStore leases,
            RevisionTracker revisions) {
        this.db = db;
        this.kv = kv;
        this.history = history;
        this.keyVersions = keyVersions;
        this.leases = leases;
        this.revisions = revisions;
    }

    /**
     * Deletes the keys of {@code d} (as the batch sees them), or returns null, deleting nothing,
     * if they are more than {@link Command#MAX_DELETE_RANGE_KEYS} or the previous key-values asked
     * for exceed {@code previousBudget} bytes.
     */
    ApplyResult.DeleteRangeOutcome deleteRange(
            DeleteRange d, long previousBudget, WriteBatchWithIndex batch, ReadOptions ro) throws RocksDBException {
        List<KeyValue> found = new ArrayList<>();
        long bytes = 0;
        try (RocksIterator base = db.newIterator(kv, ro);
                RocksIterator it = batch.newIteratorWithBase(kv, base, ro)) {
            for (it.seek(d.start()); it.isValid(); it.next()) {
                byte[] key = it.key();
                if (d.end() != null && Arrays.compareUnsigned(key, d.end()) >= 0) {
                    break;
                }
                if (found.size() == Command.MAX_DELETE_RANGE_KEYS) {
                    return null;
                }
                KeyMeta meta = KeyMeta.decode(key, it.value());
                KeyValue current = d.returnPrevious() ? withValue(meta, batch, ro) : meta.withoutValue();
                if (d.returnPrevious()) {
                    bytes += key.length + current.value().length;
                    if (bytes > previousBudget) {
                        return null;
                    }
                }
                found.add(current);
            }
            it.status();
        }
        for (KeyValue current : found) {
            batch.delete(kv, current.key());
            keyVersions.stageUnknown(current.key());
            leases.detach(current.key(), batch);
            revisions.recordDelete(current.key(), batch);
        }
        return new ApplyResult.DeleteRangeOutcome(found.size(), d.returnPrevious() ? found : List.of());
    }

    /** A put's effect: the key before it (null if absent) and after it. */
    record Written(KeyValue previous, KeyValue current) {}

    /**
     * A put outside a transaction. Unless the previous value is wanted, the key's create revision
     * and version come from {@link #keyVersions} when it knows them, without reading the key.
     */
    Written put(Put p, boolean wantPrevious, WriteBatchWithIndex batch, ReadOptions ro) throws RocksDBException {
        int known = wantPrevious ? -1 : keyVersions.lookup(p.key());
        if (known >= 0) {
            return new Written(
                    null,
                    write(
                            p.key(),
                            p.value(),
                            p.lease(),
                            keyVersions.createIndexAt(known),
                            keyVersions.versionAt(known),
                            batch));
        }
        if (wantPrevious) {
            KeyValue prev = readKv(p.key(), batch, ro);
            return new Written(prev, write(p.key(), p.value(), p.lease(), prev, batch));
        }
        KeyMeta prev = readMeta(p.key(), batch, ro);
        return new Written(null, write(p.key(), p.value(), p.lease(), prev, batch));
    }

    /** Writes {@code value} under {@code key}, whose current state is {@code prev} (null: absent). */
    KeyValue write(byte[] key, byte[] value, long lease, KeyValue prev, WriteBatchWithIndex batch)
            throws RocksDBException {
        return prev == null
                ? write(key, value, lease, revisions.entryRevision(), 0, batch)
                : write(key, value, lease, prev.createRevision(), prev.version(), batch);
    }

    /** As above, from the key's record without its value. */
    KeyValue write(byte[] key, byte[] value, long lease, KeyMeta prev, WriteBatchWithIndex batch)
            throws RocksDBException {
        return prev == null
                ? write(key, value, lease, revisions.entryRevision(), 0, batch)
                : write(key, value, lease, prev.createRevision(), prev.version(), batch);
    }

    /**
     * Writes {@code value} under {@code key} at the entry's revision as the version after
     * {@code previousVersion} (0: the key is new) of a key created at {@code createRevision},
     * records the change in the history and stages it in {@link #keyVersions}.
     */
    private KeyValue write(
            byte[] key, byte[] value, long lease, long createRevision, long previousVersion, WriteBatchWithIndex batch)
            throws RocksDBException {
        KeyValue next = new KeyValue(key, value, createRevision, revisions.entryRevision(), previousVersion + 1, lease);
        batch.put(kv, key, KeyMeta.of(next, revisions.nextSub()).encode());
        keyVersions.stageWrite(key, createRevision, next.version());
        revisions.recordPut(next, batch);
        return next;
    }

    /**
     * Deletes {@code key} if present, recording the deletion in the history; returns the key as it
     * was (null: absent, nothing changed). For every kind of command that deletes keys.
     */
    KeyValue delete(byte[] key, WriteBatchWithIndex batch, ReadOptions ro) throws RocksDBException {
        KeyValue prev = readKv(key, batch, ro);
        if (prev != null) {
            batch.delete(kv, key);
            keyVersions.stageUnknown(key);
            leases.detach(key, batch);
            revisions.recordDelete(key, batch);
        }
        return prev;
    }

    /** The key as the batch sees it, value included (two point lookups); null if absent. */
    KeyValue readKv(byte[] key, WriteBatchWithIndex batch, ReadOptions ro) throws RocksDBException {
        KeyMeta meta = readMeta(key, batch, ro);
        return meta == null ? null : withValue(meta, batch, ro);
    }

    /** The key's record without its value, as the batch sees it; null if absent. */
    KeyMeta readMeta(byte[] key, WriteBatchWithIndex batch, ReadOptions ro) throws RocksDBException {
        byte[] stored = batch.getFromBatchAndDB(db, kv, ro, key);
        return stored == null ? null : KeyMeta.decode(key, stored);
    }

    private KeyValue withValue(KeyMeta meta, WriteBatchWithIndex batch, ReadOptions ro) throws RocksDBException {
        return meta.withValueFrom(batch.getFromBatchAndDB(db, history, ro, meta.revKey()));
    }
}
