package io.raftkv.node.storage;

import io.raftkv.raft.SnapshotMetadata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.rocksdb.RocksDBException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's durable state under one data directory: the Raft log ({@link #raftLog()}), the
 * key-value state machine ({@link #stateMachine()}) and its snapshots ({@link #snapshots()}).
 * Layout and reasoning: {@code docs/storage.md}.
 *
 * <p><b>Automatic compaction</b> is driven by the driver, because the log's in-memory view belongs
 * to the driver thread: after applying, it calls {@link #shouldSnapshot()}; if true, it calls
 * {@code snapshots().create()} and, when that completes, {@link #compactAfter} on its own thread.
 *
 * <p><b>Health.</b> Any I/O error in the log writer or the state machine trips a latch; from then
 * on {@link #healthy()} is false and every write fails. Restarting the process is the only way back.
 */
public final class NodeStorage implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeStorage.class);

    private final StorageLayout layout;
    private final StorageOptions options;
    private final RocksInstance logDb;
    private final GroupCommitWriter writer;
    private final KvStateMachine stateMachine;
    private final SnapshotStore snapshots;
    private final RaftLogStorage raftLog;
    private final StorageUsage usage;
    private final AtomicBoolean unhealthy = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();

    private NodeStorage(StorageLayout layout, StorageOptions options, StartupCheck.Report report)
            throws RocksDBException, IOException {
        this.layout = layout;
        this.options = options;
        this.logDb = RocksInstance.open(layout.logDir, RaftLogStorage.FAMILIES, false, false);
        GroupCommitWriter w = null;
        KvStateMachine sm = null;
        try {
            w = new GroupCommitWriter(
                    logDb.db,
                    layout.dataDir.getFileName().toString(),
                    options.writerQueueCapacity(),
                    options.maxRequestsPerWriteBatch(),
                    () -> unhealthy.set(true));
            sm = new KvStateMachine(
                    layout,
                    options,
                    RocksInstance.open(layout.smDir, KvStateMachine.FAMILIES, false, false),
                    t -> unhealthy.set(true));
            this.snapshots = SnapshotStore.open(layout, options, sm, report.snapshots());
        } catch (RuntimeException | IOException | RocksDBException e) {
            if (sm != null) {
                sm.close();
            }
            if (w != null) {
                w.close();
            }
            logDb.close();
            throw e;
        }
        this.writer = w;
        this.stateMachine = sm;
        sm.attachSnapshots(snapshots);
        this.raftLog = new RaftLogStorage(
                layout.dataDir,
                logDb,
                writer,
                report.view(),
                report.bootstrapConf(),
                snapshots,
                sm::confState,
                sm::installAfter);
        this.usage = StorageUsage.start(layout.root, options.diskUsageIntervalMs());
    }

    /**
     * Opens (or creates) the storage under {@code dataDir}. First runs the start-up checks on
     * read-only opens; on any problem throws and has modified nothing. Then completes an interrupted
     * snapshot install if the log records one the state machine lacks.
     *
     * @throws StorageCorruptedException naming the data directory and what is wrong
     * @throws StorageFailedException    if the directory cannot be created or opened for writing
     */
    public static NodeStorage open(Path dataDir, StorageOptions options) {
        options.validate();
        StorageLayout layout = new StorageLayout(dataDir);
        if (Files.exists(layout.dataDir.resolve(SnapshotRestore.MARKER))) {
            throw new StorageCorruptedException(layout.dataDir, SnapshotRestore.markerProblem(layout.dataDir));
        }
        try {
            if (!layout.exists()) {
                layout.createFresh(NodeStorage::createDatabases);
                LOG.info("created empty storage in {}", layout.root);
            }
            StartupCheck.Report report = StartupCheck.run(layout, options);
            recover(layout, report);
            NodeStorage storage = new NodeStorage(layout, options, report);
            if (layout.checkFormat()) {
                // The state machine was upgraded when it opened (StorageFormat); now the marker follows.
                layout.markCurrentFormat();
                LOG.info("storage in {} upgraded to {}", layout.root, StorageLayout.FORMAT_LINE.strip());
            }
            LOG.info(
                    "opened storage in {}: log [{}, {}], applied {}, latest snapshot {}",
                    layout.root,
                    storage.raftLog.firstIndex(),
                    storage.raftLog.lastIndex(),
                    storage.stateMachine.appliedIndex(),
                    storage.snapshots.latest().map(SnapshotMetadata::index).orElse(0L));
            return storage;
        } catch (IOException | RocksDBException e) {
            throw new StorageFailedException("cannot open storage in " + layout.dataDir + ": " + e.getMessage(), e);
        }
    }

    private static void createDatabases(Path logDir, Path smDir) throws IOException {
        try (RocksInstance log = RocksInstance.open(logDir, RaftLogStorage.FAMILIES, false, true);
                RocksInstance sm = RocksInstance.open(smDir, KvStateMachine.FAMILIES, false, true)) {
            log.db.flushWal(true);
            sm.db.flushWal(true);
        } catch (RocksDBException e) {
            throw new IOException("cannot create databases: " + e.getMessage(), e);
        }
    }

    /** Rebuilds the state machine as the checks asked; a crash in here is recovered the same way. */
    private static void recover(StorageLayout layout, StartupCheck.Report report) throws IOException, RocksDBException {
        Path next = layout.root.resolve("sm.next");
        Path prev = layout.root.resolve("sm.prev");
        StorageLayout.deleteRecursively(next);
        switch (report.recovery()) {
            case NONE -> {}
            case CREATE_EMPTY_STATE_MACHINE -> {
                LOG.warn("state machine {} is missing; re-creating it empty (the log holds every entry)", layout.smDir);
                try (RocksInstance sm = RocksInstance.open(next, KvStateMachine.FAMILIES, false, true)) {
                    sm.db.flushWal(true);
                }
                StorageLayout.fsyncTree(next);
                swapIn(layout, next, prev);
            }
            case RESTORE_STATE_MACHINE_FROM_SNAPSHOT -> {
                SnapshotManifest latest = report.snapshots().lastEntry().getValue();
                LOG.warn(
                        "state machine at applied index {} is behind the log start {}; restoring snapshot {}",
                        report.applied().index(),
                        report.compacted().index(),
                        latest.metadata());
                Files.createDirectories(next);
                Path src = layout.snapshotsDir
                        .resolve(SnapshotStore.dirName(latest.metadata()))
                        .resolve(SnapshotManifest.DB_DIR);
                for (SnapshotManifest.FileEntry f : latest.files()) {
                    Files.copy(src.resolve(f.name()), next.resolve(f.name()));
                }
                StorageLayout.fsyncTree(next);
                swapIn(layout, next, prev);
            }
        }
        StorageLayout.deleteRecursively(prev);
    }

    private static void swapIn(StorageLayout layout, Path next, Path prev) throws IOException {
        StorageLayout.deleteRecursively(prev);
        if (Files.exists(layout.smDir)) {
            Files.move(layout.smDir, prev, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(next, layout.smDir, StandardCopyOption.ATOMIC_MOVE);
        StorageLayout.fsyncDirectory(layout.root);
    }

    public RaftLogStorage raftLog() {
        return raftLog;
    }

    public KvStateMachine stateMachine() {
        return stateMachine;
    }

    public SnapshotStore snapshots() {
        return snapshots;
    }

    /** The data directory this storage lives in. */
    public Path dataDir() {
        return layout.dataDir;
    }

    /**
     * Bytes the storage occupies on disk (log, state machine, snapshots; hard-linked snapshot files
     * counted once), as last measured by a background thread every
     * {@link StorageOptions#diskUsageIntervalMs()}. A volatile read: never blocks, any thread.
     */
    public long dbSizeBytes() {
        return usage.bytes();
    }

    /** Hands every synced write of the Raft log (its latency in nanoseconds) to {@code observer}, on the writer thread. */
    public void setFsyncObserver(java.util.function.LongConsumer observer) {
        writer.setFsyncObserver(observer);
    }

    /** The cluster id this storage was opened with ({@link StorageOptions#clusterId()}); 0 if not configured. */
    public long clusterId() {
        return options.clusterId();
    }

    /** False once the error latch has tripped (any I/O error): the node then reports unhealthy. */
    public boolean healthy() {
        return !unhealthy.get() && !writer.failed() && !stateMachine.failed();
    }

    /**
     * Whether at least {@link StorageOptions#snapshotThresholdEntries()} entries were applied since
     * the latest snapshot and none is being taken. Any thread.
     */
    public boolean shouldSnapshot() {
        long latest = snapshots.latest().map(SnapshotMetadata::index).orElse(0L);
        return stateMachine.appliedIndex() - latest >= options.snapshotThresholdEntries() && !snapshots.creating();
    }

    /**
     * Driver thread: compacts the log after snapshot {@code m} completed, keeping
     * {@link StorageOptions#logEntriesRetainedAfterSnapshot()} entries below it for slow followers.
     */
    public CompletableFuture<Void> compactAfter(SnapshotMetadata m) {
        long index =
                Math.min(raftLog.compactionIndexFor(m, options.logEntriesRetainedAfterSnapshot()), raftLog.lastIndex());
        return raftLog.compact(index);
    }

    /** Writes what is queued, then closes everything. Blocking; call off the event loop. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        usage.close();
        writer.close();
        snapshots.close();
        stateMachine.close();
        logDb.close();
    }
}
