package io.raftkv.node.storage;

import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.raft.InitialState;
import io.raftkv.raft.Snapshot;
import io.raftkv.raft.SnapshotMetadata;
import io.raftkv.raft.Storage;
import io.raftkv.raft.StorageException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;

/**
 * The core's {@link Storage}, backed by the {@code log/} RocksDB instance ({@code raft_log}: 8-byte
 * big-endian index → framed entry; {@code raft_state}: hard state, compaction marker, bootstrap
 * configuration).
 *
 * <p><b>Threading.</b> Every method except {@link #stats()} is called on the driver's single thread.
 * Reads are served from {@link LogView} (bounds, terms, hard state and a cache of the newest
 * {@link StorageOptions#logTailCacheEntries()} entries / {@link StorageOptions#logTailCacheBytes()}
 * bytes), so the hot path never touches the disk; only entries older than the cache are read from
 * RocksDB (usually from its block cache). Writes go to the {@link GroupCommitWriter} and never block.
 *
 * <p><b>Why updating the view before the write is durable is safe.</b> The core reads storage only
 * for entries it was told are stable (after {@code advance}), and a leader counts itself toward a
 * quorum only for durable entries; the view merely lets the next Ready be built while the fsync runs.
 * If the write fails, the latch trips and the node stops acknowledging anything.
 */
public final class RaftLogStorage implements Storage {
    static final String LOG_CF = "raft_log";
    static final String STATE_CF = "raft_state";
    static final List<String> FAMILIES = List.of(LOG_CF, STATE_CF);

    private final Path dataDir;
    private final RocksInstance db;
    private final GroupCommitWriter writer;
    private final LogView view;
    private final SnapshotStore snapshots;
    private final Supplier<ConfState> appliedConfState;
    private final SnapshotInstaller installer;
    private ConfState bootstrapConf;

    /** Swaps the state machine to a received snapshot once the log records it durably. */
    interface SnapshotInstaller {
        /** Validates on the calling thread; the swap itself runs after {@code logDurable}. */
        void installAfter(SnapshotMetadata m, CompletableFuture<Void> logDurable);
    }

    RaftLogStorage(
            Path dataDir,
            RocksInstance db,
            GroupCommitWriter writer,
            LogView view,
            ConfState bootstrapConf,
            SnapshotStore snapshots,
            Supplier<ConfState> appliedConfState,
            SnapshotInstaller installer) {
        this.dataDir = dataDir;
        this.db = db;
        this.writer = writer;
        this.view = view;
        this.bootstrapConf = bootstrapConf;
        this.snapshots = snapshots;
        this.appliedConfState = appliedConfState;
        this.installer = installer;
    }

    /**
     * The configuration as of the state machine's applied index (what the core restarts from with
     * {@code RaftConfig.applied = stateMachine().appliedIndex()}); the bootstrap voters while
     * nothing has been applied yet.
     */
    @Override
    public InitialState initialState() {
        ConfState applied = appliedConfState.get();
        return new InitialState(view.hardState(), applied.isEmpty() ? bootstrapConf : applied);
    }

    @Override
    public List<Entry> entries(long lo, long hi, long maxBytes) {
        if (lo <= view.compacted().index()) {
            throw new StorageException.Compacted(lo, view.firstIndex());
        }
        if (hi > view.lastIndex() + 1) {
            throw new StorageException.Unavailable(hi - 1, view.lastIndex());
        }
        List<Entry> out = new ArrayList<>();
        if (lo >= hi) {
            return out;
        }
        long cacheFirst = view.cacheFirst();
        long bytes = 0;
        if (lo < cacheFirst) {
            bytes = readDurable(lo, Math.min(hi, cacheFirst), maxBytes, out);
            if (out.size() < Math.min(hi, cacheFirst) - lo) {
                return out;
            }
        }
        if (hi > cacheFirst) {
            view.readCached(Math.max(lo, cacheFirst), hi, maxBytes, out, bytes);
        }
        return out;
    }

