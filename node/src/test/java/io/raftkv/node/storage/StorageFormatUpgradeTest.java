package io.raftkv.node.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.node.kv.KeyValue;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteOptions;

/**
 * Storage format 3 (each value stored once) against format 2: {@code format2/fixture.zip} was written
 * by the build before format 3 ({@code 5e7065f}) running {@link FormatFixture}: a data directory, a
 * snapshot stream (a backup) and the state hash and history digest that build computed.
 */
class StorageFormatUpgradeTest {
    @TempDir
    Path dir;

    private String unzipFixture() throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/format2/fixture.zip");
                ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                Path p = dir.resolve(e.getName()).normalize();
                if (!p.startsWith(dir)) {
                    throw new IOException("bad entry " + e.getName());
                }
                if (e.isDirectory()) {
                    Files.createDirectories(p);
                } else {
                    Files.createDirectories(p.getParent());
                    Files.copy(zip, p);
                }
            }
        }
        return Files.readString(dir.resolve("fixture/expected.txt"));
    }

    private Path oldData() {
        return dir.resolve("fixture/data");
    }

    private static String stateLine(String described) {
        return described.lines().filter(l -> l.startsWith("state ")).findFirst().orElseThrow();
    }

    @Test
    void aFormat2DirectoryOpensUpgradedWithTheSameHashesAndReads() throws Exception {
        String expected = unzipFixture();
        Path format = oldData().resolve("storage/FORMAT");
        assertThat(Files.readString(format)).isEqualTo("raftkv-storage v2\n");

        try (NodeStorage storage = NodeStorage.open(oldData(), StorageOptions.defaults())) {
            assertThat(FormatFixture.describe(storage)).isEqualTo(expected);
            KvStateMachine sm = storage.stateMachine();
            assertThat(StorageFormat.of(sm.db())).isEqualTo(StorageFormat.CURRENT);
            assertThat(count(sm.db(), KvStateMachine.KV_CF)).isZero();
            assertThat(count(sm.db(), KvStateMachine.KV_META_CF)).isPositive();
            assertThat(value(sm, "twice")).isEqualTo("third");
            assertThat(value(sm, "z\0z")).isEqualTo("with a zero byte");
            assertThat(value(sm, "empty")).isEmpty();
            assertThat(sm.get(FormatFixture.b("key-3"))).isEmpty();
            // The state as of an old revision still reads from the history.
            long before = sm.get(FormatFixture.b("twice")).orElseThrow().modRevision() - 1;
            assertThat(new String(
                            sm.get(FormatFixture.b("twice"), before)
                                    .kv()
                                    .orElseThrow()
                                    .value(),
                            StandardCharsets.UTF_8))
                    .isEqualTo("second");
        }
        assertThat(Files.readString(format)).isEqualTo("raftkv-storage v3\n");
        // Opening again changes nothing (the upgrade is idempotent).
        try (NodeStorage storage = NodeStorage.open(oldData(), StorageOptions.defaults())) {
            assertThat(FormatFixture.describe(storage)).isEqualTo(expected);
        }
    }

    @Test
    void aNewFormatReplicaGivenTheSameCommandsHashesAsTheOldBuild() throws Exception {
        String expected = unzipFixture();
        try (NodeStorage storage = NodeStorage.open(dir.resolve("fresh"), StorageOptions.defaults())) {
            assertThat(FormatFixture.apply(storage)).isEqualTo(expected);
            assertThat(StorageFormat.of(storage.stateMachine().db())).isEqualTo(StorageFormat.CURRENT);
            assertThat(count(storage.stateMachine().db(), KvStateMachine.KV_CF)).isZero();
        }
    }

    @Test
    void aBackupTakenByTheOldBuildRestoresWithTheSameHash() throws Exception {
        String expected = unzipFixture();
        SnapshotRestore.Restored restored =
                SnapshotRestore.restore(dir.resolve("fixture/backup.snap"), dir.resolve("restored"), 5);
        assertThat("state " + restored.sourceHash().appliedIndex() + " "
                        + restored.sourceHash().hash())
                .isEqualTo(stateLine(expected));
        try (NodeStorage storage = NodeStorage.open(dir.resolve("restored"), StorageOptions.defaults())) {
            assertThat(storage.stateMachine().stateHash()).isEqualTo(restored.restoredHash());
            assertThat(value(storage.stateMachine(), "twice")).isEqualTo("third");
        }
    }

    /** Sends the stream {@code file} to {@code to} as a leader would, and installs it. */
    private static void install(Path file, NodeStorage to) throws Exception {
        io.raftkv.raft.SnapshotMetadata m = SnapshotStreamFormat.readHeader(file);
        byte[] bytes = Files.readAllBytes(file);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(bytes);
        try (SnapshotWriter writer = to.snapshots().beginInstall(m)) {
            for (int off = 0; off < bytes.length; off += 16 << 10) {
                writer.write(SnapshotChunk.of(
                        off, java.util.Arrays.copyOfRange(bytes, off, Math.min(bytes.length, off + (16 << 10)))));
            }
            writer.finish(bytes.length, (int) crc.getValue());
        }
        to.raftLog()
                .persist(new io.raftkv.raft.HardState(1, 1, m.index()), List.of(), m)
                .join();
    }

    /** Completes after everything queued on the apply thread (the install) ran. */
    private static java.util.concurrent.CompletableFuture<?> afterInstall(NodeStorage to) {
        return to.stateMachine().apply(List.of(), java.util.Map.of());
    }

    @Test
    void aSnapshotSentByTheOldBuildInstallsUpgradedWithTheSameHash() throws Exception {
        String expected = unzipFixture();
        try (NodeStorage follower = NodeStorage.open(dir.resolve("follower"), StorageOptions.defaults())) {
            install(dir.resolve("fixture/backup.snap"), follower);
            afterInstall(follower).join();
            assertThat(FormatFixture.describe(follower)).isEqualTo(expected);
            assertThat(StorageFormat.of(follower.stateMachine().db())).isEqualTo(StorageFormat.CURRENT);
            assertThat(follower.healthy()).isTrue();
        }
    }

    @Test
    void aSnapshotOfANewerFormatIsRefusedBeforeItReplacesTheState() throws Exception {
        Path stream = dir.resolve("newer.snap");
        try (NodeStorage leader = NodeStorage.open(dir.resolve("leader"), StorageOptions.defaults())) {
            FormatFixture.apply(leader);
            try (WriteOptions sync = new WriteOptions().setSync(true)) {
                RocksInstance db = leader.stateMachine().db();
                db.db.put(
                        db.cf(KvStateMachine.META_CF),
                        sync,
                        StorageFormat.KEY,
                        MvccRecords.encodeLong(StorageFormat.KEY, 4));
            }
            FormatFixture.backup(leader, stream);
        }
        try (NodeStorage follower = NodeStorage.open(dir.resolve("follower"), StorageOptions.defaults())) {
            install(stream, follower);
            assertThatThrownBy(() -> afterInstall(follower).join())
                    .hasStackTraceContaining("storage format 4, written by a newer RaftKV");
            assertThat(follower.healthy()).isFalse();
            assertThat(follower.stateMachine().failed()).isTrue();
        }
        // The log records the snapshot, so at start-up the member still needs it, and still refuses it.
        assertThatThrownBy(() -> NodeStorage.open(dir.resolve("follower"), StorageOptions.defaults()))
                .isInstanceOf(StorageCorruptedException.class)
                .hasMessageContaining("storage format 4, written by a newer RaftKV");
    }

    @Test
    void anUpgradeInterruptedHalfWayResumesToTheSameState() throws Exception {
        String expected = unzipFixture();
        NodeStorage.open(oldData(), StorageOptions.defaults()).close();
        // What a crash between two of the upgrade's batches leaves: some keys moved, the rest not,
        // no format record yet (each batch moves its keys atomically).
        StorageLayout layout = new StorageLayout(oldData());
        try (RocksInstance db = RocksInstance.open(layout.smDir, KvStateMachine.FAMILIES, false, false);
                WriteOptions sync = new WriteOptions().setSync(true)) {
            int i = 0;
            for (KeyValue kv : live(db)) {
                if (i++ % 2 == 0) {
                    db.db.delete(db.cf(KvStateMachine.KV_META_CF), sync, kv.key());
                    db.db.put(db.cf(KvStateMachine.KV_CF), sync, kv.key(), StateRecords.encodeKv(kv));
                }
            }
            db.db.delete(db.cf(KvStateMachine.META_CF), sync, StorageFormat.KEY);
        }
        Files.writeString(layout.formatFile, StorageLayout.FORMAT_LINE_V2);
        try (NodeStorage storage = NodeStorage.open(oldData(), StorageOptions.defaults())) {
            assertThat(FormatFixture.describe(storage)).isEqualTo(expected);
            assertThat(count(storage.stateMachine().db(), KvStateMachine.KV_CF)).isZero();
        }
    }

    @Test
    void aNewerFormatIsRefusedWithAMessageAndLeftUnchanged() throws Exception {
        NodeStorage.open(dir.resolve("d"), StorageOptions.defaults()).close();
        StorageLayout layout = new StorageLayout(dir.resolve("d"));
        try (RocksInstance db = RocksInstance.open(layout.smDir, KvStateMachine.FAMILIES, false, false);
                WriteOptions sync = new WriteOptions().setSync(true)) {
            db.db.put(
                    db.cf(KvStateMachine.META_CF),
                    sync,
                    StorageFormat.KEY,
                    MvccRecords.encodeLong(StorageFormat.KEY, 4));
        }
        assertThatThrownBy(() -> NodeStorage.open(dir.resolve("d"), StorageOptions.defaults()))
                .isInstanceOf(StorageCorruptedException.class)
                .hasMessageContaining("storage format 4, written by a newer RaftKV")
                .hasMessageContaining("changed nothing");

        Files.writeString(layout.formatFile, "raftkv-storage v4\n");
        assertThatThrownBy(() -> NodeStorage.open(dir.resolve("d"), StorageOptions.defaults()))
                .isInstanceOf(StorageCorruptedException.class)
                .hasMessageContaining("reads 'raftkv-storage v4'")
                .hasMessageContaining("newer RaftKV");
        assertThat(Files.readString(layout.formatFile)).isEqualTo("raftkv-storage v4\n");
    }

    @Test
    void aSnapshotOfLargeValuesIsAboutTheSizeOfTheValues() throws Exception {
        int values = 48;
        int size = 256 << 10;
        java.util.Random random = new java.util.Random(24);
        List<io.raftkv.raft.Entry> entries = new ArrayList<>();
        for (int i = 0; i < values; i++) {
            byte[] v = new byte[size];
            random.nextBytes(v);
            entries.add(io.raftkv.raft.Entry.normal(
                    1,
                    i + 1,
                    io.raftkv.node.kv.CommandCodec.encode(io.raftkv.node.kv.Command.of(
                            new io.raftkv.node.kv.Command.Put(FormatFixture.b("big-" + i), v)))));
        }
        try (NodeStorage storage = NodeStorage.open(dir.resolve("big"), StorageOptions.defaults())) {
            storage.stateMachine().apply(entries, java.util.Map.of()).join();
            Path stream = dir.resolve("big.snap");
            FormatFixture.backup(storage, stream);
            double ratio = (double) Files.size(stream) / ((long) values * size);
            System.out.printf("snapshot of %d x %d B values: %d B (%.3fx)%n", values, size, Files.size(stream), ratio);
            // Format 2 stored each value twice (2.0x); one copy plus keys, indexes and file overhead now.
            assertThat(ratio).isBetween(1.0, 1.1);
        }
    }

    private static String value(KvStateMachine sm, String key) {
        return new String(sm.get(FormatFixture.b(key)).orElseThrow().value(), StandardCharsets.UTF_8);
    }

    private static long count(RocksInstance db, String family) throws Exception {
        long n = 0;
        try (RocksIterator it = db.db.newIterator(db.cf(family))) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                n++;
            }
        }
        return n;
    }

    /** Every live key with its value, read through the current format. */
    private static List<KeyValue> live(RocksInstance db) throws Exception {
        List<KeyValue> out = new ArrayList<>();
        try (ReadOptions ro = new ReadOptions();
                RocksIterator it = db.db.newIterator(db.cf(KvStateMachine.KV_META_CF), ro)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                KeyMeta m = KeyMeta.decode(it.key(), it.value());
                out.add(m.withValueFrom(db.db.get(db.cf(KvStateMachine.HISTORY_CF), m.revKey())));
            }
        }
        return out;
    }
}
