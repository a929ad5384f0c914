package io.raftkv.node.storage;

import io.raftkv.node.kv.KeyValue;
import io.raftkv.node.kv.KvEvent;
import io.raftkv.node.kv.Revisions;
import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Encodings of the history ({@link Revisions}): two column families written in the same batch as
 * the change itself.
 *
 * <pre>
 * history    rev:i64 sub:i32                               → event (checksummed)
 * key_index  escaped(key) 0x00 0x01 rev:i64 sub:i32        → empty (checksummed)
 * event      = 1 key-length:i32 key create:i64 version:i64 lease:i64 value   (put)
 *            | 2 key-length:i32 key                                          (delete)
 * escaped(k) = k with every 0x00 written as 0x00 0xFF
 * </pre>
 * {@code history} is in revision order, so "every change since revision r" is one forward scan;
 * {@code key_index} is in key order and, per key, in revision order, so "key k as of revision r"
 * is one seek-for-previous and "keys in [a, b) as of r" a forward scan. The escaping keeps keys
 * in bytewise order and makes the end of the key unambiguous (0x00 0x01 sorts before 0x00 0xFF
 * and after nothing else a key can continue with).
 */
final class MvccRecords {
    static final byte[] REVISIONS_KEY = "revisions".getBytes(StandardCharsets.US_ASCII);
    /** Meta record: the revision from which the background compaction still has to scan. */
    static final byte[] COMPACT_PROGRESS_KEY = "compact_progress".getBytes(StandardCharsets.US_ASCII);

    static final int REV_KEY_BYTES = Long.BYTES + Integer.BYTES;
    private static final int PUT = 1;
    private static final int DELETE = 2;

    private MvccRecords() {}

    static byte[] encodeRevisions(Revisions r) {
        return ChecksummedRecord.seal(
                REVISIONS_KEY,
                ByteBuffer.allocate(2 * Long.BYTES)
                        .putLong(r.current())
                        .putLong(r.compacted())
                        .array());
    }

    static Revisions decodeRevisions(byte[] stored) {
        ByteBuffer buf = ChecksummedRecord.open(REVISIONS_KEY, stored);
        try {
            Revisions r = new Revisions(buf.getLong(), buf.getLong());
            ChecksummedRecord.requireFullyRead(buf, "revisions");
            return r;
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw new CorruptRecordException("revisions record does not decode: " + e.getMessage());
        }
    }

    static byte[] encodeLong(byte[] key, long v) {
        return ChecksummedRecord.seal(
                key, ByteBuffer.allocate(Long.BYTES).putLong(v).array());
    }

    static long decodeLong(byte[] key, byte[] stored) {
        ByteBuffer buf = ChecksummedRecord.open(key, stored);
        try {
            long v = buf.getLong();
            ChecksummedRecord.requireFullyRead(buf, ChecksummedRecord.describeKey(key));
            return v;
        } catch (BufferUnderflowException e) {
            throw new CorruptRecordException(ChecksummedRecord.describeKey(key) + " is truncated");
        }
    }

    /** The {@code history} key of change {@code sub} of {@code revision}. */
    static byte[] revKey(long revision, int sub) {
        return ByteBuffer.allocate(REV_KEY_BYTES).putLong(revision).putInt(sub).array();
    }

    static long revisionOf(byte[] revKey) {
        return ByteBuffer.wrap(revKey).getLong();
    }

    static int subOf(byte[] revKey) {
        return ByteBuffer.wrap(revKey).getInt(Long.BYTES);
    }

