package io.raftkv.node.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bytes the storage occupies on disk ({@code storage/}: log, state machine, snapshots), measured by
 * walking the directory on a thread of its own every {@link StorageOptions#diskUsageIntervalMs()}
 * and published through {@link #bytes()}, a volatile read that never blocks, so the driver's
 * status refresh on the event loop may read it every tick.
 *
 * <p>Why a walk and not RocksDB's size properties: the walk answers the operator's question — how
 * much of the volume does this node use — including WAL files and snapshots, which the properties
 * leave out. A snapshot is a RocksDB checkpoint whose files are hard links to the live SST files,
 * so a file reachable under several names is counted once (by its file key, i.e. device and inode),
 * otherwise every snapshot would seem to double the database.
 *
 * <p>Invariant: walks never overlap (one thread, fixed delay between the end of one walk and the
 * start of the next). A walk that fails (files vanish while compaction or snapshot pruning runs
 * are skipped; anything else keeps the previous value) is retried at the next interval.
 */
final class StorageUsage implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StorageUsage.class);

    private final Path root;
    private final ScheduledExecutorService thread;
    private volatile long bytes;

    private StorageUsage(Path root) {
        this.root = root;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "raftkv-storage-usage");
            t.setDaemon(true);
            return t;
        });
    }

    /** Measures {@code root} now (blocking, so the first status already has a size), then periodically. */
    static StorageUsage start(Path root, long intervalMs) {
        StorageUsage usage = new StorageUsage(root);
        usage.sample();
        usage.thread.scheduleWithFixedDelay(usage::sample, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
        return usage;
    }

    /** Latest measurement in bytes; 0 only if no walk has succeeded yet. */
    long bytes() {
        return bytes;
    }

    private void sample() {
        try {
            bytes = measure(root);
        } catch (RuntimeException e) {
            LOG.debug("measuring {} failed (will retry): {}", root, e.toString());
        }
    }

    /** Sum of the sizes of the regular files under {@code root}, each inode counted once. */
    static long measure(Path root) {
        long[] total = {0};
        Set<Object> seen = new HashSet<>();
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    Object key = attrs.fileKey();
                    if (attrs.isRegularFile() && (key == null || seen.add(key))) {
                        total[0] += attrs.size();
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE;
                    }
                    throw e;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot measure " + root, e);
        }
        return total[0];
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
