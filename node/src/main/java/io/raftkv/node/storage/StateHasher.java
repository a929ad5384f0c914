package io.raftkv.node.storage;

import io.raftkv.node.kv.KeyValue;
import io.raftkv.node.kv.Revisions;
import io.raftkv.node.kv.StateHash;
import io.raftkv.node.storage.StateRecords.AppliedState;
import io.raftkv.raft.ConfState;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * The state hash ({@link StateHash}): a digest of the logical state, so replicas of different
 * storage formats ({@link StorageFormat}) at the same applied index agree (a rolling upgrade mixes
 * them), and a restored state can be compared with its backup.
 *
 * <p>First 8 bytes of SHA-256 over, in order: the applied index; the configuration; the current and
 * compact revisions; every live key in key order, each as {@code keyLength:i32 recordLength:i32 key
 * record}, where the record is the key's latest version in the storage-format-2 encoding
 * ({@link StateRecords#encodeKv}, value included, whatever format it is stored in); the
 * {@code sessions}, {@code leases} and {@code lease_keys} families as stored; the alarms record.
 * The history is not included (its own digest is {@link HistoryReader#mvccHash}).
 */
final class StateHasher {
    private StateHasher() {}

    /** Hashes what {@code ro} reads of {@code instance} ({@code confOrNull} in place of the stored configuration). */
    static StateHash hash(RocksInstance instance, ReadOptions ro, ConfState confOrNull) throws RocksDBException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JDK", e);
        }
        byte[] meta = instance.db.get(instance.cf(KvStateMachine.META_CF), ro, StateRecords.APPLIED_KEY);
        AppliedState a = meta == null ? AppliedState.EMPTY : StateRecords.decodeApplied(meta);
        sha.update(ByteBuffer.allocate(8).putLong(a.index()).array());
        sha.update(
                RaftRecords.encodeConfState(StateRecords.APPLIED_KEY, confOrNull == null ? a.confState() : confOrNull));
        byte[] revs = instance.db.get(instance.cf(KvStateMachine.META_CF), ro, MvccRecords.REVISIONS_KEY);
        Revisions r = revs == null ? Revisions.INITIAL : MvccRecords.decodeRevisions(revs);
        sha.update(ByteBuffer.allocate(16)
                .putLong(r.current())
                .putLong(r.compacted())
                .array());
        hashLiveKeys(instance, sha, ro);
        hashFamily(instance, sha, instance.cf(KvStateMachine.SESSIONS_CF), ro);
        hashFamily(instance, sha, instance.cf(KvStateMachine.LEASES_CF), ro);
        hashFamily(instance, sha, instance.cf(KvStateMachine.LEASE_KEYS_CF), ro);
        byte[] alarms = instance.db.get(instance.cf(KvStateMachine.META_CF), ro, AlarmRecord.KEY);
        if (alarms != null) {
            sha.update(alarms);
        }
        return new StateHash(a.index(), ByteBuffer.wrap(sha.digest()).getLong());
    }

    /** Every live key as its format-2 {@code kv} record (format 3: rebuilt from kv_meta and the history). */
    private static void hashLiveKeys(RocksInstance instance, MessageDigest sha, ReadOptions ro)
            throws RocksDBException {
        // A format-2 store (read before its upgrade) keeps them in kv; after the upgrade kv is empty.
        hashFamily(instance, sha, instance.cf(KvStateMachine.KV_CF), ro);
        ColumnFamilyHandle history = instance.cf(KvStateMachine.HISTORY_CF);
        ByteBuffer len = ByteBuffer.allocate(8);
        try (RocksIterator it = instance.db.newIterator(instance.cf(KvStateMachine.KV_META_CF), ro)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                byte[] k = it.key();
                KeyMeta m = KeyMeta.decode(k, it.value());
                KeyValue kv = m.withValueFrom(instance.db.get(history, ro, m.revKey()));
                byte[] v = StateRecords.encodeKv(kv);
                sha.update(len.clear().putInt(k.length).putInt(v.length).array());
                sha.update(k);
                sha.update(v);
            }
            it.status();
        }
    }

    private static void hashFamily(RocksInstance instance, MessageDigest sha, ColumnFamilyHandle cf, ReadOptions ro)
            throws RocksDBException {
        ByteBuffer len = ByteBuffer.allocate(8);
        try (RocksIterator it = instance.db.newIterator(cf, ro)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                byte[] k = it.key();
                byte[] v = it.value();
                ChecksummedRecord.open(k, v);
                sha.update(len.clear().putInt(k.length).putInt(v.length).array());
                sha.update(k);
                sha.update(v);
            }
            it.status();
        }
    }
}