    /** The escaped key followed by the terminator: every index key of {@code key} starts with it. */
    static byte[] indexPrefix(byte[] key) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(key.length + 2 + REV_KEY_BYTES);
        escapeInto(out, key);
        out.write(0);
        out.write(1);
        return out.toByteArray();
    }

    /** A bound in {@code key_index} order: every index key of a key ≥ {@code key} sorts at or after it. */
    static byte[] indexBound(byte[] key) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(key.length + 2);
        escapeInto(out, key);
        return out.toByteArray();
    }

    private static void escapeInto(ByteArrayOutputStream out, byte[] key) {
        for (byte b : key) {
            out.write(b);
            if (b == 0) {
                out.write(0xFF);
            }
        }
    }

    static byte[] indexKey(byte[] key, long revision, int sub) {
        byte[] prefix = indexPrefix(key);
        return ByteBuffer.allocate(prefix.length + REV_KEY_BYTES)
                .put(prefix)
                .putLong(revision)
                .putInt(sub)
                .array();
    }

    /** The index key just after every change of {@code key} at revisions ≤ {@code revision}. */
    static byte[] indexKeyAfter(byte[] key, long revision) {
        return indexKey(key, revision, -1); // sub -1 is 0xFFFFFFFF: after every sub
    }

    /** The key of an index key. */
    static byte[] keyOfIndex(byte[] indexKey) {
        int end = indexKey.length - REV_KEY_BYTES - 2;
        if (end < 0 || indexKey[end] != 0 || indexKey[end + 1] != 1) {
            throw new CorruptRecordException("key index entry of " + indexKey.length + " bytes has no terminator");
        }
        byte[] out = new byte[end];
        int n = 0;
        for (int i = 0; i < end; i++) {
            out[n++] = indexKey[i];
            if (indexKey[i] == 0) {
                i++; // skip the 0xFF escape
            }
        }
        return Arrays.copyOf(out, n);
    }

    static long revisionOfIndex(byte[] indexKey) {
        return ByteBuffer.wrap(indexKey, indexKey.length - REV_KEY_BYTES, REV_KEY_BYTES)
                .getLong();
    }

    static int subOfIndex(byte[] indexKey) {
        return ByteBuffer.wrap(indexKey, indexKey.length - Integer.BYTES, Integer.BYTES)
                .getInt();
    }

    /** The {@code history} value of an event (its revision and sub are in the key). */
    static byte[] encodeEvent(KvEvent e) {
        KeyValue kv = e.kv();
        boolean put = e.type() == KvEvent.Type.PUT;
        ByteBuffer buf = ByteBuffer.allocate(
                1 + Integer.BYTES + kv.key().length + (put ? 3 * Long.BYTES + kv.value().length : 0));
        buf.put((byte) (put ? PUT : DELETE)).putInt(kv.key().length).put(kv.key());
        if (put) {
            buf.putLong(kv.createRevision())
                    .putLong(kv.version())
                    .putLong(kv.lease())
                    .put(kv.value());
        }
        return ChecksummedRecord.seal(revKey(kv.modRevision(), e.subRevision()), buf.array());
    }

    static KvEvent decodeEvent(byte[] revKey, byte[] stored) {
        ByteBuffer buf = ChecksummedRecord.open(revKey, stored);
        long revision = revisionOf(revKey);
        int sub = subOf(revKey);
        try {
            int type = buf.get();
            int keyLength = buf.getInt();
            if (keyLength < 1 || keyLength > buf.remaining()) {
                throw new CorruptRecordException(
                        "history event at revision " + revision + " has a key of " + keyLength + " bytes");
            }
            byte[] key = new byte[keyLength];
            buf.get(key);
            if (type == DELETE) {
                ChecksummedRecord.requireFullyRead(buf, "history event at revision " + revision);
                return KvEvent.deletion(key, revision, sub);
            }
            if (type != PUT) {
                throw new CorruptRecordException("history event at revision " + revision + " has type " + type);
            }
            long create = buf.getLong();
            long version = buf.getLong();
            long lease = buf.getLong();
            byte[] value = new byte[buf.remaining()];
            buf.get(value);
            return new KvEvent(KvEvent.Type.PUT, new KeyValue(key, value, create, revision, version, lease), sub);
        } catch (BufferUnderflowException e) {
            throw new CorruptRecordException("history event at revision " + revision + " is truncated");
        }
    }
}
