package io.raftkv.node.storage;

import io.raftkv.node.kv.KeyValue;
import io.raftkv.node.kv.KvEvent;
import io.raftkv.node.kv.Revisions;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatchWithIndex;

/**
 * The apply thread's revision bookkeeping ({@link Revisions}): numbers the changes of each entry,
 * writes them to the history families of the batch being built and collects them as
 * {@link KvEvent}s for watchers. An entry takes the next revision only if it records a change.
 * Only the apply thread touches it.
 */
final class RevisionTracker {
    private static final byte[] EMPTY = new byte[0];

    private final ColumnFamilyHandle history;
    private final ColumnFamilyHandle keyIndex;
    private final ColumnFamilyHandle meta;
    /** As stored in the database. */
    private Revisions committed;
    /** Including the batch being built. */
    private Revisions staged;

    private long entryRevision;
    private int sub;
    private final List<KvEvent> events = new ArrayList<>();

    RevisionTracker(
            ColumnFamilyHandle history, ColumnFamilyHandle keyIndex, ColumnFamilyHandle meta, Revisions stored) {
        this.history = history;
        this.keyIndex = keyIndex;
        this.meta = meta;
        this.committed = stored;
        this.staged = stored;
    }

    /** A position to roll back to (a transaction branch that is undone). */
    record Mark(int sub, int events) {}

    void beginBatch() {
        staged = committed;
        events.clear();
    }

    void beginEntry() {
        entryRevision = staged.current() + 1;
        sub = 0;
    }

    /** The revision the next change of the current entry gets. */
    long entryRevision() {
        return entryRevision;
    }

    /** The sub-revision the next change of the current entry gets. */
    int nextSub() {
        return sub;
    }

    /** The store's revision as the current entry sees it so far. */
    long revision() {
        return sub > 0 ? entryRevision : staged.current();
    }

    Revisions staged() {
        return staged;
    }

    void endEntry() {
        if (sub > 0) {
            staged = new Revisions(entryRevision, staged.compacted());
        }
    }

    /** Records {@code kv} (written at {@link #entryRevision()}) as a PUT. */
    void recordPut(KeyValue kv, WriteBatchWithIndex batch) throws RocksDBException {
        record(new KvEvent(KvEvent.Type.PUT, kv, sub), batch);
    }

    /** Records the deletion of {@code key} at {@link #entryRevision()}. */
    void recordDelete(byte[] key, WriteBatchWithIndex batch) throws RocksDBException {
        record(KvEvent.deletion(key, entryRevision, sub), batch);
    }

    private void record(KvEvent e, WriteBatchWithIndex batch) throws RocksDBException {
        batch.put(history, MvccRecords.revKey(entryRevision, e.subRevision()), MvccRecords.encodeEvent(e));
        byte[] indexKey = MvccRecords.indexKey(e.kv().key(), entryRevision, e.subRevision());
        batch.put(keyIndex, indexKey, ChecksummedRecord.seal(indexKey, EMPTY));
        events.add(e);
        sub++;
    }

    Mark mark() {
        return new Mark(sub, events.size());
    }

    /** Forgets the changes recorded since {@code m}; the caller rolls the batch back. */
    void rollbackTo(Mark m) {
        sub = m.sub();
        events.subList(m.events(), events.size()).clear();
    }

    void compact(long revision) {
        staged = new Revisions(staged.current(), revision);
    }

    /** Adds the new revisions to the batch if they changed. */
    void finishBatch(WriteBatchWithIndex batch) throws RocksDBException {
        if (!staged.equals(committed)) {
            batch.put(meta, MvccRecords.REVISIONS_KEY, MvccRecords.encodeRevisions(staged));
        }
    }

    /** The changes of the batch being built, in revision order. */
    List<KvEvent> events() {
        return List.copyOf(events);
    }

    void batchWritten() {
        committed = staged;
        events.clear();
    }

    Revisions committed() {
        return committed;
    }
}
