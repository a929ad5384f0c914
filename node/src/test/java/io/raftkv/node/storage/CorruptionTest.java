package io.raftkv.node.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.raft.ConfState;
import io.raftkv.raft.SnapshotMetadata;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every file that holds data, bit-flipped or truncated, in a copy of a real data directory: the
 * start-up checks (the {@link StorageCheck} main and {@link NodeStorage#open}) refuse with a message
 * naming the directory, exit non-zero, and leave every byte of the directory as it was.
 *
 * <p>Not covered on purpose: RocksDB {@code OPTIONS-*} and {@code LOG*} files (not data), and a
 * truncated WAL tail, which is exactly what a crash mid-write leaves and is recovered by design.
 */
class CorruptionTest {
    @TempDir
    static Path tmp;

    static Path pristine;
    static SnapshotMetadata snapshot;

    @BeforeAll
    static void buildDataDirectory() {
        pristine = tmp.resolve("pristine");
        StorageOptions options = StorageOptions.defaults().withLogEntriesRetainedAfterSnapshot(20);
        try (NodeStorage s = NodeStorage.open(pristine, options)) {
            s.raftLog().bootstrap(ConfState.ofVoters(1L, 2L, 3L));
            long last = SnapshotRoundTripTest.fill(s, 1, 60);
            snapshot = s.snapshots().create().join();
            s.compactAfter(snapshot).join();
            SnapshotRoundTripTest.fill(s, last + 1, 40);
        }
        // Reopen once so that RocksDB flushes its WAL into SST files: both kinds get corrupted below.
        try (NodeStorage s = NodeStorage.open(pristine, options)) {
            assertThat(s.raftLog().lastIndex()).isEqualTo(100);
        }
    }

    /** Files that hold data: RocksDB's CURRENT, MANIFEST, SST and WAL files, ours, and all snapshot files. */
    static List<Path> dataFiles(Path root) throws IOException {
        Path snapshots = root.resolve("storage/snapshots");
        try (Stream<Path> all = Files.walk(root.resolve("storage"))) {
            return all.filter(Files::isRegularFile)
                    .filter(p -> {
                        String name = p.getFileName().toString();
                        return p.startsWith(snapshots)
                                || name.equals("FORMAT")
                                || name.equals("CURRENT")
                                || name.startsWith("MANIFEST")
                                || name.endsWith(".sst")
                                || name.endsWith(".log");
                    })
                    .map(root::relativize)
                    .toList();
        }
    }

    @TestFactory
    Stream<DynamicTest> bitFlipsAreRefused() throws IOException {
        return dataFiles(pristine).stream()
                .filter(f -> sizeOf(pristine, f) > 0)
                .map(f -> DynamicTest.dynamicTest(
                        "bit flip in " + f,
                        () -> assertRefusedAndUntouched(pristine, f, path -> flipBit(path, sizeOf(pristine, f) / 2))));
    }

    @TestFactory
    Stream<DynamicTest> truncationsAreRefused() throws IOException {
        return dataFiles(pristine).stream()
                .filter(f -> !f.getFileName().toString().endsWith(".log") && sizeOf(pristine, f) > 1)
                .map(f -> DynamicTest.dynamicTest(
                        "truncated " + f,
                        () -> assertRefusedAndUntouched(pristine, f, path -> truncate(path, sizeOf(pristine, f) / 2))));
    }

    /** Data still in the write-ahead logs (never flushed): a flipped bit inside a WAL record. */
    @TestFactory
    Stream<DynamicTest> bitFlipsInWriteAheadLogsAreRefused() throws IOException {
        Path walOnly = tmp.resolve("wal-only");
        try (NodeStorage s = NodeStorage.open(walOnly, StorageOptions.defaults())) {
            SnapshotRoundTripTest.fill(s, 1, 30);
        }
        List<Path> wals = dataFiles(walOnly).stream()
                .filter(f -> f.toString().endsWith(".log") && sizeOf(walOnly, f) > 1000)
                .toList();
        assertThat(wals).as("WAL files holding the log and the state machine").hasSize(2);
        return wals.stream()
                .map(f -> DynamicTest.dynamicTest(
                        "bit flip in " + f,
                        () -> assertRefusedAndUntouched(walOnly, f, path -> flipBit(path, sizeOf(walOnly, f) / 3))));
    }

    @org.junit.jupiter.api.Test
    void logicallyInconsistentStateIsRefused() throws Exception {
        assertInconsistencyRefused(
                "commit index 500 is past the last log index",
                (log, sm) -> log.db.put(
                        log.cf(RaftLogStorage.STATE_CF),
                        RaftRecords.HARD_STATE_KEY,
                        RaftRecords.encodeHardState(new io.raftkv.raft.HardState(2, 1, 500))));
        assertInconsistencyRefused(
                "applied index 100 is past the commit index 90 and the log does not hold that entry", (log, sm) -> {
                    log.db.deleteRange(
                            log.cf(RaftLogStorage.LOG_CF),
                            RaftRecords.indexKey(96),
                            RaftRecords.indexKey(Long.MAX_VALUE));
                    log.db.put(
                            log.cf(RaftLogStorage.STATE_CF),
                            RaftRecords.HARD_STATE_KEY,
                            RaftRecords.encodeHardState(new io.raftkv.raft.HardState(2, 1, 90)));
                });
        assertInconsistencyRefused(
                "log has a gap: entry #71 follows #69",
                (log, sm) -> log.db.delete(log.cf(RaftLogStorage.LOG_CF), RaftRecords.indexKey(70)));
        assertInconsistencyRefused(
                "past the hard state's term",
                (log, sm) -> log.db.put(
                        log.cf(RaftLogStorage.STATE_CF),
                        RaftRecords.HARD_STATE_KEY,
                        RaftRecords.encodeHardState(new io.raftkv.raft.HardState(1, 1, 100))));
        assertInconsistencyRefused(
                "entry #41 survives compaction up to 61",
                (log, sm) -> log.db.put(
                        log.cf(RaftLogStorage.STATE_CF),
                        RaftRecords.COMPACTED_KEY,
                        RaftRecords.encodeCompacted(new RaftRecords.Compacted(61, 2))));
        assertInconsistencyRefused("compacted up to 61 but no complete snapshot covers it", (log, sm) -> {
            log.db.deleteRange(log.cf(RaftLogStorage.LOG_CF), RaftRecords.indexKey(0), RaftRecords.indexKey(62));
            log.db.put(
                    log.cf(RaftLogStorage.STATE_CF),
                    RaftRecords.COMPACTED_KEY,
                    RaftRecords.encodeCompacted(new RaftRecords.Compacted(61, 2)));
        });
        assertInconsistencyRefused(
                "fails its checksum",
                (log, sm) -> log.db.put(
                        log.cf(RaftLogStorage.LOG_CF),
                        RaftRecords.indexKey(71),
                        RaftRecords.encodeEntry(
                                new io.raftkv.raft.Entry(2, 72, io.raftkv.raft.EntryType.NORMAL, new byte[0]))));
    }

    /**
     * A commit-index-only hard state is written without its own fsync, so a power loss can leave the
     * state machine ahead of it; with the applied entry still in the log that is benign and the
     * commit index is raised to the applied index, in memory only.
     */
    @org.junit.jupiter.api.Test
    void stateMachineAheadOfAnUnsyncedCommitIndexIsAccepted() throws Exception {
        Path dir = tmp.resolve("lost-commit-" + System.nanoTime());
        copyTree(pristine, dir);
        StorageLayout layout = new StorageLayout(dir);
        try (RocksInstance log = RocksInstance.open(layout.logDir, RaftLogStorage.FAMILIES, false, false)) {
            log.db.put(
                    log.cf(RaftLogStorage.STATE_CF),
                    RaftRecords.HARD_STATE_KEY,
                    RaftRecords.encodeHardState(new io.raftkv.raft.HardState(2, 1, 90)));
        }
        try (NodeStorage s = NodeStorage.open(dir, StorageOptions.defaults())) {
            assertThat(s.stateMachine().appliedIndex()).isEqualTo(100);
            assertThat(s.raftLog().initialState().hardState().commit()).isEqualTo(100);
        }
    }

    interface Tamper {
        void apply(RocksInstance log, RocksInstance sm) throws Exception;
    }

    private void assertInconsistencyRefused(String expected, Tamper tamper) throws Exception {
        Path dir = tmp.resolve("case-" + System.nanoTime());
        copyTree(pristine, dir);
        StorageLayout layout = new StorageLayout(dir);
        try (RocksInstance log = RocksInstance.open(layout.logDir, RaftLogStorage.FAMILIES, false, false);
                RocksInstance sm = RocksInstance.open(layout.smDir, KvStateMachine.FAMILIES, false, false)) {
            tamper.apply(log, sm);
        }
        Map<String, String> before = fingerprint(dir);
        assertThatThrownBy(
                        () -> NodeStorage.open(dir, StorageOptions.defaults()).close())
                .isInstanceOf(StorageCorruptedException.class)
                .hasMessageContaining(dir.toAbsolutePath().toString())
                .hasMessageContaining(expected);
        assertThat(fingerprint(dir)).as("directory unchanged").isEqualTo(before);
    }

    interface Damage {
        void apply(Path p) throws IOException;
    }

    private static long sizeOf(Path root, Path relative) {
        try {
            return Files.size(root.resolve(relative));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void assertRefusedAndUntouched(Path source, Path relative, Damage damage) throws Exception {
        Path dir = tmp.resolve("case-" + System.nanoTime());
        copyTree(source, dir);
        damage.apply(dir.resolve(relative));
        Map<String, String> before = fingerprint(dir);

        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldErr = System.err;
        int exit;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            exit = StorageCheck.run(new String[] {dir.toString()});
        } finally {
            System.setErr(oldErr);
        }
        String message = err.toString(StandardCharsets.UTF_8);
        System.out.println(relative + " -> exit " + exit + ": " + message.strip());
        assertThat(exit).as("exit status for damaged %s", relative).isEqualTo(StorageCheck.CORRUPTED);
        assertThat(message).contains(dir.toAbsolutePath().toString()).contains("unusable");
        assertThatThrownBy(
                        () -> NodeStorage.open(dir, StorageOptions.defaults()).close())
                .isInstanceOf(StorageCorruptedException.class)
                .hasMessageContaining(dir.toAbsolutePath().toString());
        assertThat(fingerprint(dir)).as("directory unchanged").isEqualTo(before);
    }

    static void flipBit(Path p, long offset) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ 0x10);
        }
    }

    static void truncate(Path p, long size) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(to.resolve(from.relativize(d)));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                Files.copy(f, to.resolve(from.relativize(f)));
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Path → SHA-256 of contents (directories map to "dir"), for every entry under {@code dir}. */
    static Map<String, String> fingerprint(Path dir) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                String key = dir.relativize(p).toString();
                if (Files.isDirectory(p)) {
                    out.put(key, "dir");
                } else {
                    out.put(
                            key,
                            HexFormat.of()
                                    .formatHex(
                                            MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
                }
            }
        }
        return out;
    }
}
