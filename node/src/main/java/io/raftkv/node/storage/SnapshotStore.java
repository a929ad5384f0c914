package io.raftkv.node.storage;

import io.raftkv.node.storage.StateRecords.AppliedState;
import io.raftkv.raft.SnapshotMetadata;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Complete snapshots of the state machine under {@code storage/snapshots/}, each a RocksDB
 * checkpoint of {@code sm/} plus a {@link SnapshotManifest}, in a directory named
 * {@code snap-<index>-<term>} that is renamed into place only when complete and synced.
 *
 * <p><b>Create</b>: the checkpoint (flush + hard links, milliseconds) runs on the apply thread, so
 * it captures exactly the applied index and blocks applies only that long; checksumming and syncing
 * run on the store's own thread, and checksum only the SST files that are new since the previous
 * snapshot ({@link SstChecksumCache}), so a snapshot costs what changed, not the state size.
 * <b>Install</b>: {@link #beginInstall} receives into {@code tmp-…}; {@link SnapshotWriter#finish}
 * verifies and publishes it; the state machine swaps
 * to it when the log records it. Old snapshots beyond {@link StorageOptions#snapshotsRetained()} are
 * deleted once no reader holds them. The lock guards only the catalogue of snapshot directories.
 */
public final class SnapshotStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotStore.class);

    private final StorageLayout layout;
    private final StorageOptions options;
    private final KvStateMachine stateMachine;
    private final ThreadPoolExecutor worker;
    private final ReentrantLock lock = new ReentrantLock();
    private final TreeMap<Long, Held> complete = new TreeMap<>();
    private final AtomicLong tmpCounter = new AtomicLong();
    /** Used by the worker thread only (creating snapshots). */
    private final SstChecksumCache checksums = new SstChecksumCache();

    private volatile Optional<SnapshotMetadata> latest = Optional.empty();
    private CompletableFuture<SnapshotMetadata> creating;

    private static final class Held {
        final SnapshotManifest manifest;
        final Path dir;
        int leases;
        boolean obsolete;

        Held(SnapshotManifest manifest, Path dir) {
            this.manifest = manifest;
            this.dir = dir;
        }
    }

    private SnapshotStore(StorageLayout layout, StorageOptions options, KvStateMachine stateMachine) {
        this.layout = layout;
        this.options = options;
        this.stateMachine = stateMachine;
        this.worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(4), r -> {
            Thread t = new Thread(r, "raftkv-snapshot");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Reads the catalogue of complete snapshots (verifying every file's checksum if asked) without
     * modifying anything.
     *
     * @throws StorageCorruptedException naming the snapshot that does not verify
     */
    static TreeMap<Long, SnapshotManifest> scan(StorageLayout layout, boolean verifyFiles) {
        TreeMap<Long, SnapshotManifest> found = new TreeMap<>();
        if (!Files.isDirectory(layout.snapshotsDir)) {
            return found;
        }
        try (Stream<Path> dirs = Files.list(layout.snapshotsDir)) {
            for (Path dir : (Iterable<Path>) dirs::iterator) {
                String name = dir.getFileName().toString();
                if (!name.startsWith("snap-")) {
                    continue;
                }
                try {
                    SnapshotManifest m = SnapshotManifest.read(dir);
                    if (!name.equals(dirName(m.metadata()))) {
                        throw new CorruptRecordException("its manifest describes " + m.metadata());
                    }
                    if (verifyFiles) {
                        m.verifyFiles(dir);
                    }
                    found.put(m.metadata().index(), m);
                } catch (CorruptRecordException | IOException e) {
                    throw new StorageCorruptedException(layout.dataDir, "snapshot " + dir + ": " + e.getMessage(), e);
                }
            }
        } catch (IOException e) {
            throw new StorageCorruptedException(layout.dataDir, "cannot list " + layout.snapshotsDir, e);
        }
        return found;
    }

    /** Opens the store read-write: removes unfinished {@code tmp-…} directories. */
    static SnapshotStore open(
            StorageLayout layout, StorageOptions options, KvStateMachine sm, Map<Long, SnapshotManifest> scanned)
            throws IOException {
        try (Stream<Path> dirs = Files.list(layout.snapshotsDir)) {
            for (Path dir : (Iterable<Path>) dirs::iterator) {
                if (dir.getFileName().toString().startsWith("tmp-")) {
                    StorageLayout.deleteRecursively(dir);
                }
            }
        }
        SnapshotStore store = new SnapshotStore(layout, options, sm);
        for (SnapshotManifest m : scanned.values()) {
            store.complete.put(m.metadata().index(), new Held(m, layout.snapshotsDir.resolve(dirName(m.metadata()))));
        }
        store.publishLatest();
        return store;
    }

    static String dirName(SnapshotMetadata m) {
        return "snap-" + m.index() + "-" + m.term();
    }

    /**
     * Takes a snapshot at the state machine's current applied index. If one is already being taken,
     * returns that one; if the latest snapshot is already at the applied index, returns it.
     *
     * @return completes with the metadata once the snapshot is complete and durable
     */
    public CompletableFuture<SnapshotMetadata> create() {
        lock.lock();
        try {
            if (creating != null) {
                return creating;
            }
            long applied = stateMachine.appliedIndex();
            if (applied == 0) {
                return CompletableFuture.failedFuture(
                        new IllegalStateException("nothing applied yet: no snapshot to take"));
            }
            if (latest.isPresent() && latest.get().index() >= applied) {
                return CompletableFuture.completedFuture(latest.get());
            }
            Path tmp = layout.snapshotsDir.resolve("tmp-create-" + tmpCounter.incrementAndGet());
            CompletableFuture<SnapshotMetadata> f = stateMachine
                    .checkpoint(tmp.resolve(SnapshotManifest.DB_DIR))
                    .thenApplyAsync(a -> publishCreated(tmp, a), worker);
            creating = f;
            f.whenComplete((m, t) -> {
                lock.lock();
                try {
                    creating = null;
                } finally {
                    lock.unlock();
                }
                if (t != null) {
                    LOG.warn("snapshot creation failed", t);
                    deleteQuietly(tmp);
                }
            });
            return f;
        } finally {
            lock.unlock();
        }
    }

    /** Bytes read so far to checksum the files of snapshots this store created. */
    long checksumBytesRead() {
        return checksums.bytesRead();
    }

    /** Whether a snapshot is being taken right now. */
    public boolean creating() {
        lock.lock();
        try {
            return creating != null;
        } finally {
            lock.unlock();
        }
    }

    private SnapshotMetadata publishCreated(Path tmp, AppliedState a) {
        SnapshotMetadata meta = new SnapshotMetadata(a.index(), a.term(), a.confState());
        try {
            List<SnapshotManifest.FileEntry> files = new ArrayList<>();
            try (Stream<Path> s =
                    Files.list(tmp.resolve(SnapshotManifest.DB_DIR)).sorted()) {
                for (Path f : (Iterable<Path>) s::iterator) {
                    files.add(new SnapshotManifest.FileEntry(
                            f.getFileName().toString(), Files.size(f), checksums.crcOf(f)));
                }
            }
            checksums.retainOnly(
                    files.stream().map(SnapshotManifest.FileEntry::name).toList());
            publish(new SnapshotManifest(meta, files), tmp);
            return meta;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Called by {@link SnapshotWriter#finish} after the stream's length and CRC verified. */
    void completeReceived(SnapshotMetadata meta, Path tmp, Path streamFile) throws IOException {
        List<SnapshotManifest.FileEntry> files =
                SnapshotStreamFormat.extract(streamFile, tmp.resolve(SnapshotManifest.DB_DIR), meta);
        Files.delete(streamFile);
        publish(new SnapshotManifest(meta, files), tmp);
    }

    /** Writes the manifest, syncs everything and renames {@code tmp} into place. */
    private void publish(SnapshotManifest manifest, Path tmp) throws IOException {
        SnapshotMetadata meta = manifest.metadata();
        Path target = layout.snapshotsDir.resolve(dirName(meta));
        lock.lock();
        try {
            Held existing = complete.get(meta.index());
            if (existing != null) {
                if (!existing.manifest.metadata().equals(meta)) {
                    throw new IllegalStateException("snapshot at index " + meta.index() + " already exists as "
                            + existing.manifest.metadata() + ", not " + meta);
                }
                deleteQuietly(tmp);
                return;
            }
        } finally {
            lock.unlock();
        }
        Files.write(tmp.resolve(SnapshotManifest.FILE_NAME), manifest.encode());
        StorageLayout.fsyncTree(tmp);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        StorageLayout.fsyncDirectory(layout.snapshotsDir);
        lock.lock();
        try {
            complete.put(meta.index(), new Held(manifest, target));
            publishLatest();
            prune();
        } finally {
            lock.unlock();
        }
        LOG.info(
                "snapshot at index {} term {} complete ({} files, {} stream bytes)",
                meta.index(),
                meta.term(),
                manifest.files().size(),
                SnapshotStreamFormat.streamBytes(manifest));
    }

    private void publishLatest() {
        latest = complete.isEmpty()
                ? Optional.empty()
                : Optional.of(complete.lastEntry().getValue().manifest.metadata());
    }

    /** Keeps the newest {@code snapshotsRetained}; older ones go once no reader holds them. */
    private void prune() {
        List<Long> indexes = new ArrayList<>(complete.descendingKeySet());
        for (int i = options.snapshotsRetained(); i < indexes.size(); i++) {
            Held h = complete.get(indexes.get(i));
            h.obsolete = true;
            if (h.leases == 0) {
                complete.remove(indexes.get(i));
                deleteQuietly(h.dir);
            }
        }
    }

    /**
     * The store revision of snapshot {@code m}'s state, when the state machine can still tell it
     * (the snapshot was the last one this process took, or nothing was applied after it); else 0.
     */
    public CompletableFuture<Long> revisionOf(SnapshotMetadata m) {
        return stateMachine.revisionAt(m.index());
    }

    public Optional<SnapshotMetadata> latest() {
        return latest;
    }

    /** Whether a complete, verified snapshot with exactly this metadata is on disk. */
    public boolean isComplete(SnapshotMetadata m) {
        lock.lock();
        try {
            Held h = complete.get(m.index());
            return h != null && !h.obsolete && h.manifest.metadata().equals(m);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Opens a complete snapshot for streaming; its files stay until the reader is closed.
     *
     * @throws IllegalArgumentException if no such snapshot is (still) available
     */
    public SnapshotReader openReader(SnapshotMetadata m) {
        Held h = lease(m);
        return new SnapshotReader(
                h.manifest,
                SnapshotStreamFormat.open(h.dir, h.manifest),
                options.snapshotChunkBytes(),
                () -> release(m.index()));
    }

    /** Starts receiving snapshot {@code m}; blocking (creates a directory). */
    /**
     * Bytes a received snapshot may take: the usable space of the snapshots' file system minus a
     * margin of 5 % of it (at least 64 MiB) left for the log and the state machine; 0 if unknown.
     */
    public long usableBytesForInstall() {
        try {
            java.nio.file.FileStore fs = Files.getFileStore(layout.snapshotsDir);
            long margin = Math.max(64L << 20, fs.getTotalSpace() / 20);
            return Math.max(0, fs.getUsableSpace() - margin);
        } catch (IOException e) {
            return 0;
        }
    }

    public SnapshotWriter beginInstall(SnapshotMetadata m) throws IOException {
        if (m.isEmpty()) {
            throw new IllegalArgumentException("cannot install an empty snapshot");
        }
        return new SnapshotWriter(
                this,
                m,
                layout.snapshotsDir.resolve(
                        "tmp-recv-" + m.index() + "-" + m.term() + "-" + tmpCounter.incrementAndGet()));
    }

    /**
     * Builds a RocksDB directory at {@code target} from snapshot {@code m}: SST files are hard-linked
     * (immutable), the rest copied; then everything is synced.
     */
    void materialize(SnapshotMetadata m, Path target) throws IOException {
        Held h = lease(m);
        try {
            Files.createDirectories(target);
            Path src = h.dir.resolve(SnapshotManifest.DB_DIR);
            for (SnapshotManifest.FileEntry f : h.manifest.files()) {
                if (f.name().endsWith(".sst")) {
                    Files.createLink(target.resolve(f.name()), src.resolve(f.name()));
                } else {
                    Files.copy(src.resolve(f.name()), target.resolve(f.name()));
                }
            }
            StorageLayout.fsyncTree(target);
        } finally {
            release(m.index());
        }
    }

    private Held lease(SnapshotMetadata m) {
        lock.lock();
        try {
            Held h = complete.get(m.index());
            if (h == null || h.obsolete || !h.manifest.metadata().equals(m)) {
                throw new IllegalArgumentException("snapshot " + m + " is not available (latest: "
                        + latest.map(Object::toString).orElse("none") + ")");
            }
            h.leases++;
            return h;
        } finally {
            lock.unlock();
        }
    }

    private void release(long index) {
        lock.lock();
        try {
            Held h = complete.get(index);
            if (h != null && --h.leases == 0 && h.obsolete) {
                complete.remove(index);
                deleteQuietly(h.dir);
            }
        } finally {
            lock.unlock();
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            StorageLayout.deleteRecursively(dir);
        } catch (IOException e) {
            LOG.warn("could not delete {}; it is removed at the next start", dir, e);
        }
    }

    @Override
    public void close() {
        worker.shutdown();
        try {
            if (!worker.awaitTermination(30, TimeUnit.SECONDS)) {
                worker.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
