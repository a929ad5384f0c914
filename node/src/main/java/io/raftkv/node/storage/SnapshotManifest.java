package io.raftkv.node.storage;

import io.raftkv.raft.SnapshotMetadata;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Describes one complete snapshot directory ({@code snap-<index>-<term>/}): its Raft metadata,
 * the checkpoint files under {@code db/} with their sizes and CRC-32C. Stored as {@code SNAPSHOT}
 * with its own trailing CRC-32C; written last, before the directory is renamed into place, so a
 * directory named {@code snap-…} is always complete.
 *
 * <p>Format 2 ({@code RKVSNAP2}) dropped the size and CRC-32C of the whole stream that format 1
 * carried: computing them read (and SHA-256 hashed) the entire database at every snapshot, which
 * made snapshots cost O(state size). The stream's length follows from the file sizes
 * ({@link SnapshotStreamFormat#streamBytes}) and its CRC is computed while it is sent. Format 1
 * manifests still decode (the two fields are skipped).
 */
record SnapshotManifest(SnapshotMetadata metadata, List<FileEntry> files) {
    static final String FILE_NAME = "SNAPSHOT";
    static final String DB_DIR = "db";
    private static final byte[] MAGIC_V1 = "RKVSNAP1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MAGIC = "RKVSNAP2".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_FILES = 1_000_000;

    /** One checkpoint file. */
    record FileEntry(String name, long size, int crc32c) {}

    SnapshotManifest {
        files = List.copyOf(files);
    }

    byte[] encode() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.write(MAGIC);
            byte[] meta = RaftRecords.encodeSnapshotMetadata(metadata);
            out.writeInt(meta.length);
            out.write(meta);
            out.writeInt(files.size());
            for (FileEntry f : files) {
                out.writeUTF(f.name());
                out.writeLong(f.size());
                out.writeInt(f.crc32c());
            }
            CRC32C crc = new CRC32C();
            crc.update(bytes.toByteArray());
            out.writeInt((int) crc.getValue());
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("in-memory write failed", e);
        }
    }

    static SnapshotManifest decode(byte[] data) {
        if (data.length < MAGIC.length + 4) {
            throw new CorruptRecordException("snapshot manifest is truncated (" + data.length + " bytes)");
        }
        CRC32C crc = new CRC32C();
        crc.update(data, 0, data.length - 4);
        if ((int) crc.getValue() != ByteBuffer.wrap(data, data.length - 4, 4).getInt()) {
            throw new CorruptRecordException("snapshot manifest fails its checksum");
        }
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(data, 0, data.length - 4))) {
            byte[] magic = in.readNBytes(MAGIC.length);
            boolean v1 = java.util.Arrays.equals(magic, MAGIC_V1);
            if (!v1 && !java.util.Arrays.equals(magic, MAGIC)) {
                throw new CorruptRecordException("snapshot manifest has a bad magic number");
            }
            SnapshotMetadata meta = readMetadata(in);
            int n = in.readInt();
            if (n < 0 || n > MAX_FILES) {
                throw new CorruptRecordException("snapshot manifest lists " + n + " files");
            }
            List<FileEntry> files = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                files.add(new FileEntry(checkName(in.readUTF()), in.readLong(), in.readInt()));
            }
            if (v1) {
                in.readLong(); // format 1: stream size
                in.readInt(); // format 1: stream CRC-32C
            }
            SnapshotManifest m = new SnapshotManifest(meta, files);
            if (in.available() > 0) {
                throw new CorruptRecordException("snapshot manifest has trailing bytes");
            }
            return m;
        } catch (EOFException e) {
            throw new CorruptRecordException("snapshot manifest is truncated");
        } catch (IOException e) {
            throw new CorruptRecordException("snapshot manifest does not decode: " + e);
        }
    }

    static SnapshotMetadata readMetadata(DataInputStream in) throws IOException {
        int len = in.readInt();
        if (len < 0 || len > 1 << 20) {
            throw new CorruptRecordException("snapshot metadata length " + len);
        }
        ByteBuffer buf = ByteBuffer.wrap(in.readNBytes(len));
        SnapshotMetadata meta = RaftRecords.readSnapshotMetadata(buf);
        ChecksummedRecord.requireFullyRead(buf, "snapshot metadata");
        return meta;
    }

    /** A file name must be a plain name: a stream must never write outside its directory. */
    static String checkName(String name) {
        if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.equals(".") || name.equals("..")) {
            throw new CorruptRecordException("snapshot file name '" + name + "' is not a plain file name");
        }
        return name;
    }

    static SnapshotManifest read(Path snapshotDir) throws IOException {
        return decode(Files.readAllBytes(snapshotDir.resolve(FILE_NAME)));
    }

    /** Recomputes every file's size and CRC and compares them with the manifest. */
    void verifyFiles(Path snapshotDir) throws IOException {
        for (FileEntry f : files) {
            Path p = snapshotDir.resolve(DB_DIR).resolve(f.name());
            if (!Files.isRegularFile(p)) {
                throw new CorruptRecordException("snapshot file " + p + " is missing");
            }
            long size = Files.size(p);
            if (size != f.size()) {
                throw new CorruptRecordException(
                        "snapshot file " + p + " has " + size + " bytes, expected " + f.size());
            }
            if (crcOf(p) != f.crc32c()) {
                throw new CorruptRecordException("snapshot file " + p + " fails its checksum");
            }
        }
    }

    static int crcOf(Path file) throws IOException {
        CRC32C crc = new CRC32C();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                crc.update(buf, 0, n);
            }
        }
        return (int) crc.getValue();
    }
}
