package io.raftkv.node.storage;

import io.raftkv.raft.SnapshotMetadata;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.Iterator;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The byte stream that carries a snapshot between nodes (format {@value #FORMAT}):
 *
 * <pre>
 * "RKVSTRM1"  metadataLength:i32 metadata  fileCount:i32
 * (name:modified-UTF-8 size:i64 crc32c:i32 content[size])*
 * sha256[32] of every byte before it
 * </pre>
 * Self-verifying: besides the transport's per-chunk CRC and whole-stream CRC, the receiver checks
 * each file's CRC and the SHA-256 trailer before anything is installed.
 */
final class SnapshotStreamFormat {
    static final String FORMAT = "raftkv-checkpoint/1";
    private static final byte[] MAGIC = "RKVSTRM1".getBytes(StandardCharsets.US_ASCII);
    private static final int SHA256_BYTES = 32;

    private SnapshotStreamFormat() {}

    /** The stream for the complete snapshot in {@code snapshotDir}. */
    static InputStream open(Path snapshotDir, SnapshotManifest manifest) {
        MessageDigest sha = sha256();
        List<InputStream> parts = new ArrayList<>();
        parts.add(new ByteArrayInputStream(
                header(manifest.metadata(), manifest.files().size())));
        Path db = snapshotDir.resolve(SnapshotManifest.DB_DIR);
        for (SnapshotManifest.FileEntry f : manifest.files()) {
            parts.add(new ByteArrayInputStream(fileHeader(f)));
            parts.add(new LazyFileStream(db.resolve(f.name())));
        }
        Iterator<InputStream> it = parts.iterator();
        InputStream body = new DigestInputStream(
                new SequenceInputStream(new Enumeration<>() {
                    @Override
                    public boolean hasMoreElements() {
                        return it.hasNext();
                    }

                    @Override
                    public InputStream nextElement() {
                        return it.next();
                    }
                }),
                sha);
        return new SequenceInputStream(body, new InputStream() {
            private ByteArrayInputStream trailer;

            private ByteArrayInputStream trailer() {
                if (trailer == null) {
                    trailer = new ByteArrayInputStream(sha.digest());
                }
                return trailer;
            }

            @Override
            public int read() {
                return trailer().read();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                return trailer().read(b, off, len);
            }
        });
    }

    /** Exact length of the stream {@link #open} produces for {@code manifest}, computed without reading. */
    static long streamBytes(SnapshotManifest manifest) {
        long size = header(manifest.metadata(), manifest.files().size()).length + SHA256_BYTES;
        for (SnapshotManifest.FileEntry f : manifest.files()) {
            size += fileHeader(f).length + f.size();
        }
        return size;
    }

    /**
     * The metadata in the header of the stream file {@code streamFile} (reads only the header).
     *
     * @throws CorruptRecordException if the file does not start like a snapshot stream
     */
    static SnapshotMetadata readHeader(Path streamFile) throws IOException {
        try (DataInputStream in =
                new DataInputStream(new BufferedInputStream(Files.newInputStream(streamFile), 1 << 12))) {
            byte[] magic = in.readNBytes(MAGIC.length);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new CorruptRecordException(streamFile + " is not a RaftKV snapshot (bad magic number)");
            }
            return SnapshotManifest.readMetadata(in);
        } catch (EOFException e) {
            throw new CorruptRecordException(streamFile + " is truncated inside its header");
        }
    }

    /**
     * Unpacks a received stream into {@code targetDbDir}, verifying each file's CRC and the SHA-256
     * trailer, and that it carries {@code expected} metadata.
     *
     * @return the files written, for the manifest
     * @throws CorruptRecordException if anything does not verify
     */
    static List<SnapshotManifest.FileEntry> extract(Path streamFile, Path targetDbDir, SnapshotMetadata expected)
            throws IOException {
        MessageDigest sha = sha256();
        Files.createDirectories(targetDbDir);
        List<SnapshotManifest.FileEntry> files = new ArrayList<>();
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(streamFile), 1 << 16)) {
            DataInputStream in = new DataInputStream(new DigestInputStream(raw, sha));
            byte[] magic = in.readNBytes(MAGIC.length);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new CorruptRecordException("snapshot stream has a bad magic number");
            }
            SnapshotMetadata meta = SnapshotManifest.readMetadata(in);
            if (!meta.equals(expected)) {
                throw new CorruptRecordException("snapshot stream carries " + meta + ", expected " + expected);
            }
            int n = in.readInt();
            if (n < 0 || n > 1_000_000) {
                throw new CorruptRecordException("snapshot stream claims " + n + " files");
            }
            byte[] buf = new byte[1 << 16];
            for (int i = 0; i < n; i++) {
                String name = SnapshotManifest.checkName(in.readUTF());
                long size = in.readLong();
                int crcExpected = in.readInt();
                if (size < 0) {
                    throw new CorruptRecordException("snapshot file " + name + " has size " + size);
                }
                CRC32C crc = new CRC32C();
                try (OutputStream out =
                        Files.newOutputStream(targetDbDir.resolve(name), java.nio.file.StandardOpenOption.CREATE_NEW)) {
                    for (long left = size; left > 0; ) {
                        int r = in.read(buf, 0, (int) Math.min(buf.length, left));
                        if (r < 0) {
                            throw new EOFException();
                        }
                        crc.update(buf, 0, r);
                        out.write(buf, 0, r);
                        left -= r;
                    }
                }
                if ((int) crc.getValue() != crcExpected) {
                    throw new CorruptRecordException("snapshot file " + name + " fails its checksum");
                }
                files.add(new SnapshotManifest.FileEntry(name, size, crcExpected));
            }
            byte[] digest = sha.digest();
            byte[] trailer = raw.readNBytes(SHA256_BYTES);
            if (!Arrays.equals(digest, trailer)) {
                throw new CorruptRecordException("snapshot stream fails its SHA-256 digest");
            }
            if (raw.read() != -1) {
                throw new CorruptRecordException("snapshot stream has trailing bytes");
            }
            return files;
        } catch (EOFException e) {
            throw new CorruptRecordException("snapshot stream is truncated");
        }
    }

    private static byte[] header(SnapshotMetadata meta, int fileCount) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(MAGIC);
            byte[] m = RaftRecords.encodeSnapshotMetadata(meta);
            out.writeInt(m.length);
            out.write(m);
            out.writeInt(fileCount);
        } catch (IOException e) {
            throw new IllegalStateException("in-memory write failed", e);
        }
        return bytes.toByteArray();
    }

    private static byte[] fileHeader(SnapshotManifest.FileEntry f) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF(f.name());
            out.writeLong(f.size());
            out.writeInt(f.crc32c());
        } catch (IOException e) {
            throw new IllegalStateException("in-memory write failed", e);
        }
        return bytes.toByteArray();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JDK", e);
        }
    }

    /** Opens its file on first read, so a stream over many files holds one descriptor at a time. */
    private static final class LazyFileStream extends InputStream {
        private final Path file;
        private InputStream in;

        LazyFileStream(Path file) {
            this.file = file;
        }

        private InputStream in() throws IOException {
            if (in == null) {
                in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
            }
            return in;
        }

        @Override
        public int read() throws IOException {
            return in().read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return in().read(b, off, len);
        }

        @Override
        public void close() throws IOException {
            if (in != null) {
                in.close();
            }
        }
    }
}
