package io.raftkv.node.storage;

import io.raftkv.node.kv.KeyValue;
import io.raftkv.node.kv.KvEvent;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A live key's record in the {@code kv_meta} family (storage format 3, {@link StorageFormat}):
 * everything about its latest version except the value, which is stored once, in that version's
 * history event ({@link MvccRecords}) at {@code (modRevision, sub)}.
 *
 * <pre>
 * kv_meta  key → create:i64 mod:i64 version:i64 lease:i64 sub:i32   (checksummed)
 * </pre>
 * A read of the current value is two point lookups: this record, then the history row it names.
 */
record KeyMeta(byte[] key, long createRevision, long modRevision, long version, long lease, int sub) {
    private static final int PAYLOAD_BYTES = 4 * Long.BYTES + Integer.BYTES;
    private static final byte[] EMPTY = new byte[0];

    static KeyMeta of(KeyValue kv, int sub) {
        return new KeyMeta(kv.key(), kv.createRevision(), kv.modRevision(), kv.version(), kv.lease(), sub);
    }

    byte[] encode() {
        byte[] out = new byte[ChecksummedRecord.HEADER_BYTES + PAYLOAD_BYTES];
        ByteBuffer.wrap(out, ChecksummedRecord.HEADER_BYTES, PAYLOAD_BYTES)
                .putLong(createRevision)
                .putLong(modRevision)
                .putLong(version)
                .putLong(lease)
                .putInt(sub);
        ByteBuffer.wrap(out).putInt(ChecksummedRecord.crc(key, out, ChecksummedRecord.HEADER_BYTES, PAYLOAD_BYTES));
        return out;
    }

    static KeyMeta decode(byte[] key, byte[] stored) {
        ByteBuffer buf = ChecksummedRecord.open(key, stored);
        try {
            KeyMeta m = new KeyMeta(key, buf.getLong(), buf.getLong(), buf.getLong(), buf.getLong(), buf.getInt());
            ChecksummedRecord.requireFullyRead(buf, "key " + ChecksummedRecord.describeKey(key));
            return m;
        } catch (BufferUnderflowException e) {
            throw new CorruptRecordException("key " + ChecksummedRecord.describeKey(key) + " is truncated");
        }
    }

    /** The {@code history} key of the version this record describes. */
    byte[] revKey() {
        return MvccRecords.revKey(modRevision, sub);
    }

    /** The key-value without its value (a keys-only read). */
    KeyValue withoutValue() {
        return new KeyValue(key, EMPTY, createRevision, modRevision, version, lease);
    }

    /**
     * The key-value, its value taken from {@code storedEvent}, the history row at {@link #revKey()}.
     *
     * @throws CorruptRecordException if the row is missing or describes another version
     */
    KeyValue withValueFrom(byte[] storedEvent) {
        byte[] revKey = revKey();
        if (storedEvent == null) {
            throw new CorruptRecordException("key " + ChecksummedRecord.describeKey(key) + " names revision "
                    + modRevision + "." + sub + ", which the history does not hold");
        }
        KvEvent e = MvccRecords.decodeEvent(revKey, storedEvent);
        KeyValue kv = e.kv();
        if (e.type() != KvEvent.Type.PUT
                || !Arrays.equals(kv.key(), key)
                || kv.createRevision() != createRevision
                || kv.version() != version
                || kv.lease() != lease) {
            throw new CorruptRecordException("key " + ChecksummedRecord.describeKey(key) + " and its history event at "
                    + modRevision + "." + sub + " disagree");
        }
        return new KeyValue(key, kv.value(), createRevision, modRevision, version, lease);
    }
}
