package io.raftkv.node.storage;

import io.raftkv.node.kv.ActiveAlarms;
import io.raftkv.node.kv.AlarmType;
import io.raftkv.node.kv.ApplyResult;
import io.raftkv.node.kv.ApplyResult.Status;
import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.Command.Absent;
import io.raftkv.node.kv.Command.Compact;
import io.raftkv.node.kv.Command.Compare;
import io.raftkv.node.kv.Command.CompareAndSet;
import io.raftkv.node.kv.Command.Compared;
import io.raftkv.node.kv.Command.Delete;
import io.raftkv.node.kv.Command.DeleteRange;
import io.raftkv.node.kv.Command.Expectation;
import io.raftkv.node.kv.Command.Get;
import io.raftkv.node.kv.Command.LeaseGrant;
import io.raftkv.node.kv.Command.LeaseRevoke;
import io.raftkv.node.kv.Command.ModRevisionEquals;
import io.raftkv.node.kv.Command.Operation;
import io.raftkv.node.kv.Command.Put;
import io.raftkv.node.kv.Command.Txn;
import io.raftkv.node.kv.Command.TxnOp;
import io.raftkv.node.kv.Command.ValueCompared;
import io.raftkv.node.kv.Command.ValueEquals;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.kv.KeyValue;
import io.raftkv.node.kv.KvEvent;
import io.raftkv.node.kv.MalformedCommandException;
import io.raftkv.node.kv.NestedTxn;
import io.raftkv.node.kv.Revisions;
import io.raftkv.node.storage.StateRecords.AppliedState;
import io.raftkv.node.storage.StateRecords.Session;
import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatchWithIndex;

/**
 * The deterministic core of the state machine: turns committed entries into one
 * {@link WriteBatchWithIndex} (reads see the batch's own earlier writes). Its output depends only on
 * the entries and the state before them — never on a clock, the batch boundaries or the replica — so
 * every replica reaches the same state and {@link KvStateMachine#stateHash()} agrees.
 *
 * <p>Sessions (Raft dissertation §6.3): a command with a session is applied only if its sequence
 * number is new for the client; a retry of the last one is answered from the stored result. A
 * session not used for {@code sessionExpiryEntries} log entries is expired: at entry {@code i} a
 * session last used at {@code u} is gone when {@code i - u > sessionExpiryEntries}. A client whose
 * session is unknown (new or expired) must start at sequence 1, so a retry that arrives after its
 * session expired is rejected instead of being applied twice.
 *
 * <p>Revisions ({@link Revisions}): every change is numbered and written to the history in the
 * same batch by {@link RevisionTracker}, which also collects the batch's changes for watchers.
 */
final class CommandApplier {
    private final RocksDB db;
    /** The {@code kv_meta} family: live keys without their values ({@link KeyMeta}). */
    private final ColumnFamilyHandle kv;
    /** Where each live key's value is: its latest history event. */
    private final ColumnFamilyHandle history;

    private final ColumnFamilyHandle sessions;
    private final ColumnFamilyHandle meta;
    private final long sessionExpiryEntries;
    private final SessionExpiryIndex expiryIndex = new SessionExpiryIndex();
    private final SessionCache sessionCache = new SessionCache();
    private final KeyVersionCache keyVersions = new KeyVersionCache();
    private final LeaseStore leases;
    /** The alarms as of the last written batch; read from any thread. */
    private volatile ActiveAlarms writtenAlarms;
    /** The alarms as of the entries applied into the batch being built. */
    private ActiveAlarms alarms;

    private final RevisionTracker revisions;
    private final LiveKeys keys;
    private final NestedTxnApplier nestedTxns;

    /** Reads every stored session (to build the expiry index): call it off the event loop. */
    CommandApplier(
            RocksDB db,
            ColumnFamilyHandle kv,
            ColumnFamilyHandle sessions,
            ColumnFamilyHandle meta,
            ColumnFamilyHandle history,
            ColumnFamilyHandle keyIndex,
            Revisions stored,
            long sessionExpiryEntries,
            LeaseStore leases)
            throws RocksDBException {
        this.db = db;
        this.leases = leases;
        this.kv = kv;
        this.history = history;
        this.sessions = sessions;
        this.meta = meta;
        this.sessionExpiryEntries = sessionExpiryEntries;
        this.revisions = new RevisionTracker(history, keyIndex, meta, stored);
        this.keys = new LiveKeys(db, kv, history, keyVersions, leases, revisions);
        this.nestedTxns = new NestedTxnApplier(keys, db, kv, history, keyIndex, leases, keyVersions, revisions);
        loadExpiryIndex();
        byte[] storedAlarms = db.get(meta, AlarmRecord.KEY);
        this.writtenAlarms = storedAlarms == null ? ActiveAlarms.NONE : AlarmRecord.decode(storedAlarms);
        this.alarms = writtenAlarms;
    }

