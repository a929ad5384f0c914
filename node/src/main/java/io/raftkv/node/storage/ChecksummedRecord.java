package io.raftkv.node.storage;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.zip.CRC32C;

/**
 * Every value this package stores is framed as {@code [crc32c:4][payload]}, where the CRC covers
 * the record's key and then its payload. Covering the key catches a value that landed under the
 * wrong key (a misdirected write), not only flipped bits. RocksDB checksums its blocks too; this
 * second, end-to-end check also covers the memtable and the WAL path.
 */
final class ChecksummedRecord {
    static final int HEADER_BYTES = 4;

    private ChecksummedRecord() {}

    /** Frames {@code payload} for storage under {@code key}. */
    static byte[] seal(byte[] key, byte[] payload) {
        byte[] out = new byte[HEADER_BYTES + payload.length];
        ByteBuffer.wrap(out).putInt(crc(key, payload, 0, payload.length));
        System.arraycopy(payload, 0, out, HEADER_BYTES, payload.length);
        return out;
    }

    /**
     * Verifies and unframes a stored value.
     *
     * @return a buffer positioned at the payload
     * @throws CorruptRecordException naming the key if the value is too short or the CRC differs
     */
    static ByteBuffer open(byte[] key, byte[] stored) {
        if (stored == null || stored.length < HEADER_BYTES) {
            throw new CorruptRecordException("record " + describeKey(key) + " is truncated ("
                    + (stored == null ? "missing" : stored.length + " bytes") + ")");
        }
        int expected = ByteBuffer.wrap(stored).getInt();
        int actual = crc(key, stored, HEADER_BYTES, stored.length - HEADER_BYTES);
        if (expected != actual) {
            throw new CorruptRecordException("record " + describeKey(key) + " fails its checksum (stored "
                    + Integer.toHexString(expected) + ", computed " + Integer.toHexString(actual) + ")");
        }
        return ByteBuffer.wrap(stored, HEADER_BYTES, stored.length - HEADER_BYTES)
                .slice();
    }

    static int crc(byte[] key, byte[] data, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(key);
        crc.update(data, offset, length);
        return (int) crc.getValue();
    }

    static String describeKey(byte[] key) {
        if (key.length == Long.BYTES) {
            return "#" + ByteBuffer.wrap(key).getLong();
        }
        boolean printable = true;
        for (byte b : key) {
            printable &= b >= 0x20 && b < 0x7f;
        }
        return printable
                ? "'" + new String(key, java.nio.charset.StandardCharsets.US_ASCII) + "'"
                : "0x" + HexFormat.of().formatHex(key);
    }

    /** Throws unless {@code buf} has been read to its end: trailing bytes mean a format mismatch. */
    static void requireFullyRead(ByteBuffer buf, String what) {
        if (buf.hasRemaining()) {
            throw new CorruptRecordException(what + " has " + buf.remaining() + " unexpected trailing bytes");
        }
    }
}
