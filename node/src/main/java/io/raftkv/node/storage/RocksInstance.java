package io.raftkv.node.storage;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Cache;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.Filter;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.LRUCache;
import org.rocksdb.Logger;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WALRecoveryMode;
import org.slf4j.LoggerFactory;

/**
 * One open RocksDB database with named column families, and everything that must be closed with it.
 *
 * <p>RocksDB's own info log goes to SLF4J instead of a {@code LOG} file, so opening a database
 * read-only for the start-up checks leaves the directory byte-for-byte unchanged.
 */
final class RocksInstance implements AutoCloseable {
    /** Memtable bytes one instance may hold before it flushes (all its column families together). */
    static final long DB_WRITE_BUFFER_BYTES = 32L << 20;
    /** WAL bytes one instance keeps before it flushes the families that pin the oldest WAL file. */
    static final long MAX_TOTAL_WAL_BYTES = 2 * DB_WRITE_BUFFER_BYTES;
    /** Memtable size of one column family. */
    static final long CF_WRITE_BUFFER_BYTES = 16L << 20;
    /** Block cache shared by every instance in the process (one node per process). */
    static final long BLOCK_CACHE_BYTES = 64L << 20;
    /** Bloom filter bits per key: ~1 % false positives. */
    private static final double BLOOM_BITS_PER_KEY = 10;

    static {
        RocksDB.loadLibrary();
    }

    /**
     * One bounded block cache for all column families of all instances: RocksDB's default is a
     * separate 32 MiB cache per column family (eight families here), and uncompressed blocks beyond
     * it are served from the OS page cache, which does not count against the node's RSS.
     */
    private static final Cache BLOCK_CACHE = new LRUCache(BLOCK_CACHE_BYTES);
    /** Immutable and shareable like the cache, so instances opened and closed do not each leave one behind. */
    private static final Filter BLOOM_FILTER = new BloomFilter(BLOOM_BITS_PER_KEY);

    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(RocksInstance.class);

    final Path dir;
    final RocksDB db;
    private final Map<String, ColumnFamilyHandle> families;
    private final DBOptions dbOptions;
    private final ColumnFamilyOptions cfOptions;
    private final Logger infoLog;
    /** Logs flushes, compactions and write stalls; null on a read-only open. */
    private final RocksEventLog events;

    private RocksInstance(
            Path dir,
            RocksDB db,
            Map<String, ColumnFamilyHandle> families,
            DBOptions dbOptions,
            ColumnFamilyOptions cfOptions,
            Logger infoLog,
            RocksEventLog events) {
        this.dir = dir;
        this.db = db;
        this.families = families;
        this.dbOptions = dbOptions;
        this.cfOptions = cfOptions;
        this.infoLog = infoLog;
        this.events = events;
    }