    /** The alarms active as of the applied index: any thread. */
    ActiveAlarms alarms() {
        return writtenAlarms;
    }

    /** Reads every stored session's last use into {@link #expiryIndex}. */
    private void loadExpiryIndex() throws RocksDBException {
        try (ReadOptions ro = new ReadOptions().setVerifyChecksums(true);
                RocksIterator it = db.newIterator(sessions, ro)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                long clientId = StateRecords.clientIdOfSessionKey(it.key());
                expiryIndex.load(
                        clientId,
                        StateRecords.decodeSession(clientId, it.value()).lastUsedIndex());
            }
            it.status();
        }
    }

    /**
     * Result of one apply call: the answers, the state after them, the revisions after them and
     * the changes they made, in revision order.
     */
    record Outcome(List<ApplyResult> results, AppliedState applied, Revisions revisions, List<KvEvent> events) {}

    /**
     * Applies {@code entries} after {@code before} into {@code batch}, including the new applied
     * state. Entries at or below {@code before.index()} are answered {@link Status#NO_OP} and skipped.
     *
     * @throws IllegalArgumentException if an entry leaves a gap after the applied index
     */
    Outcome apply(List<Entry> entries, Map<Long, ConfState> confStates, AppliedState before, WriteBatchWithIndex batch)
            throws RocksDBException {
        List<ApplyResult> results = new ArrayList<>(entries.size());
        AppliedState applied = before;
        // Left by a batch that was built but never written (it failed half-way).
        sessionCache.discardStaged();
        expiryIndex.discardStaged();
        keyVersions.discardStaged();
        leases.discardStaged();
        alarms = writtenAlarms;
        revisions.beginBatch();
        try (ReadOptions ro = new ReadOptions().setVerifyChecksums(true)) {
            for (Entry e : entries) {
                if (e.index() <= applied.index()) {
                    results.add(ApplyResult.noOp(e.index(), revisions.staged().current()));
                    continue;
                }
                if (e.index() != applied.index() + 1) {
                    throw new IllegalArgumentException(
                            "entry #" + e.index() + " does not follow applied index " + applied.index());
                }
                ConfState conf = applied.confState();
                revisions.beginEntry();
                if (e.type() == EntryType.CONF_CHANGE) {
                    conf = confStates.get(e.index());
                    results.add(ApplyResult.noOp(e.index(), revisions.revision()));
                } else if (e.data().length == 0) {
                    results.add(ApplyResult.noOp(e.index(), revisions.revision()));
                } else {
                    results.add(applyCommand(e.index(), e.data(), batch, ro));
                }
                revisions.endEntry();
                applied = new AppliedState(e.index(), e.term(), conf);
            }
            if (applied.index() > before.index()) {
                sweepExpiredSessions(applied.index(), batch);
                revisions.finishBatch(batch);
                batch.put(meta, StateRecords.APPLIED_KEY, StateRecords.encodeApplied(applied));
            }
        }
        return new Outcome(results, applied, revisions.staged(), revisions.events());
    }

    private ApplyResult applyCommand(long index, byte[] data, WriteBatchWithIndex batch, ReadOptions ro)
            throws RocksDBException {
        Command cmd;
        try {
            cmd = CommandCodec.decode(data);
        } catch (MalformedCommandException e) {
            return ApplyResult.rejected(index, revisions.revision(), "malformed command: " + e.getMessage());
        }
        AlarmType refusing = alarms.refusing(cmd.operation());
        if (cmd.session() == null) {
            return refusing != null
                    ? ApplyResult.refusedByAlarm(index, revisions.revision(), refusing)
                    : execute(index, cmd, batch, ro);
        }
        long clientId = cmd.session().clientId();
        long seq = cmd.session().sequence();
        // The stored record may have expired without having been swept yet (sweeps run at the end of
        // an apply call): then the client starts over, and the new record takes the old one's place.
        Session stored = readStoredSession(clientId, ro);
        Session s = stored == null || index - stored.lastUsedIndex() > sessionExpiryEntries ? null : stored;
        ApplyResult result;
        if (s == null && seq != 1) {
            result = ApplyResult.rejected(
                    index,
                    revisions.revision(),
                    "session of client " + clientId + " is unknown or expired; start a new session at sequence 1");
            return result;
        } else if (s != null && seq == s.lastSequence()) {
            result = s.lastResult().asDuplicateAt(index);
            writeSession(new Session(clientId, seq, index, s.lastResult()), s, batch);
            return result;
        } else if (s != null && seq < s.lastSequence()) {
            return ApplyResult.rejected(
                    index,
                    revisions.revision(),
                    "sequence " + seq + " of client " + clientId + " is older than its last request "
                            + s.lastSequence());
        }
        if (refusing != null) {
            // Changed nothing: the session is not advanced, so the request can be retried once cleared.
            return ApplyResult.refusedByAlarm(index, revisions.revision(), refusing);
        }
        result = execute(index, cmd, batch, ro);
        if (result.status() == Status.READ_LIMIT_EXCEEDED || result.status() == Status.LEASE_NOT_FOUND) {
            // Changed nothing, like a rejection: the session is not advanced, so the sequence number
            // stays usable and a retry is evaluated afresh (with the same, deterministic, outcome).
            return result;
        }
        writeSession(new Session(clientId, seq, index, result), stored, batch);
        return result;
    }

    private ApplyResult execute(long index, Command cmd, WriteBatchWithIndex batch, ReadOptions ro)
            throws RocksDBException {
        Operation op = cmd.operation();
        if (op instanceof Put p) {
            if (p.lease() != 0 && !leases.exists(p.lease())) {
                return ApplyResult.leaseNotFound(index, revisions.revision(), p.lease());
            }
            LiveKeys.Written w = keys.put(p, cmd.returnPrevious(), batch, ro);
            leases.attach(p.key(), p.lease(), batch);
            return ApplyResult.appliedPut(
                    index, revisions.revision(), w.current(), cmd.returnPrevious() ? w.previous() : null);
        }
        if (op instanceof Delete d) {
            KeyValue prev = keys.delete(d.key(), batch, ro);
            return ApplyResult.applied(index, revisions.revision(), prev);
        }
        if (op instanceof CompareAndSet c) {
            KeyValue current = keys.readKv(c.key(), batch, ro);
            if (!holds(c.expected(), current)) {
                return ApplyResult.compareFailed(index, revisions.revision(), current);
            }
            if (c.newValue() == null) {
                KeyValue prev = keys.delete(c.key(), batch, ro);
                return ApplyResult.applied(index, revisions.revision(), prev);
            }
            KeyValue written = keys.write(c.key(), c.newValue(), 0, current, batch);
            leases.attach(c.key(), 0, batch);
            return ApplyResult.applied(index, revisions.revision(), written);
        }
        if (op instanceof LeaseGrant g) {
            if (leases.exists(g.id())) {
                return ApplyResult.rejected(index, revisions.revision(), "lease already exists (lease " + g.id() + ")");
            }
            leases.grant(g.id(), g.ttlSeconds(), index, batch);
            return ApplyResult.applied(index, revisions.revision(), null);
        }
        if (op instanceof LeaseRevoke r) {
            return revoke(index, r, batch, ro);
        }
        if (op instanceof Command.Alarm a) {
            return applyAlarm(index, a, batch);
        }
        if (op instanceof Command.HashCheck) {
            return ApplyResult.applied(index, revisions.revision(), null);
        }
        if (op instanceof Compact c) {
            return compact(index, c);
        }
        if (op instanceof NestedTxn t) {
            return nestedTxns.apply(index, t, batch, ro);
        }
        return executeTxn(index, (Txn) op, batch, ro);
    }

    /** Raises or clears an alarm; the record is written only when the set changes. */
    private ApplyResult applyAlarm(long index, Command.Alarm a, WriteBatchWithIndex batch) throws RocksDBException {
        ActiveAlarms next;
        if (a.action() == Command.AlarmAction.ACTIVATE) {
            ActiveAlarms.Alarm alarm = new ActiveAlarms.Alarm(a.type(), a.memberId());
            if (!alarms.hasRoomFor(alarm)) {
                return ApplyResult.rejected(index, revisions.revision(), "too many active alarms");
            }
            next = alarms.with(alarm);
        } else {
            next = alarms.without(a.type(), a.memberId());
        }
        if (!next.equals(alarms)) {
            alarms = next;
            batch.put(meta, AlarmRecord.KEY, AlarmRecord.encode(next));
        }
        return ApplyResult.applied(index, revisions.revision(), null);
    }

    /**
     * Deletes every key attached to the lease, then the lease, all at this one entry; the result
     * carries one {@link ApplyResult.DeleteOutcome} per key deleted. An expiry of a lease that is
     * gone already (revoked meanwhile) is a no-op; a client's revoke of an unknown lease is
     * {@link Status#LEASE_NOT_FOUND}.
     */
    private ApplyResult revoke(long index, LeaseRevoke r, WriteBatchWithIndex batch, ReadOptions ro)
            throws RocksDBException {
        if (!leases.exists(r.id())) {
            return r.expired()
                    ? ApplyResult.noOp(index, revisions.revision())
                    : ApplyResult.leaseNotFound(index, revisions.revision(), r.id());
        }
        List<ApplyResult.TxnOpResult> deleted = new ArrayList<>();
        for (byte[] key : leases.keysOf(r.id())) {
            keys.delete(key, batch, ro);
            deleted.add(new ApplyResult.DeleteOutcome(true));
        }
        leases.remove(r.id(), batch);
        return ApplyResult.txn(index, revisions.revision(), true, deleted);
    }

    /**
     * Moves the compact revision; the old versions are deleted later, in the background
     * ({@link HistoryCompactor}). Refused beyond the store's revision or at or below the current
     * compact revision, changing nothing.
     */
    private ApplyResult compact(long index, Compact c) {
        Revisions r = revisions.staged();
        if (c.revision() > r.current()) {
            return ApplyResult.rejected(
                    index,
                    r.current(),
                    "compact revision " + c.revision() + " is beyond the store's revision " + r.current());
        }
        if (c.revision() <= r.compacted()) {
            return ApplyResult.rejected(
                    index,
                    r.current(),
                    "revision " + c.revision() + " is already compacted (compact revision " + r.compacted() + ")");
        }
        revisions.compact(c.revision());
        return ApplyResult.applied(index, r.current(), null);
    }

    /**
     * Evaluates every compare against the state before the transaction, then runs one branch in
     * order; each op sees the ops before it (the batch is indexed). If the branch's gets would
     * return more than {@link Command#MAX_TXN_READ_BYTES}, its writes are rolled back to the save
     * point taken before it, so the transaction changes nothing, identically on every replica.
     */
    private ApplyResult executeTxn(long index, Txn t, WriteBatchWithIndex batch, ReadOptions ro)
            throws RocksDBException {
        boolean ok = true;
        for (Compare cmp : t.compares()) {
            ok &= holds(cmp.expected(), keys.readKv(cmp.key(), batch, ro));
        }
        List<TxnOp> branch = ok ? t.onSuccess() : t.onFailure();
        for (TxnOp txnOp : branch) {
            if (txnOp instanceof Put p && p.lease() != 0 && !leases.exists(p.lease())) {
                return ApplyResult.leaseNotFound(index, revisions.revision(), p.lease());
            }
        }
        int leaseMark = leases.mark();
        List<ApplyResult.TxnOpResult> results = new ArrayList<>(branch.size());
        long readBytes = 0;
        batch.setSavePoint();
        RevisionTracker.Mark mark = revisions.mark();
        for (TxnOp txnOp : branch) {
            if (txnOp instanceof Put p) {
                keys.write(p.key(), p.value(), p.lease(), keys.readMeta(p.key(), batch, ro), batch);
                leases.attach(p.key(), p.lease(), batch);
                // A rollback to the save point may undo it: the cache cannot follow.
                keyVersions.stageUnknown(p.key());
                results.add(new ApplyResult.PutOutcome());
            } else if (txnOp instanceof Delete d) {
                results.add(new ApplyResult.DeleteOutcome(keys.delete(d.key(), batch, ro) != null));
            } else if (txnOp instanceof DeleteRange d) {
                ApplyResult.DeleteRangeOutcome out =
                        keys.deleteRange(d, Command.MAX_TXN_READ_BYTES - readBytes, batch, ro);
                if (out == null) {
                    batch.rollbackToSavePoint();
                    leases.rollback(leaseMark);
                    revisions.rollbackTo(mark);
                    return ApplyResult.readLimitExceeded(
                            index,
                            revisions.revision(),
                            "a delete range matches more than "
                                    + Command.MAX_DELETE_RANGE_KEYS
                                    + " keys, or the deleted key-values it should return"
                                    + " exceed " + Command.MAX_TXN_READ_BYTES + " bytes; nothing was changed. Delete in"
                                    + " smaller ranges");
                }
                for (KeyValue kv : out.previous()) {
                    readBytes += kv.key().length + kv.value().length;
                }
                results.add(out);
            } else {
                KeyValue kv = keys.readKv(((Get) txnOp).key(), batch, ro);
                if (kv != null) {
                    readBytes += kv.key().length + kv.value().length;
                }
                if (readBytes > Command.MAX_TXN_READ_BYTES) {
                    batch.rollbackToSavePoint();
                    leases.rollback(leaseMark);
                    revisions.rollbackTo(mark);
                    return ApplyResult.readLimitExceeded(
                            index,
                            revisions.revision(),
                            "the transaction's gets would return more than "
                                    + Command.MAX_TXN_READ_BYTES + " bytes of keys and values; nothing was changed."
                                    + " Read large values with Get or Range");
                }
                results.add(new ApplyResult.GetOutcome(kv));
            }
        }
        batch.popSavePoint();
        return ApplyResult.txn(index, revisions.revision(), ok, results);
    }

    private static boolean holds(Expectation e, KeyValue current) {
        if (e instanceof Absent) {
            return current == null;
        }
        if (e instanceof ValueEquals v) {
            return current != null && Arrays.equals(current.value(), v.value());
        }
        if (e instanceof ModRevisionEquals m) {
            return current != null && current.modRevision() == m.modRevision();
        }
        if (e instanceof ValueCompared v) {
            return current != null && v.op().holds(Arrays.compareUnsigned(current.value(), v.value()));
        }
        Compared c = (Compared) e;
        long actual = current == null
                ? 0
                : switch (c.field()) {
                    case VERSION -> current.version();
                    case CREATE_REVISION -> current.createRevision();
                    case MOD_REVISION -> current.modRevision();
                    case LEASE -> current.lease();
                };
        return c.op().holds(Long.compare(actual, c.number()));
    }

    /** The client's stored session, expired or not: the batch being built included. */
    private Session readStoredSession(long clientId, ReadOptions ro) throws RocksDBException {
        Optional<Session> known = sessionCache.lookup(clientId);
        if (known != null) {
            return known.orElse(null);
        }
        // Not staged, so the batch holds no write of this session: the database has it.
        byte[] stored = db.get(sessions, ro, StateRecords.sessionKey(clientId));
        if (stored == null) {
            return null;
        }
        Session s = StateRecords.decodeSession(clientId, stored);
        sessionCache.loaded(s, stored.length);
        return s;
    }

    /**
     * Stores {@code next}; {@code prevOrNull} is the record it replaces (expired or not), whose place
     * in the expiry index it takes, so that no later sweep takes the new session for the old one.
     */
    private void writeSession(Session next, Session prevOrNull, WriteBatchWithIndex batch) throws RocksDBException {
        byte[] record = StateRecords.encodeSession(next);
        batch.put(sessions, StateRecords.sessionKey(next.clientId()), record);
        sessionCache.stageWrite(next, record.length);
        expiryIndex.used(next.clientId(), prevOrNull == null ? -1 : prevOrNull.lastUsedIndex(), next.lastUsedIndex());
    }

    /** The batch {@link #apply} built was written to the database. */
    void batchWritten() {
        sessionCache.batchWritten();
        expiryIndex.batchWritten();
        keyVersions.batchWritten();
        leases.batchWritten();
        writtenAlarms = alarms;
        revisions.batchWritten();
    }

    /** id → granted TTL of every lease in the written state; any thread. */
    Map<Long, Long> leases() {
        return leases.published();
    }

    /** The revisions as stored (after the last written batch). */
    Revisions revisions() {
        return revisions.committed();
    }

    SessionCache sessionCache() {
        return sessionCache;
    }

    KeyVersionCache keyVersions() {
        return keyVersions;
    }

    /**
     * Deletes every session expired at {@code index}: those last used more than
     * {@code sessionExpiryEntries} entries before it. Runs at the end of every apply call, so the
     * stored sessions after applying up to an index depend only on that index, not on where batches
     * were cut.
     */
    private void sweepExpiredSessions(long index, WriteBatchWithIndex batch) throws RocksDBException {
        long lastUsedLimit = index - sessionExpiryEntries;
        if (lastUsedLimit <= 0) {
            return;
        }
        for (long clientId : expiryIndex.removeLastUsedBelow(lastUsedLimit)) {
            batch.delete(sessions, StateRecords.sessionKey(clientId));
            sessionCache.stageDelete(clientId);
        }
    }
}
