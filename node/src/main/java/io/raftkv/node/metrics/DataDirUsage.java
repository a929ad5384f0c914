package io.raftkv.node.metrics;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bytes the node's data directory occupies (RocksDB log and state machine, snapshots, member
 * files), measured by walking the directory on a worker thread every few seconds and published
 * through {@link #bytes()}, a volatile read that never blocks.
 *
 * <p>Why a walk and not RocksDB's {@code rocksdb.live-sst-files-size}: storage does not expose
 * RocksDB properties (yet), and the walk answers the question an operator asks of this number —
 * "how full is my volume?" — including WAL files and snapshots, which the property leaves out.
 *
 * <p>Invariant: at most one walk runs at a time; a walk that fails (files vanish while compaction
 * or snapshot pruning runs) keeps the previous value and is retried at the next interval.
 */
public final class DataDirUsage {
    private static final Logger LOG = LoggerFactory.getLogger(DataDirUsage.class);
    /** How often the directory is measured by default. */
    public static final long DEFAULT_INTERVAL_MS = 5_000;

    private final Path dir;
    private final AtomicBoolean walking = new AtomicBoolean();
    private volatile long bytes;

    private DataDirUsage(Path dir) {
        this.dir = Objects.requireNonNull(dir, "dir");
    }

    /** Measures {@code dir} now (on a worker) and then every {@code intervalMs}, until Vert.x closes. */
    public static DataDirUsage start(Vertx vertx, Path dir, long intervalMs) {
        if (intervalMs <= 0) {
            throw new IllegalArgumentException("intervalMs must be > 0, got " + intervalMs);
        }
        DataDirUsage usage = new DataDirUsage(dir);
        usage.sample(vertx);
        vertx.setPeriodic(intervalMs, id -> usage.sample(vertx));
        return usage;
    }

    /** Latest measurement in bytes; 0 before the first walk finished. */
    public long bytes() {
        return bytes;
    }

    private void sample(Vertx vertx) {
        if (!walking.compareAndSet(false, true)) {
            return;
        }
        vertx.executeBlocking(() -> measure(dir), false).onComplete(ar -> {
            walking.set(false);
            if (ar.succeeded()) {
                bytes = ar.result();
            } else {
                LOG.debug("measuring {} failed (will retry): {}", dir, ar.cause().toString());
            }
        });
    }

    /** Sum of the sizes of the regular files under {@code root}; files that vanish mid-walk count 0. */
    static long measure(Path root) {
        long[] total = {0};
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile()) {
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
}