    /**
     * Opens {@code dir} with exactly the column families {@code names} (plus RocksDB's default).
     * A family that a newer version added and an existing database lacks is created when opening
     * for writing (an upgrade), and left out when opening read-only ({@link #has} tells).
     *
     * @param readOnly     open without writing anything (start-up checks)
     * @param createIfMissing create the database and its column families (fresh node only)
     */
    static RocksInstance open(Path dir, List<String> names, boolean readOnly, boolean createIfMissing)
            throws RocksDBException {
        Logger infoLog = new Slf4jRocksLogger(dir, createIfMissing);
        DBOptions dbOptions = new DBOptions()
                .setCreateIfMissing(createIfMissing)
                .setCreateMissingColumnFamilies(!readOnly)
                .setParanoidChecks(true)
                // A torn last WAL record after a crash is expected; anything worse is corruption.
                .setWalRecoveryMode(WALRecoveryMode.TolerateCorruptedTailRecords)
                .setLogger(infoLog)
                .setKeepLogFileNum(2)
                .setMaxBackgroundJobs(2)
                // Memory bound: RocksDB's default is 64 MiB per memtable, up to two per column
                // family, i.e. up to ~1 GiB across the node's eight families. All memtables of one
                // instance together now flush at DB_WRITE_BUFFER_BYTES.
                .setDbWriteBufferSize(DB_WRITE_BUFFER_BYTES)
                // A WAL file is deleted only once every family's data in it has been flushed. The
                // small families (hard state, applied index) are written with every batch but fill
                // their memtable rarely, so they kept every WAL alive until RocksDB's default limit
                // (four times all write buffers, ~384 MiB): 200-300 MiB of WAL per node under
                // load. Past this size RocksDB flushes the families holding the oldest WAL.
                .setMaxTotalWalSize(MAX_TOTAL_WAL_BYTES)
                // Sync flush and compaction output every MiB as it is written rather than all at
                // the end: one node's 30 MiB flush then cannot queue the whole disk behind one
                // fsync while the Raft log (same disk) waits to make a write durable.
                .setBytesPerSync(1L << 20);
        RocksEventLog events = readOnly ? null : new RocksEventLog(dir);
        if (events != null) {
            dbOptions.setListeners(List.of(events));
        }
        // Bloom filters: a put reads the key's previous version (create index, version), and with
        // random keys over a large key space that read otherwise probes every L0 file and level
        // (index and data block, decompressed) before it finds the key or learns it is absent.
        ColumnFamilyOptions cfOptions = new ColumnFamilyOptions()
                .setParanoidFileChecks(false)
                .setWriteBufferSize(CF_WRITE_BUFFER_BYTES)
                .setTableFormatConfig(
                        new BlockBasedTableConfig().setBlockCache(BLOCK_CACHE).setFilterPolicy(BLOOM_FILTER));
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions));
        if (readOnly) {
            names = existing(dir, names);
        }
        for (String name : names) {
            descriptors.add(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.UTF_8), cfOptions));
        }
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        RocksDB db;
        try {
            db = readOnly
                    ? RocksDB.openReadOnly(dbOptions, dir.toString(), descriptors, handles)
                    : RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
        } catch (RocksDBException | RuntimeException e) {
            dbOptions.close();
            cfOptions.close();
            infoLog.close();
            if (events != null) {
                events.close();
            }
            throw e;
        }
        Map<String, ColumnFamilyHandle> byName = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            byName.put(names.get(i), handles.get(i + 1));
        }
        byName.put("default", handles.get(0));
        return new RocksInstance(dir, db, byName, dbOptions, cfOptions, infoLog, events);
    }

    /** {@code names} without the families the database at {@code dir} does not have (yet). */
    private static List<String> existing(Path dir, List<String> names) throws RocksDBException {
        List<String> present = new ArrayList<>();
        try (org.rocksdb.Options o = new org.rocksdb.Options()) {
            for (byte[] n : RocksDB.listColumnFamilies(o, dir.toString())) {
                present.add(new String(n, StandardCharsets.UTF_8));
            }
        }
        return names.stream().filter(present::contains).toList();
    }

    /** Whether this instance has column family {@code name} (a read-only open of an older database may not). */
    boolean has(String name) {
        return families.containsKey(name);
    }

    ColumnFamilyHandle cf(String name) {
        ColumnFamilyHandle h = families.get(name);
        if (h == null) {
            throw new IllegalArgumentException("no column family " + name + " in " + dir);
        }
        return h;
    }

    @Override
    public void close() {
        for (ColumnFamilyHandle h : families.values()) {
            h.close();
        }
        db.close();
        dbOptions.close();
        cfOptions.close();
        infoLog.close();
        if (events != null) {
            events.close();
        }
    }

    /** Forwards RocksDB's info log to SLF4J (errors only; its warnings are routine tuning notes). */
    private static final class Slf4jRocksLogger extends Logger {
        private final String prefix;
        private final boolean creating;

        Slf4jRocksLogger(Path dir, boolean creating) {
            super(InfoLogLevel.ERROR_LEVEL);
            this.prefix = "rocksdb[" + dir.getFileName() + "] ";
            this.creating = creating;
        }

        @Override
        protected void log(InfoLogLevel level, String message) {
            if (creating && message.contains("NotFound")) {
                LOG.debug("{}{}", prefix, message); // creating a database probes for files that do not exist yet
            } else if (level == InfoLogLevel.WARN_LEVEL) {
                LOG.warn("{}{}", prefix, message);
            } else {
                LOG.error("{}{}", prefix, message);
            }
        }
    }
}
