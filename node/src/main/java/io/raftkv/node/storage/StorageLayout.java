package io.raftkv.node.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.stream.Stream;

/**
 * Where things live inside a node's data directory, and the file-system primitives that make
 * directory changes atomic (write aside, fsync, rename, fsync the parent).
 *
 * <pre>
 * dataDir/                 shared with the rest of the node (member id file, …)
 *   storage/               everything this package owns; appears atomically (renamed into place)
 *     FORMAT               format marker, written before the rename
 *     log/                 RocksDB: raft_log, raft_state (every write synced)
 *     sm/                  RocksDB: kv, sessions, session_expiry, meta, history, key_index (not synced)
 *     snapshots/snap-…/    complete, verified snapshots (a RocksDB checkpoint + MANIFEST)
 *     snapshots/tmp-…/     snapshots being created or received; never read, removed on open
 * </pre>
 */
final class StorageLayout {
    /**
     * v2: MVCC revisions ({@link Revisions}). A v1 directory is refused: its keys carry Raft log
     * indexes, and converting them in place would number later writes differently on replicas
     * that convert at different log positions, so the replicas' states would differ.
     *
     * <p>v3: each value stored once ({@link StorageFormat}). A v2 directory is upgraded in place when
     * opened (the state machine first, then this marker); a build of v2 refuses a v3 directory.
     */
    static final String FORMAT_LINE = "raftkv-storage v3\n";

    static final String FORMAT_LINE_V2 = "raftkv-storage v2\n";

    static final String FORMAT_LINE_V1 = "raftkv-storage v1\n";

    final Path dataDir;
    final Path root;
    final Path formatFile;
    final Path logDir;
    final Path smDir;
    final Path snapshotsDir;

    StorageLayout(Path dataDir) {
        this.dataDir = dataDir.toAbsolutePath().normalize();
        this.root = this.dataDir.resolve("storage");
        this.formatFile = root.resolve("FORMAT");
        this.logDir = root.resolve("log");
        this.smDir = root.resolve("sm");
        this.snapshotsDir = root.resolve("snapshots");
    }

    boolean exists() {
        return Files.isDirectory(root);
    }

    /**
     * Creates the empty layout in a staging directory and renames it into place, so a crash leaves
     * either no {@code storage/} at all or a complete one. Leftover staging directories from an
     * earlier crash held nothing acknowledged and are removed.
     */
    void createFresh(DatabaseCreator createDatabases) throws IOException {
        Files.createDirectories(dataDir);
        try (Stream<Path> s = Files.list(dataDir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (p.getFileName().toString().startsWith("storage.init-")) {
                    deleteRecursively(p);
                }
            }
        }
        Path staging = dataDir.resolve("storage.init-" + ProcessHandle.current().pid());
        Files.createDirectories(staging.resolve("snapshots"));
        createDatabases.create(staging.resolve("log"), staging.resolve("sm"));
        fsyncTree(staging);
        Files.writeString(staging.resolve("FORMAT"), FORMAT_LINE, StandardCharsets.US_ASCII);
        fsyncFile(staging.resolve("FORMAT"));
        fsyncDirectory(staging.resolve("snapshots"));
        fsyncDirectory(staging);
        Files.move(staging, root, StandardCopyOption.ATOMIC_MOVE);
        fsyncDirectory(dataDir);
    }

    /** Creates the empty log and state machine databases of a fresh layout. */
    @FunctionalInterface
    interface DatabaseCreator {
        void create(Path logDir, Path smDir) throws IOException;
    }

    /**
     * Checks the format marker without modifying anything.
     *
     * @return whether it names v2, which opening upgrades ({@link #markCurrentFormat()} afterwards)
     */
    boolean checkFormat() {
        String format;
        try {
            format = Files.readString(formatFile, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new StorageCorruptedException(dataDir, "the format marker " + formatFile + " is missing");
        } catch (IOException | UncheckedIOException e) {
            throw new StorageCorruptedException(dataDir, "cannot read the format marker " + formatFile, e);
        }
        if (format.equals(FORMAT_LINE_V1)) {
            throw new StorageCorruptedException(
                    dataDir,
                    "the data in " + root + " was written by a RaftKV"
                            + " version before MVCC revisions (storage format v1); this version (format v3) cannot open"
                            + " it in place, because every replica must number writes identically. Copy the keys into a"
                            + " new cluster instead (docs/operations.md, \"Upgrading to storage format v2\"); the data"
                            + " directory was left unchanged");
        }
        if (format.equals(FORMAT_LINE_V2)) {
            return true;
        }
        if (!format.equals(FORMAT_LINE)) {
            throw new StorageCorruptedException(
                    dataDir,
                    "the format marker " + formatFile + " reads '" + format.strip() + "', expected '"
                            + FORMAT_LINE.strip() + "' or '" + FORMAT_LINE_V2.strip()
                            + "' (a newer RaftKV wrote it? this version changed nothing; see docs/operations.md,"
                            + " \"Upgrades and the storage format\")");
        }
        return false;
    }

    /** Replaces the format marker with the current one (write aside, fsync, rename, fsync the directory). */
    void markCurrentFormat() throws IOException {
        Path tmp = root.resolve("FORMAT.tmp");
        Files.writeString(tmp, FORMAT_LINE, StandardCharsets.US_ASCII);
        fsyncFile(tmp);
        Files.move(tmp, formatFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDirectory(root);
    }

    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    static void fsyncFile(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    /** fsyncs every file and directory under {@code dir}, children before parents. */
    static void fsyncTree(Path dir) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                fsyncFile(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                fsyncDirectory(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
