package io.raftkv.node.storage;

/**
 * Counters of the group-commit writer since the storage was opened.
 *
 * @param fsyncs            synced WriteBatches written (one fsync each)
 * @param requests          persist/compact requests folded into them
 * @param entries           log entries written
 * @param bytes             bytes handed to RocksDB (framed values and keys)
 * @param fsyncP50Micros    median latency of one synced write, microseconds (bucket upper bound)
 * @param fsyncP99Micros    99th percentile of the same
 * @param fsyncMaxMicros    slowest synced write
 * @param queueDepth        requests waiting for the writer right now
 * @param failed            whether the error latch has tripped
 */
public record WriterStats(
        long fsyncs,
        long requests,
        long entries,
        long bytes,
        long fsyncP50Micros,
        long fsyncP99Micros,
        long fsyncMaxMicros,
        int queueDepth,
        boolean failed) {

    /** Mean log entries made durable per fsync: the group-commit factor. */
    public double entriesPerFsync() {
        return fsyncs == 0 ? 0 : (double) entries / fsyncs;
    }

    /** Mean requests (Readys) folded into one fsync. */
    public double requestsPerFsync() {
        return fsyncs == 0 ? 0 : (double) requests / fsyncs;
    }
}
