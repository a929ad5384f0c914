package io.raftkv.node.storage;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.rocksdb.AbstractEventListener;
import org.rocksdb.CompactionJobInfo;
import org.rocksdb.FlushJobInfo;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteStallInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs what RocksDB does in the background on one instance — memtable flushes and compactions with
 * their duration, and write stalls — so that a slow Raft persist or a late tick can be matched with
 * the background work that ran at the same moment (INFO: flushes and compactions; WARN: a write
 * stall or stop, which blocks the Raft log's synced writes).
 *
 * <p>Called on RocksDB's background threads; it only logs and keeps the start time of each job.
 */
final class RocksEventLog extends AbstractEventListener {
    private static final Logger LOG = LoggerFactory.getLogger(RocksEventLog.class);

    private final String name;
    private final Map<Integer, Long> flushStarted = new ConcurrentHashMap<>();
    private final Map<Integer, Long> compactionStarted = new ConcurrentHashMap<>();

    RocksEventLog(Path dir) {
        super(
                EnabledEventCallback.ON_FLUSH_BEGIN,
                EnabledEventCallback.ON_FLUSH_COMPLETED,
                EnabledEventCallback.ON_COMPACTION_BEGIN,
                EnabledEventCallback.ON_COMPACTION_COMPLETED,
                EnabledEventCallback.ON_STALL_CONDITIONS_CHANGED);
        this.name = String.valueOf(dir.getFileName());
    }

    @Override
    public void onFlushBegin(RocksDB db, FlushJobInfo info) {
        flushStarted.put(info.getJobId(), System.nanoTime());
    }

    @Override
    public void onFlushCompleted(RocksDB db, FlushJobInfo info) {
        Long started = flushStarted.remove(info.getJobId());
        if (LOG.isInfoEnabled()) {
            LOG.info(
                    "rocksdb[{}] flushed {} ({}, {} entries, {} KiB) in {} ms{}",
                    name,
                    info.getColumnFamilyName(),
                    info.getFlushReason(),
                    info.getTableProperties().getNumEntries(),
                    info.getTableProperties().getDataSize() >> 10,
                    started == null ? "?" : (System.nanoTime() - started) / 1_000_000,
                    info.isTriggeredWritesStop()
                            ? " (writes stopped)"
                            : info.isTriggeredWritesSlowdown() ? " (writes slowed down)" : "");
        }
    }

    @Override
    public void onCompactionBegin(RocksDB db, CompactionJobInfo info) {
        compactionStarted.put(info.jobId(), System.nanoTime());
    }

    @Override
    public void onCompactionCompleted(RocksDB db, CompactionJobInfo info) {
        Long started = compactionStarted.remove(info.jobId());
        if (LOG.isInfoEnabled()) {
            LOG.info(
                    "rocksdb[{}] compacted {} ({}, {} files into {}, level {} to {}) in {} ms",
                    name,
                    new String(info.columnFamilyName(), java.nio.charset.StandardCharsets.UTF_8),
                    info.compactionReason(),
                    info.inputFiles().size(),
                    info.outputFiles().size(),
                    info.baseInputLevel(),
                    info.outputLevel(),
                    started == null ? "?" : (System.nanoTime() - started) / 1_000_000);
        }
    }

    @Override
    public void onStallConditionsChanged(WriteStallInfo info) {
        LOG.warn(
                "rocksdb[{}] write stall condition of {}: {} -> {}",
                name,
                info.getColumnFamilyName(),
                info.getPreviousCondition(),
                info.getCurrentCondition());
    }
}
