package io.raftkv.node.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.Command.Put;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.kv.StateHash;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.HardState;
import io.raftkv.raft.SnapshotMetadata;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Take, stream, install on a fresh directory, compare the state hash; and what can go wrong. */
class SnapshotRoundTripTest {
    private static final StorageOptions OPTIONS = StorageOptions.defaults()
            .withSnapshotChunkBytes(4096)
            .withSnapshotThresholdEntries(100)
            .withLogEntriesRetainedAfterSnapshot(10);

    @TempDir
    Path tmp;

    /** Writes {@code n} puts (with sessions) through log and state machine; returns the last index. */
    static long fill(NodeStorage s, long from, int n) {
        List<Entry> es = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long index = from + i;
            byte[] value = new byte[300];
            java.util.Arrays.fill(value, (byte) index);
            Command c = i % 3 == 0
                    ? Command.inSession(
                            100 + i % 5, index, new Put(("k" + i % 50).getBytes(StandardCharsets.UTF_8), value))
                    : Command.of(new Put(("k" + i % 50).getBytes(StandardCharsets.UTF_8), value));
            es.add(new Entry(2, index, EntryType.NORMAL, CommandCodec.encode(c)));
        }
        long last = from + n - 1;
        s.raftLog().persist(new HardState(2, 1, last), es, null).join();
        s.stateMachine().apply(es, Map.of()).join();
        return last;
    }

    static SnapshotMetadata stream(NodeStorage from, SnapshotMetadata m, NodeStorage to) throws IOException {
        try (SnapshotReader reader = from.snapshots().openReader(m);
                SnapshotWriter writer = to.snapshots().beginInstall(m)) {
            int chunks = 0;
            while (reader.hasNext()) {
                writer.write(reader.next());
                chunks++;
            }
            assertThat(chunks).isGreaterThan(1);
            return writer.finish(reader.totalBytes(), reader.checksum());
        }
    }

    @Test
    void snapshotStreamsToAFreshNodeAndInstallsWithTheSameStateHash() throws IOException {
        try (NodeStorage a = NodeStorage.open(tmp.resolve("a"), OPTIONS);
                NodeStorage b = NodeStorage.open(tmp.resolve("b"), OPTIONS)) {
            long last = fill(a, 1, 150);
            assertThat(a.shouldSnapshot()).isTrue();
            SnapshotMetadata m = a.snapshots().create().join();
            assertThat(m.index()).isEqualTo(last);
            assertThat(m.term()).isEqualTo(2);
            assertThat(a.shouldSnapshot()).isFalse();
            assertThat(a.raftLog().snapshot().metadata()).isEqualTo(m);
            a.compactAfter(m).join();
            assertThat(a.raftLog().firstIndex()).isEqualTo(last - 10 + 1);

            assertThat(stream(a, m, b)).isEqualTo(m);
            assertThat(b.snapshots().isComplete(m)).isTrue();
            assertThat(b.stateMachine().appliedIndex())
                    .as("not swapped before the log records it")
                    .isZero();
            b.raftLog().persist(new HardState(2, 1, m.index()), List.of(), m).join();
            b.stateMachine().apply(List.of(), Map.of()).join(); // runs after the swap on the apply thread
            assertThat(b.stateMachine().appliedIndex()).isEqualTo(m.index());
            assertThat(b.stateMachine().stateHash()).isEqualTo(a.stateMachine().stateHash());
            assertThat(b.raftLog().firstIndex()).isEqualTo(m.index() + 1);
            assertThat(b.raftLog().term(m.index())).isEqualTo(2);

            long next = fill(a, last + 1, 20);
            List<Entry> tail = a.raftLog().entries(last + 1, next + 1, Long.MAX_VALUE);
            b.raftLog().persist(new HardState(2, 1, next), tail, null).join();
            b.stateMachine().apply(tail, Map.of()).join();
            assertThat(b.stateMachine().stateHash()).isEqualTo(a.stateMachine().stateHash());
        }
        try (NodeStorage b = NodeStorage.open(tmp.resolve("b"), OPTIONS);
                NodeStorage a = NodeStorage.open(tmp.resolve("a"), OPTIONS)) {
            assertThat(b.stateMachine().stateHash()).isEqualTo(a.stateMachine().stateHash());
        }
    }

    @Test
    void aNewSnapshotChecksumsOnlyTheFilesThatChangedAndStillVerifies() throws IOException {
        try (NodeStorage a = NodeStorage.open(tmp.resolve("a"), OPTIONS)) {
            long last = fill(a, 1, 150);
            SnapshotMetadata first = a.snapshots().create().join();
            long readForFirst = a.snapshots().checksumBytesRead();
            fill(a, last + 1, 120);
            SnapshotMetadata second = a.snapshots().create().join();
            long readForSecond = a.snapshots().checksumBytesRead() - readForFirst;

            Path firstDb = tmp.resolve("a/storage/snapshots/" + SnapshotStore.dirName(first) + "/db");
            Path secondDir = tmp.resolve("a/storage/snapshots/" + SnapshotStore.dirName(second));
            SnapshotManifest manifest = SnapshotManifest.read(secondDir);
            long shared = 0;
            long total = 0;
            for (SnapshotManifest.FileEntry f : manifest.files()) {
                total += f.size();
                if (f.name().endsWith(".sst") && Files.exists(firstDb.resolve(f.name()))) {
                    shared += f.size();
                }
            }
            assertThat(shared)
                    .as("the second checkpoint shares SST files with the first")
                    .isPositive();
            assertThat(readForSecond)
                    .as("only files new since the first snapshot are read")
                    .isEqualTo(total - shared);
            manifest.verifyFiles(secondDir); // the remembered checksums are the files' real ones
        }
    }

    @Test
    void theStreamLengthIsKnownUpFrontAndItsChecksumOnlyAtTheEnd() throws IOException {
        try (NodeStorage a = NodeStorage.open(tmp.resolve("a"), OPTIONS)) {
            fill(a, 1, 150);
            SnapshotMetadata m = a.snapshots().create().join();
            try (SnapshotReader reader = a.snapshots().openReader(m)) {
                java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
                long read = 0;
                SnapshotChunk c = reader.next();
                assertThatThrownBy(reader::checksum)
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("only at the end");
                crc.update(c.bytes());
                read += c.bytes().length;
                while (reader.hasNext()) {
                    byte[] b = reader.next().bytes();
                    crc.update(b);
                    read += b.length;
                }
                assertThat(read).isEqualTo(reader.totalBytes());
                assertThat(reader.checksum()).isEqualTo((int) crc.getValue());
            }
        }
    }

    @Test
    void aFormatOneManifestStillDecodes() throws IOException {
        SnapshotMetadata meta = new SnapshotMetadata(
                42, 3, new io.raftkv.raft.ConfState(java.util.Set.of(1L, 2L, 3L), java.util.Set.of()));
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.io.DataOutputStream out = new java.io.DataOutputStream(bytes);
        out.write("RKVSNAP1".getBytes(StandardCharsets.US_ASCII));
        byte[] m = RaftRecords.encodeSnapshotMetadata(meta);
        out.writeInt(m.length);
        out.write(m);
        out.writeInt(1);
        out.writeUTF("000012.sst");
        out.writeLong(1234);
        out.writeInt(77);
        out.writeLong(99_999); // format 1: stream size
        out.writeInt(-5); // format 1: stream CRC
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(bytes.toByteArray());
        out.writeInt((int) crc.getValue());

        SnapshotManifest decoded = SnapshotManifest.decode(bytes.toByteArray());
        assertThat(decoded)
                .isEqualTo(new SnapshotManifest(meta, List.of(new SnapshotManifest.FileEntry("000012.sst", 1234, 77))));
        assertThat(SnapshotManifest.decode(decoded.encode())).isEqualTo(decoded);
    }

    @Test
    void corruptStreamsAreRefusedAndLeaveNothingBehind() throws IOException {
        try (NodeStorage a = NodeStorage.open(tmp.resolve("a"), OPTIONS);
                NodeStorage b = NodeStorage.open(tmp.resolve("b"), OPTIONS)) {
            fill(a, 1, 50);
            SnapshotMetadata m = a.snapshots().create().join();
            try (SnapshotReader reader = a.snapshots().openReader(m);
                    SnapshotWriter writer = b.snapshots().beginInstall(m)) {
                SnapshotChunk first = reader.next();
                byte[] flipped = first.bytes().clone();
                flipped[flipped.length / 2] ^= 1;
                assertThatThrownBy(() -> writer.write(new SnapshotChunk(0, flipped, first.crc32c())))
                        .hasMessageContaining("fails its CRC");
                assertThatThrownBy(() -> writer.write(new SnapshotChunk(7, first.bytes(), first.crc32c())))
                        .hasMessageContaining("expected 0");
                writer.write(0, flipped); // a transport that did not check: caught by the whole-stream checks
                while (reader.hasNext()) {
                    writer.write(reader.next());
                }
                assertThatThrownBy(() -> writer.finish(reader.totalBytes(), reader.checksum()))
                        .isInstanceOf(SnapshotWriter.CorruptSnapshotException.class);
            }
            assertThat(b.snapshots().isComplete(m)).isFalse();
            assertThat(b.snapshots().latest()).isEmpty();
            try (var files = Files.list(tmp.resolve("b/storage/snapshots"))) {
                assertThat(files).isEmpty();
            }
            SnapshotMetadata wrong = new SnapshotMetadata(m.index() + 1, m.term(), m.confState());
            assertThatThrownBy(() -> b.raftLog().persist(null, List.of(), wrong))
                    .hasMessageContaining("was not received and verified");
        }
    }

    @Test
    void aCrashAfterTheLogRecordsTheSnapshotButBeforeTheSwapIsRepairedAtStartUp() throws IOException {
        Path bDir = tmp.resolve("b");
        StateHash hash;
        SnapshotMetadata m;
        try (NodeStorage a = NodeStorage.open(tmp.resolve("a"), OPTIONS);
                NodeStorage b = NodeStorage.open(bDir, OPTIONS)) {
            fill(a, 1, 80);
            m = a.snapshots().create().join();
            hash = a.stateMachine().stateHash();
            stream(a, m, b);
        }
        // Simulate the crash window: the log records the snapshot, the state machine is still old.
        StorageLayout layout = new StorageLayout(bDir);
        try (RocksInstance log = RocksInstance.open(layout.logDir, RaftLogStorage.FAMILIES, false, false)) {
            log.db.put(
                    log.cf(RaftLogStorage.STATE_CF),
                    RaftRecords.COMPACTED_KEY,
                    RaftRecords.encodeCompacted(new RaftRecords.Compacted(m.index(), m.term())));
            log.db.put(
                    log.cf(RaftLogStorage.STATE_CF),
                    RaftRecords.HARD_STATE_KEY,
                    RaftRecords.encodeHardState(new HardState(2, 1, m.index())));
        } catch (org.rocksdb.RocksDBException e) {
            throw new IOException(e);
        }
        try (NodeStorage b = NodeStorage.open(bDir, OPTIONS)) {
            assertThat(b.stateMachine().appliedIndex()).isEqualTo(m.index());
            assertThat(b.stateMachine().stateHash()).isEqualTo(hash);
            assertThat(b.raftLog().firstIndex()).isEqualTo(m.index() + 1);
        }
    }
}
