package io.raftkv.node.storage;

/**
 * Tuning knobs of one node's storage, validated up front by {@link #validate()} with an error
 * naming the field. Every queue and cache the storage keeps is bounded by one of these.
 *
 * @param writerQueueCapacity          persist/compact requests the group-commit writer holds before
 *                                     {@code persist} fails fast with backpressure
 * @param maxRequestsPerWriteBatch     requests folded into one synced WriteBatch at most
 * @param logTailCacheEntries          durable entries kept in memory at the tail of the log; entries
 *                                     not yet durable are always kept in addition (bounded by the
 *                                     writer queue)
 * @param logTailCacheBytes            byte bound of the same cache (whichever bound is hit first)
 * @param applyQueueCapacity           apply batches queued for the apply thread before
 *                                     {@code apply} fails fast
 * @param snapshotThresholdEntries     {@link NodeStorage#shouldSnapshot()} turns true once this many
 *                                     entries were applied since the latest snapshot
 * @param logEntriesRetainedAfterSnapshot entries kept below a new snapshot when compacting, so a
 *                                     follower that is only a little behind catches up from the log
 * @param sessionExpiryEntries         a client session unused for this many log entries expires
 * @param snapshotChunkBytes           size of one streamed snapshot chunk
 * @param snapshotsRetained            complete snapshots kept on disk (≥ 1)
 * @param verifyChecksumsOnOpen        read every block and log record at start-up to verify its
 *                                     checksum (cost proportional to data size)
 * @param diskUsageIntervalMs          how often the bytes the storage occupies on disk are
 *                                     measured ({@link NodeStorage#dbSizeBytes()}), off every
 *                                     event loop
 * @param clusterId                    the cluster this node's data belongs to (the node's
 *                                     {@code --cluster-id}); storage only carries it so the node's
 *                                     status and response headers can report it. 0: not configured
 */
public record StorageOptions(
        int writerQueueCapacity,
        int maxRequestsPerWriteBatch,
        int logTailCacheEntries,
        long logTailCacheBytes,
        int applyQueueCapacity,
        long snapshotThresholdEntries,
        long logEntriesRetainedAfterSnapshot,
        long sessionExpiryEntries,
        int snapshotChunkBytes,
        int snapshotsRetained,
        boolean verifyChecksumsOnOpen,
        long diskUsageIntervalMs,
        long clusterId) {

    public static StorageOptions defaults() {
        return new StorageOptions(
                4096, 1024, 8192, 64L << 20, 1024, 100_000, 5_000, 100_000, 1 << 20, 2, true, 5_000, 0);
    }

    /** @throws IllegalArgumentException naming the first invalid field */
    public StorageOptions validate() {
        requirePositive("writerQueueCapacity", writerQueueCapacity);
        requirePositive("maxRequestsPerWriteBatch", maxRequestsPerWriteBatch);
        requirePositive("logTailCacheEntries", logTailCacheEntries);
        requirePositive("logTailCacheBytes", logTailCacheBytes);
        requirePositive("applyQueueCapacity", applyQueueCapacity);
        requirePositive("snapshotThresholdEntries", snapshotThresholdEntries);
        if (logEntriesRetainedAfterSnapshot < 0) {
            throw new IllegalArgumentException(
                    "logEntriesRetainedAfterSnapshot must be ≥ 0, got " + logEntriesRetainedAfterSnapshot);
        }
        requirePositive("sessionExpiryEntries", sessionExpiryEntries);
        if (snapshotChunkBytes < 4096 || snapshotChunkBytes > (16 << 20)) {
            throw new IllegalArgumentException(
                    "snapshotChunkBytes must be in [4096, 16 MiB], got " + snapshotChunkBytes);
        }
        requirePositive("snapshotsRetained", snapshotsRetained);
        requirePositive("diskUsageIntervalMs", diskUsageIntervalMs);
        return this;
    }

    public StorageOptions withSnapshotThresholdEntries(long v) {
        return copy(b -> b.snapshotThresholdEntries = v);
    }

    public StorageOptions withLogEntriesRetainedAfterSnapshot(long v) {
        return copy(b -> b.logEntriesRetainedAfterSnapshot = v);
    }

    public StorageOptions withSessionExpiryEntries(long v) {
        return copy(b -> b.sessionExpiryEntries = v);
    }

    public StorageOptions withLogTailCacheEntries(int v) {
        return copy(b -> b.logTailCacheEntries = v);
    }

    public StorageOptions withWriterQueueCapacity(int v) {
        return copy(b -> b.writerQueueCapacity = v);
    }

    public StorageOptions withSnapshotChunkBytes(int v) {
        return copy(b -> b.snapshotChunkBytes = v);
    }

    public StorageOptions withDiskUsageIntervalMs(long v) {
        return copy(b -> b.diskUsageIntervalMs = v);
    }

    public StorageOptions withClusterId(long v) {
        return copy(b -> b.clusterId = v);
    }

    private static void requirePositive(String field, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be > 0, got " + value);
        }
    }

    /** The one way a {@code with...} method changes components: a mutable copy of all of them. */
    private StorageOptions copy(java.util.function.Consumer<Copy> change) {
        Copy b = new Copy(this);
        change.accept(b);
        return b.build();
    }

    /** Every component of a {@link StorageOptions}, mutable, for {@link #copy}. */
    private static final class Copy {
        int writerQueueCapacity;
        int maxRequestsPerWriteBatch;
        int logTailCacheEntries;
        long logTailCacheBytes;
        int applyQueueCapacity;
        long snapshotThresholdEntries;
        long logEntriesRetainedAfterSnapshot;
        long sessionExpiryEntries;
        int snapshotChunkBytes;
        int snapshotsRetained;
        boolean verifyChecksumsOnOpen;
        long diskUsageIntervalMs;
        long clusterId;

        Copy(StorageOptions r) {
            writerQueueCapacity = r.writerQueueCapacity;
            maxRequestsPerWriteBatch = r.maxRequestsPerWriteBatch;
            logTailCacheEntries = r.logTailCacheEntries;
            logTailCacheBytes = r.logTailCacheBytes;
            applyQueueCapacity = r.applyQueueCapacity;
            snapshotThresholdEntries = r.snapshotThresholdEntries;
            logEntriesRetainedAfterSnapshot = r.logEntriesRetainedAfterSnapshot;
            sessionExpiryEntries = r.sessionExpiryEntries;
            snapshotChunkBytes = r.snapshotChunkBytes;
            snapshotsRetained = r.snapshotsRetained;
            verifyChecksumsOnOpen = r.verifyChecksumsOnOpen;
            diskUsageIntervalMs = r.diskUsageIntervalMs;
            clusterId = r.clusterId;
        }

        StorageOptions build() {
            return new StorageOptions(
                    writerQueueCapacity,
                    maxRequestsPerWriteBatch,
                    logTailCacheEntries,
                    logTailCacheBytes,
                    applyQueueCapacity,
                    snapshotThresholdEntries,
                    logEntriesRetainedAfterSnapshot,
                    sessionExpiryEntries,
                    snapshotChunkBytes,
                    snapshotsRetained,
                    verifyChecksumsOnOpen,
                    diskUsageIntervalMs,
                    clusterId);
        }
    }
}
