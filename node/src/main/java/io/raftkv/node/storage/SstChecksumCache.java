package io.raftkv.node.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * CRC-32C of checkpoint files, remembered for immutable SST files so that a new snapshot checksums
 * only what changed since the previous one (new flushes and compaction outputs) instead of the whole
 * database. A checkpoint hard-links the live SST files, so an SST present in consecutive snapshots is
 * the same file: same name, inode, size and modification time. An entry is used only if all four
 * still match; anything else (MANIFEST, OPTIONS, CURRENT, or an SST that differs in any of them) is
 * read again. Only files of the latest snapshot are kept ({@link #retainOnly}).
 */
final class SstChecksumCache {
    private record Identity(Object fileKey, long size, long modifiedNanos) {}

    private record Known(Identity identity, int crc32c) {}

    private final ConcurrentHashMap<String, Known> known = new ConcurrentHashMap<>();
    private final AtomicLong bytesRead = new AtomicLong();

    /** CRC-32C of {@code file}, read from disk unless it is a known SST with the same identity. */
    int crcOf(Path file) throws IOException {
        String name = file.getFileName().toString();
        if (!name.endsWith(".sst")) {
            return readCrc(file);
        }
        BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
        Identity id = new Identity(
                attrs.fileKey(), attrs.size(), attrs.lastModifiedTime().to(TimeUnit.NANOSECONDS));
        if (id.fileKey() == null) {
            return readCrc(file); // no inode on this file system: nothing to recognise the file by
        }
        Known k = known.get(name);
        if (k != null && k.identity().equals(id)) {
            return k.crc32c();
        }
        int crc = readCrc(file);
        known.put(name, new Known(id, crc));
        return crc;
    }

    /** Forgets every file not named in {@code names}. */
    void retainOnly(Collection<String> names) {
        known.keySet().retainAll(Set.copyOf(names));
    }

    /** Bytes read to compute checksums so far (for tests and logs). */
    long bytesRead() {
        return bytesRead.get();
    }

    private int readCrc(Path file) throws IOException {
        int crc = SnapshotManifest.crcOf(file);
        bytesRead.addAndGet(Files.size(file));
        return crc;
    }
}
