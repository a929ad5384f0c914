package io.raftkv.node.storage;

import io.raftkv.node.kv.KeyValue;
import java.nio.file.Path;
import org.rocksdb.RocksDBException;

/**
 * Changes a stopped member's state machine behind Raft's back, the way a bug or a bad disk that
 * checksums do not catch would: the record stays well formed (its checksum is recomputed), only the
 * data differs from what the log produced. For tests of the corruption check; the e2e tests run it
 * as a process ({@code java -cp <node test classes>:<node jar> io.raftkv.node.storage.StateTampering
 * <data dir> <key>}) on a stopped pod's volume.
 */
public final class StateTampering {
    private StateTampering() {}

    /** {@code <data dir> <key (UTF-8)>}: {@link #flipLastValueByte}; exit 0 when done, 2 on bad use. */
    public static void main(String[] args) throws RocksDBException {
        if (args.length != 2) {
            System.err.println("usage: StateTampering <data dir> <key>");
            System.exit(2);
        }
        flipLastValueByte(Path.of(args[0]), args[1].getBytes(java.nio.charset.StandardCharsets.UTF_8));
        System.out.println("flipped the last byte of the value of " + args[1] + " in " + args[0]);
    }

    /**
     * Flips every bit of the last byte of {@code key}'s current value in the state machine under
     * {@code dataDir} (the member must be stopped).
     *
     * @throws IllegalArgumentException if the key is absent or its value is empty
     */
    public static void flipLastValueByte(Path dataDir, byte[] key) throws RocksDBException {
        StorageLayout layout = new StorageLayout(dataDir);
        try (RocksInstance db = RocksInstance.open(layout.smDir, KvStateMachine.FAMILIES, false, false)) {
            // Opening upgraded the directory to the current storage format if it was older.
            StorageFormat.upgrade(db, dataDir);
            byte[] stored = db.db.get(db.cf(KvStateMachine.KV_META_CF), key);
            if (stored == null) {
                throw new IllegalArgumentException("no such key in " + layout.smDir);
            }
            KeyMeta meta = KeyMeta.decode(key, stored);
            byte[] revKey = meta.revKey();
            KeyValue kv = meta.withValueFrom(db.db.get(db.cf(KvStateMachine.HISTORY_CF), revKey));
            byte[] value = kv.value().clone();
            if (value.length == 0) {
                throw new IllegalArgumentException("the key's value is empty");
            }
            value[value.length - 1] ^= (byte) 0xff;
            KeyValue changed =
                    new KeyValue(key, value, kv.createRevision(), kv.modRevision(), kv.version(), kv.lease());
            try (org.rocksdb.WriteOptions sync = new org.rocksdb.WriteOptions().setSync(true)) {
                // The value is stored once, in the live version's history event (storage format 3).
                db.db.put(
                        db.cf(KvStateMachine.HISTORY_CF),
                        sync,
                        revKey,
                        MvccRecords.encodeEvent(new io.raftkv.node.kv.KvEvent(
                                io.raftkv.node.kv.KvEvent.Type.PUT, changed, meta.sub())));
            }
        }
    }
}