    /** Reads durable entries in {@code [lo, hi)} from RocksDB; returns their total size. */
    private long readDurable(long lo, long hi, long maxBytes, List<Entry> out) {
        long size = 0;
        ColumnFamilyHandle cf = db.cf(LOG_CF);
        try (Slice upper = new Slice(RaftRecords.indexKey(hi));
                ReadOptions ro = new ReadOptions().setVerifyChecksums(true).setIterateUpperBound(upper);
                RocksIterator it = db.db.newIterator(cf, ro)) {
            it.seek(RaftRecords.indexKey(lo));
            for (long expect = lo; expect < hi; expect++) {
                if (!it.isValid()) {
                    it.status();
                    throw new CorruptRecordException("log entry #" + expect + " is missing");
                }
                Entry e = RaftRecords.decodeEntry(it.key(), it.value());
                if (e.index() != expect) {
                    throw new CorruptRecordException("log entry #" + expect + " is missing (found #" + e.index() + ")");
                }
                size += e.sizeBytes();
                if (!out.isEmpty() && size > maxBytes) {
                    return size;
                }
                out.add(e);
                it.next();
            }
            return size;
        } catch (CorruptRecordException | org.rocksdb.RocksDBException e) {
            StorageCorruptedException err =
                    new StorageCorruptedException(dataDir, "reading the Raft log: " + e.getMessage(), e);
            writer.trip(err);
            throw err;
        }
    }

    @Override
    public long term(long index) {
        return view.term(index);
    }

    @Override
    public long firstIndex() {
        return view.firstIndex();
    }

    @Override
    public long lastIndex() {
        return view.lastIndex();
    }

    /** The latest complete local snapshot (metadata only: the data is streamed from the store). */
    @Override
    public Snapshot snapshot() {
        return snapshots.latest().map(m -> new Snapshot(m, new byte[0])).orElse(Snapshot.EMPTY);
    }

    /** The hard state as handed to {@link #persist} last (not necessarily durable yet). */
    public HardState hardState() {
        return view.hardState();
    }

    /**
     * Brand-new cluster: records {@code initialVoters} durably if this directory has no Raft state
     * yet (empty hard state, empty log, nothing bootstrapped). Blocks until the write is durable;
     * call it before the driver starts.
     *
     * @return true if recorded, false if the directory already had state (nothing written)
     * @throws StorageFailedException if the write fails
     */
    public boolean bootstrap(ConfState initialVoters) {
        if (initialVoters.voters().isEmpty()) {
            throw new IllegalArgumentException("bootstrap needs at least one voter, got " + initialVoters);
        }
        if (!view.hardState().isEmpty()
                || view.lastIndex() > 0
                || !bootstrapConf.isEmpty()
                || !appliedConfState.get().isEmpty()) {
            return false;
        }
        ColumnFamilyHandle state = db.cf(STATE_CF);
        byte[] value = RaftRecords.encodeConfState(RaftRecords.BOOTSTRAP_CONF_KEY, initialVoters);
        GroupCommitWriter.Submitted s = writer.submit(b -> b.put(state, RaftRecords.BOOTSTRAP_CONF_KEY, value), 0);
        try {
            s.durable().join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : e;
        }
        bootstrapConf = initialVoters;
        return true;
    }

