package io.raftkv.node.storage;

import io.raftkv.node.kv.ActiveAlarms;
import io.raftkv.node.kv.ApplyResult;
import io.raftkv.node.kv.ChangeListener;
import io.raftkv.node.kv.Changes;
import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.kv.KeyRanges;
import io.raftkv.node.kv.KeyRead;
import io.raftkv.node.kv.KeyValue;
import io.raftkv.node.kv.RangeResult;
import io.raftkv.node.kv.Revisions;
import io.raftkv.node.kv.StateHash;
import io.raftkv.node.kv.StateMachineView;
import io.raftkv.node.storage.StateRecords.AppliedState;
import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.SnapshotMetadata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatchWithIndex;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replicated key-value state machine in the {@code sm/} RocksDB instance (column families
 * {@code kv} (the current state), {@code history} and {@code key_index} (every change since the
 * compact revision, see {@link Revisions} and {@link MvccRecords}), {@code sessions}, {@code meta};
 * {@code session_expiry} of earlier versions is kept but no longer written).
 *
 * <p><b>Apply.</b> Committed entries are applied strictly in log order on one dedicated apply thread
 * fed by a bounded queue. Each {@link #apply} call becomes one WriteBatch holding the KV changes,
 * the session updates and the new applied index/term/configuration, so the applied index always
 * matches the data. Writes are NOT fsynced: the Raft log is the source of truth, and after a crash
 * the state machine may be behind and re-applies from the log (entries ≤ applied are skipped). The
 * log is never compacted past a durable snapshot, and creating a snapshot flushes this instance.
 *
 * <p><b>Reads</b> ({@link #get}, {@link #range}, {@link #changes}, {@link #stateHash}) are
 * thread-safe and block on RocksDB: call them off the event loop. Each reads one RocksDB snapshot,
 * so the revision it reports is exactly the state it read. Every written batch's changes go to the
 * {@link ChangeListener} (watchers); compaction's deletions run on a background thread
 * ({@link HistoryCompactor}) and never hold up the apply thread. A read/write lock guards only the database handle, which
 * is replaced when a received snapshot is swapped in; it never guards Raft state.
 */
public final class KvStateMachine implements StateMachineView, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KvStateMachine.class);
    static final String KV_CF = "kv";
    static final String SESSIONS_CF = "sessions";
    /**
     * No longer written (sessions are swept through an in-memory index, {@link SessionExpiryIndex});
     * kept so that data directories and snapshots of earlier versions open unchanged.
     */
    static final String EXPIRY_CF = "session_expiry";

    static final String META_CF = "meta";
    /** Leases: id → granted TTL and grant index ({@link LeaseStore}). */
    static final String LEASES_CF = "leases";
    /** Keys attached to leases: id + key → "". */
    static final String LEASE_KEYS_CF = "lease_keys";

    static final String HISTORY_CF = "history";
    static final String KEY_INDEX_CF = "key_index";
    /** Live keys without their values ({@link KeyMeta}, storage format 3); {@code kv} is empty then. */
    static final String KV_META_CF = "kv_meta";

    static final List<String> FAMILIES = List.of(
            KV_CF, SESSIONS_CF, EXPIRY_CF, META_CF, LEASES_CF, LEASE_KEYS_CF, HISTORY_CF, KEY_INDEX_CF, KV_META_CF);
    private static final byte[] EMPTY = new byte[0];

    private final StorageLayout layout;
    private final StorageOptions options;
    private final Consumer<Throwable> onFailure;
    /** The current database and the lock that guards replacing it (a received snapshot, close). */
    private final StateReads.Handle h;
    /** Reads of the current database, under {@link #h}'s read lock. */
    private final StateReads reads;

    private final ApplyThread applyThread;
    private final WriteOptions noSync = new WriteOptions().setSync(false);
    private SnapshotStore snapshots;

    private volatile CommandApplier applier;
    /** Invariant: equals the applied state stored in {@code meta} of the current database. */
    private volatile AppliedState applied;
    /** Invariant: equals the revisions stored in {@code meta} of the current database. */
    private volatile Revisions revisions = Revisions.INITIAL;

    private volatile ChangeListener changeListener = ChangeListener.NONE;
    private final HistoryCompactor compactor;
    /** State hashes at the corruption check's hash points ({@link #hashAt}). */
    private final StateHashPoints hashPoints;

    private volatile Throwable failure;
    /** Sees every applied batch on the apply thread (a metrics timer); never null. */
    private volatile ApplyObserver applyObserver = (entries, nanos) -> {};

    /** Sees each batch the apply thread wrote: how many entries, and how long it took. Must not block. */
    @FunctionalInterface
    public interface ApplyObserver {
        void applied(int entries, long nanos);
    }

    /**
     * RocksDB's estimates for the key-value data.
     *
     * @param liveBytes {@code rocksdb.estimate-live-data-size} summed over the state machine's
     *                  families: what the data would occupy after a full compaction
     * @param keys      {@code rocksdb.estimate-num-keys} of the {@code kv} family (an estimate:
     *                  overwrites and deletes not yet compacted make it approximate)
     */
    public record DataEstimates(long liveBytes, long keys) {
        static final DataEstimates NONE = new DataEstimates(0, 0);
    }

    KvStateMachine(StorageLayout layout, StorageOptions options, RocksInstance db, Consumer<Throwable> onFailure) {
        this.layout = layout;
        this.options = options;
        this.onFailure = onFailure;
        this.h = new StateReads.Handle(layout.dataDir, layout.smDir, this::fail);
        this.reads = new StateReads(h);
        this.applyThread = new ApplyThread(options.applyQueueCapacity(), () -> failure);
        this.compactor = new HistoryCompactor(
                this::withHandle,
                HistoryCompactor.BATCH_ENTRIES,
                e -> fail(new StorageFailedException("history compaction failed in " + layout.smDir, e)));
        try {
            attach(db);
        } catch (RuntimeException e) {
            compactor.close();
            applyThread.shutdown();
            db.close();
            throw e;
        }
        this.hashPoints = new StateHashPoints(applied.index());
        compactor.trigger();
    }

    void attachSnapshots(SnapshotStore snapshots) {
        this.snapshots = snapshots;
    }

    private void attach(RocksInstance instance) {
        try {
            StorageFormat.upgrade(instance, layout.dataDir);
        } catch (RocksDBException e) {
            throw new StorageFailedException("upgrading the state machine in " + instance.dir + " failed", e);
        }
        h.db = instance;
        this.applied = readApplied(layout.dataDir, instance);
        try {
            byte[] storedRevisions = instance.db.get(instance.cf(META_CF), MvccRecords.REVISIONS_KEY);
            this.revisions = storedRevisions == null ? Revisions.INITIAL : MvccRecords.decodeRevisions(storedRevisions);
            this.applier = new CommandApplier(
                    instance.db,
                    instance.cf(KV_META_CF),
                    instance.cf(SESSIONS_CF),
                    instance.cf(META_CF),
                    instance.cf(HISTORY_CF),
                    instance.cf(KEY_INDEX_CF),
                    revisions,
                    options.sessionExpiryEntries(),
                    new LeaseStore(instance.db, instance.cf(LEASES_CF), instance.cf(LEASE_KEYS_CF)));
        } catch (RocksDBException | CorruptRecordException e) {
            throw new StorageCorruptedException(layout.dataDir, "state machine sessions: " + e.getMessage(), e);
        }
    }

    static AppliedState readApplied(Path dataDir, RocksInstance instance) {
        try {
            byte[] stored = instance.db.get(instance.cf(META_CF), StateRecords.APPLIED_KEY);
            return stored == null ? AppliedState.EMPTY : StateRecords.decodeApplied(stored);
        } catch (RocksDBException | CorruptRecordException e) {
            throw new StorageCorruptedException(dataDir, "state machine applied state: " + e.getMessage(), e);
        }
    }

    /**
     * Applies committed entries in order on the apply thread. Entries ≤ {@link #appliedIndex()} are
     * skipped (answered NO_OP), so re-applying after a restart is harmless. Empty NORMAL entries and
     * CONF_CHANGE entries only advance the applied index; a CONF_CHANGE entry's resulting
     * configuration must be in {@code confStates} under its index. Never blocks.
     *
     * @return one result per entry, same order; fails with {@link StorageBackpressureException} if
     *         the apply queue is full, {@link StorageFailedException} after a failure, or
     *         {@link IllegalArgumentException} if a configuration is missing or entries leave a gap
     */
    public CompletableFuture<List<ApplyResult>> apply(List<Entry> committed, Map<Long, ConfState> confStates) {
        List<Entry> entries = List.copyOf(committed);
        Map<Long, ConfState> confs = Map.copyOf(confStates);
        for (Entry e : entries) {
            if (e.type() == EntryType.CONF_CHANGE && !confs.containsKey(e.index())) {
                return CompletableFuture.failedFuture(
                        new IllegalArgumentException("no configuration given for conf-change entry #" + e.index()));
            }
        }
        return onApplyThread(() -> applyNow(entries, confs));
    }

    /**
     * Applies {@code entries} in batches that end right after each hash point of the corruption
     * check ({@link Command.HashCheck}), so that the state after that entry can be hashed exactly
     * ({@link #hashAt}); without hash points, one batch.
     */
    private List<ApplyResult> applyNow(List<Entry> entries, Map<Long, ConfState> confs) throws RocksDBException {
        List<ApplyResult> results = null;
        int from = 0;
        for (int k = 0; k < entries.size(); k++) {
            Entry e = entries.get(k);
            if (e.type() == EntryType.NORMAL && e.index() > applied.index() && CommandCodec.isHashCheck(e.data())) {
                if (results == null) {
                    results = new ArrayList<>(entries.size());
                }
                results.addAll(applyBatch(entries.subList(from, k + 1), confs));
                if (applied.index() == e.index()) {
                    hashPoints.record(e.index(), reads.snapshotToHash(h.db));
                }
                from = k + 1;
            }
        }
        if (results == null) {
            results = applyBatch(entries, confs);
        } else if (from < entries.size()) {
            results.addAll(applyBatch(entries.subList(from, entries.size()), confs));
        }
        hashPoints.appliedUpTo(applied.index());
        return results;
    }

    private List<ApplyResult> applyBatch(List<Entry> entries, Map<Long, ConfState> confs) throws RocksDBException {
        RocksInstance instance = h.db;
        long start = System.nanoTime();
        try (WriteBatchWithIndex batch = new WriteBatchWithIndex(true)) {
            CommandApplier.Outcome out = applier.apply(entries, confs, applied, batch);
            if (out.applied().index() > applied.index()) {
                instance.db.write(noSync, batch);
                applier.batchWritten();
                applied = out.applied();
                boolean compacted = out.revisions().compacted() > revisions.compacted();
                revisions = out.revisions();
                changeListener.applied(out.revisions(), out.events());
                if (compacted) {
                    compactor.trigger();
                }
            }
            applyObserver.applied(entries.size(), System.nanoTime() - start);
            return out.results();
        } catch (CorruptRecordException e) {
            throw fail(new StorageCorruptedException(layout.dataDir, "state machine: " + e.getMessage(), e));
        } catch (RocksDBException e) {
            throw fail(new StorageFailedException("state machine write failed in " + layout.smDir, e));
        }
    }

    private RuntimeException fail(RuntimeException e) {
        if (failure == null) {
            failure = e;
            LOG.error("state machine failed; the node is unhealthy", e);
            onFailure.accept(e);
        }
        return e;
    }

    /**
     * The cluster-wide alarms active as of {@link #appliedIndex()} (replicated state: every replica
     * agrees at the same index). Any thread, never blocks.
     */
    @Override
    public ActiveAlarms alarms() {
        return applier.alarms();
    }

    /**
     * Bytes the state machine's data occupies, as the space quota counts it: the live SST files of
     * its families plus its memtables (RocksDB properties, no I/O). 0 once closed. Any thread.
     */
    @Override
    public long dataBytes() {
        return reads.dataBytes();
    }

    /**
     * Flushes and fully compacts every family, so space held by deleted and overwritten keys is given
     * back (what a disarm of NOSPACE needs). Blocking and I/O-heavy: a worker thread only.
     */
    @Override
    public void compactData() {
        reads.compactData();
    }

    /** RocksDB's size and key-count estimates (no I/O); zeros once closed or unknown. Any thread. */
    public DataEstimates estimates() {
        return reads.estimates();
    }

    /** Hands every written batch's changes to {@code listener}; {@code null} removes it. */
    @Override
    public void setChangeListener(ChangeListener listener) {
        this.changeListener = listener == null ? ChangeListener.NONE : listener;
    }

    /** Hands every applied batch to {@code observer} (on the apply thread); {@code null} removes it. */
    public void setApplyObserver(ApplyObserver observer) {
        this.applyObserver = observer == null ? (entries, nanos) -> {} : observer;
    }

    /** Runs {@code task} on the apply thread, in order with applies. Never blocks. */
    <T> CompletableFuture<T> onApplyThread(Callable<T> task) {
        return applyThread.submit(task);
    }

    /**
     * After {@code logDurable} completes, swaps this state machine to the received snapshot {@code m}
     * (in order with applies). The swap is a directory rename; a crash at any point leaves either the
     * old state or the new one, and start-up restores from the snapshot if the log already records
     * it. A failure trips the latch.
     */
    void installAfter(SnapshotMetadata m, CompletableFuture<Void> logDurable) {
        onApplyThread(() -> {
                    logDurable.join();
                    if (applied.index() >= m.index()) {
                        return null;
                    }
                    swapTo(m);
                    return null;
                })
                .whenComplete((v, t) -> {
                    if (t != null) {
                        fail(new StorageFailedException("installing snapshot " + m + " failed", t));
                    }
                });
    }

    private void swapTo(SnapshotMetadata m) throws IOException, RocksDBException {
        Path next = layout.root.resolve("sm.next");
        Path prev = layout.root.resolve("sm.prev");
        StorageLayout.deleteRecursively(next);
        StorageLayout.deleteRecursively(prev);
        snapshots.materialize(m, next);
        StorageFormat.requireReadable(next, layout.dataDir);
        h.lock.writeLock().lock();
        try {
            reads.releaseUnhashed();
            h.db.close();
            Files.move(layout.smDir, prev, StandardCopyOption.ATOMIC_MOVE);
            Files.move(next, layout.smDir, StandardCopyOption.ATOMIC_MOVE);
            StorageLayout.fsyncDirectory(layout.root);
            attach(RocksInstance.open(layout.smDir, FAMILIES, false, false));
        } finally {
            h.lock.writeLock().unlock();
        }
        changeListener.reset(revisions);
        compactor.trigger();
        StorageLayout.deleteRecursively(prev);
        LOG.info("state machine restored from snapshot at index {} term {}", m.index(), m.term());
    }

    /** Checkpoints the current state into {@code dir} on the apply thread; returns its applied state. */
    CompletableFuture<AppliedState> checkpoint(Path dir) {
        return onApplyThread(() -> {
            Files.createDirectories(dir.getParent());
            try (org.rocksdb.Checkpoint cp = org.rocksdb.Checkpoint.create(h.db.db)) {
                cp.createCheckpoint(dir.toString());
            }
            checkpointRevision = new long[] {applied.index(), revisions.current()};
            return applied;
        });
    }

    /** {index, store revision} of the last checkpoint taken, read together on the apply thread. */
    private volatile long[] checkpointRevision = {0, 0};

    /**
     * The store revision of the state at {@code index} when this process took a checkpoint there or
     * nothing has been applied since it (0 when it cannot tell).
     */
    CompletableFuture<Long> revisionAt(long index) {
        return onApplyThread(() -> {
            long[] cp = checkpointRevision;
            if (cp[0] == index) {
                return cp[1];
            }
            return applied.index() == index ? revisions.current() : 0L;
        });
    }

    /** The open database; for an offline rebuild ({@link SnapshotRestore}) while nothing applies. */
    RocksInstance db() {
        return h.db;
    }

    @Override
    public long appliedIndex() {
        return applied.index();
    }

    /** Term of the entry at {@link #appliedIndex()}. */
    public long appliedTerm() {
        return applied.term();
    }

    /** The configuration as of {@link #appliedIndex()} (restart input for the core). */
    public ConfState confState() {
        return applied.confState();
    }

    boolean failed() {
        return failure != null;
    }

    /** The key's current state; blocking. */
    @Override
    public Optional<KeyValue> get(byte[] key) {
        return get(key, 0).kv();
    }

    /**
     * The key at {@code revision} (0: the current revision) and the revision read; blocking.
     *
     * @throws RevisionUnavailableException if the revision is compacted or in the future
     */
    @Override
    public KeyRead get(byte[] key, long revision) {
        Command.checkKey(key);
        return reads.read("reading key", r -> r.get(key, revision));
    }

    @Override
    public MvccHash mvccHash(long revision) {
        return reads.read("hashing the history", r -> r.mvccHash(revision));
    }

    /** As of the current revision; blocking. See {@link io.raftkv.node.kv.KvReader}. */
    @Override
    public RangeResult range(
            byte[] startInclusive, byte[] endExclusiveOrNull, int limit, long maxBytes, boolean keysOnly) {
        return range(startInclusive, endExclusiveOrNull, 0, limit, maxBytes, keysOnly, false);
    }

    /** Blocking; see {@link io.raftkv.node.kv.KvReader}. */
    @Override
    public RangeResult range(
            byte[] startInclusive,
            byte[] endExclusiveOrNull,
            long revision,
            int limit,
            long maxBytes,
            boolean keysOnly,
            boolean countOnly) {
        return reads.range(startInclusive, endExclusiveOrNull, revision, limit, maxBytes, keysOnly, countOnly);
    }

    /** Keys starting with {@code prefix}, at most {@code limit} and {@code maxBytes}; blocking. */
    public RangeResult prefix(byte[] prefix, int limit, long maxBytes) {
        return range(prefix, prefixEnd(prefix), limit, maxBytes, false);
    }

    /** Blocking; see {@link io.raftkv.node.kv.KvReader}. */
    @Override
    public Changes changes(long fromRevision, int maxEvents, long maxBytes) {
        return reads.read("reading history", r -> r.changes(fromRevision, maxEvents, maxBytes));
    }

    /** The key as it was before change {@code sub} of {@code revision} (a watch's prev_kv); blocking. */
    @Override
    public Optional<KeyValue> previous(byte[] key, long revision, int sub) {
        return reads.read("reading history", r -> Optional.ofNullable(r.previous(key, revision, sub)));
    }

    /** The store's revision and compact revision as of the last written batch. */
    @Override
    public Revisions revisions() {
        return revisions;
    }

    @FunctionalInterface
    interface HandleTask<T> {
        T run(RocksInstance instance) throws RocksDBException;
    }

    /** Runs {@code task} on the current database under the handle's read lock; null once closed. */
    <T> T withHandle(HandleTask<T> task) throws RocksDBException {
        h.lock.readLock().lock();
        try {
            return h.closed || failure != null ? null : task.run(h.db);
        } finally {
            h.lock.readLock().unlock();
        }
    }

    /** The smallest key greater than every key starting with {@code prefix}, or null if none. */
    static byte[] prefixEnd(byte[] prefix) {
        return KeyRanges.prefixEnd(prefix);
    }

    /**
     * A deterministic digest (first 8 bytes of SHA-256) of the applied index, the configuration,
     * every key with its value and history, and every client session, with the applied index it
     * describes — all read from one consistent RocksDB snapshot (the applied index is stored in the
     * same write batch as the changes it covers), so the pair is exact even while entries are being
     * applied. Two replicas at the same applied index must agree. Blocking.
     */
    @Override
    public StateHash stateHash() {
        return stateHash(null);
    }

    /**
     * As {@link #stateHash()}, but hashing {@code confOrNull} in place of the stored configuration:
     * a restored member (new member ids) proves with it that everything else equals the backup.
     */
    StateHash stateHash(ConfState confOrNull) {
        return reads.stateHash(confOrNull);
    }

    /**
     * id → granted TTL (seconds) of every lease as of the last written batch: a live, read-only
     * view, any thread, never blocks (it is memory). After a received snapshot is swapped in, call
     * again: the view belongs to the state it was taken from.
     */
    @Override
    public Map<Long, Long> leases() {
        return applier.leases();
    }

    /**
     * Keys attached to lease {@code id}, ascending, at most {@code limit} (plus whether more exist),
     * as key-values with only the key set; blocking (RocksDB).
     */
    @Override
    public RangeResult leaseKeys(long id, int limit) {
        return reads.leaseKeys(id, limit);
    }

    /**
     * This member's state hash right after entry {@code index}, a hash point of the corruption
     * check ({@link Command.HashCheck}): completes at once for one of the last
     * {@value StateHashPoints#KEEP} hash points, once applied and hashed for a later one; fails for
     * an index this member applied without hashing (no hash check entry there, or the state came
     * from a restart or a received snapshot past it). Never blocks.
     */
    @Override
    public CompletableFuture<StateHash> hashAt(long index) {
        return hashPoints.hashAt(
                index,
                i -> "member has applied up to index " + applied.index() + " and holds no state hash at index " + i
                        + " (no hash check entry there, or it restarted or installed a snapshot since)");
    }

    /** Client ids with a stored session, ascending; blocking. For tests and diagnostics. */
    List<Long> storedSessionClients() {
        return reads.storedSessionClients();
    }

    /** The apply thread's session cache; for tests (read it only while no apply runs). */
    SessionCache sessionCache() {
        return applier.sessionCache();
    }

    /** The apply thread's key version cache; for tests (read it only while no apply runs). */
    KeyVersionCache keyVersions() {
        return applier.keyVersions();
    }

    /** Finishes queued applies, then closes the database. Blocking. */
    @Override
    public void close() {
        compactor.close();
        applyThread.finish();
        h.lock.writeLock().lock();
        try {
            reads.releaseUnhashed();
            h.closed = true;
            h.db.close();
            noSync.close();
        } finally {
            h.lock.writeLock().unlock();
        }
        hashPoints.close();
    }
}
