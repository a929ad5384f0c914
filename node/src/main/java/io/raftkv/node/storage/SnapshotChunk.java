package io.raftkv.node.storage;

import java.util.zip.CRC32C;

/**
 * One piece of a snapshot stream.
 *
 * @param offset position of {@code bytes} in the stream
 * @param bytes  the data (not copied: do not mutate)
 * @param crc32c CRC-32C of {@code bytes}
 */
public record SnapshotChunk(long offset, byte[] bytes, int crc32c) {

    static SnapshotChunk of(long offset, byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return new SnapshotChunk(offset, bytes, (int) crc.getValue());
    }

    /** Whether {@code bytes} still match {@code crc32c}. */
    public boolean intact() {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return (int) crc.getValue() == crc32c;
    }
}