    /**
     * Hands one Ready's writes to the group-commit writer. Never blocks. Applies, in this order, a
     * snapshot installed at {@code installedSnapshotOrNull} (the whole log is discarded and the
     * state machine is swapped to that snapshot once this write is durable), then {@code entries}
     * (truncating any conflicting suffix first), then the hard state.
     *
     * @return completes on the writer thread after the synced WriteBatch holding these writes; fails
     *         with {@link StorageFailedException} if the latch has tripped or
     *         {@link StorageBackpressureException} if the writer's queue is full (then nothing of this
     *         call took effect, in memory or on disk)
     * @throws IllegalArgumentException if entries are not contiguous or leave a gap, or the snapshot
     *         is not newer than the log's start or was not received and verified by the store
     */
    public CompletableFuture<Void> persist(
            HardState hardStateOrNull, List<Entry> entries, SnapshotMetadata installedSnapshotOrNull) {
        SnapshotMetadata snap = installedSnapshotOrNull;
        RaftRecords.Compacted base = view.compacted();
        long baseLast = view.lastIndex();
        if (snap != null) {
            if (snap.index() <= base.index()) {
                throw new IllegalArgumentException(
                        "snapshot at " + snap.index() + " is not newer than the log's start " + base.index());
            }
            if (!snapshots.isComplete(snap)) {
                throw new IllegalArgumentException("snapshot " + snap + " was not received and verified");
            }
            base = new RaftRecords.Compacted(snap.index(), snap.term());
            baseLast = snap.index();
        }
        List<Entry> es = LogView.checkAppend(entries == null ? List.of() : entries, base.index(), baseLast);
        long truncateTo = es.isEmpty() || es.get(0).index() > baseLast ? -1 : baseLast + 1;
        RaftRecords.Compacted newStart = snap == null ? null : base;
        ColumnFamilyHandle log = db.cf(LOG_CF);
        ColumnFamilyHandle state = db.cf(STATE_CF);
        GroupCommitWriter.Submitted s = writer.submit(
                b -> {
                    if (newStart != null) {
                        b.deleteRange(log, RaftRecords.indexKey(0), RaftRecords.indexKey(Long.MAX_VALUE));
                        b.put(state, RaftRecords.COMPACTED_KEY, RaftRecords.encodeCompacted(newStart));
                    }
                    if (truncateTo > 0) {
                        b.deleteRange(log, RaftRecords.indexKey(es.get(0).index()), RaftRecords.indexKey(truncateTo));
                    }
                    for (Entry e : es) {
                        b.put(log, RaftRecords.indexKey(e.index()), RaftRecords.encodeEntry(e));
                    }
                    if (hardStateOrNull != null) {
                        b.put(state, RaftRecords.HARD_STATE_KEY, RaftRecords.encodeHardState(hardStateOrNull));
                    }
                },
                es.size());
        if (s.seq() < 0) {
            return s.durable();
        }
        if (snap != null) {
            view.resetTo(newStart);
            installer.installAfter(snap, s.durable());
        }
        view.append(es, s.seq());
        if (hardStateOrNull != null) {
            view.setHardState(hardStateOrNull);
        }
        view.evict(writer.completedSeq());
        return s.durable();
    }

    /**
     * Drops log entries ≤ {@code index} (no-op if already dropped). The view changes at once; the
     * RocksDB range delete rides in the next group commit.
     *
     * @throws IllegalArgumentException if {@code index} is past the last index or past the latest
     *         complete snapshot (the state machine is not synced, so the log must keep every entry
     *         the latest durable snapshot does not cover)
     */
    public CompletableFuture<Void> compact(long index) {
        if (index <= view.compacted().index()) {
            return CompletableFuture.completedFuture(null);
        }
        if (index > view.lastIndex()) {
            throw new IllegalArgumentException("compact " + index + " is past the last index " + view.lastIndex());
        }
        long snapshotIndex = snapshots.latest().map(SnapshotMetadata::index).orElse(0L);
        if (index > snapshotIndex) {
            throw new IllegalArgumentException(
                    "compact " + index + " is past the latest durable snapshot at " + snapshotIndex);
        }
        RaftRecords.Compacted marker = new RaftRecords.Compacted(index, view.term(index));
        ColumnFamilyHandle log = db.cf(LOG_CF);
        ColumnFamilyHandle state = db.cf(STATE_CF);
        GroupCommitWriter.Submitted s = writer.submit(
                b -> {
                    b.deleteRange(log, RaftRecords.indexKey(0), RaftRecords.indexKey(index + 1));
                    b.put(state, RaftRecords.COMPACTED_KEY, RaftRecords.encodeCompacted(marker));
                },
                0);
        if (s.seq() >= 0) {
            view.compact(index);
        }
        return s.durable();
    }

    /** Index to compact to after snapshot {@code m}, keeping {@code retained} entries below it. */
    public long compactionIndexFor(SnapshotMetadata m, long retained) {
        return Math.max(view.compacted().index(), m.index() - retained);
    }

    /** Group-commit statistics; callable from any thread. */
    public WriterStats stats() {
        return writer.stats();
    }

    /** Entries held in the in-memory tail cache right now (driver thread). */
    public int cachedEntries() {
        return view.cachedEntries();
    }

    Optional<ConfState> bootstrapConf() {
        return bootstrapConf.isEmpty() ? Optional.empty() : Optional.of(bootstrapConf);
    }
}
