package io.raftkv.node.storage;

import io.raftkv.node.kv.ApplyResult;
import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.KeyRead;
import io.raftkv.node.kv.KeyValue;
import io.raftkv.node.kv.NestedTxn;
import io.raftkv.node.kv.NestedTxn.Answer;
import io.raftkv.node.kv.NestedTxn.Op;
import io.raftkv.node.kv.RangeResult;
import io.raftkv.node.kv.RevisionUnavailableException;
import io.raftkv.node.kv.Revisions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatchWithIndex;

/**
 * Applies a {@link NestedTxn} (an etcd Txn) inside one entry, as etcd's {@code applierV3backend.Txn}
 * does:
 * <ol>
 *   <li>the path: every compare of the transaction, and of each nested transaction on the chosen
 *       branches, against the state before the transaction;</li>
 *   <li>the checks on that path, against the same state: a put's lease must exist, a put that
 *       keeps the value or lease needs the key, a range's own revision must be neither compacted
 *       nor after the state ({@code future revision}); a failed check changes nothing;</li>
 *   <li>the ops in order, each seeing the ones before it: writes at the entry's revision, ranges
 *       read through the batch being built (the entry's earlier writes and the batch's earlier
 *       entries included), at the transaction's point or at their own past revision.</li>
 * </ol>
 * The reads of one transaction are bounded ({@link NestedTxn#MAX_VISITED_KEYS},
 * {@link Command#MAX_TXN_READ_BYTES}); past the bound everything is rolled back to the save point
 * and the entry answers {@link ApplyResult.Status#READ_LIMIT_EXCEEDED}, identically everywhere.
 */
final class NestedTxnApplier {
    private final LiveKeys applier;
    private final RocksDB db;
    private final ColumnFamilyHandle kv;
    private final ColumnFamilyHandle history;
    private final ColumnFamilyHandle keyIndex;
    private final LeaseStore leases;
    private final KeyVersionCache keyVersions;
    private final RevisionTracker revisions;

    NestedTxnApplier(
            LiveKeys applier,
            RocksDB db,
            ColumnFamilyHandle kv,
            ColumnFamilyHandle history,
            ColumnFamilyHandle keyIndex,
            LeaseStore leases,
            KeyVersionCache keyVersions,
            RevisionTracker revisions) {
        this.applier = applier;
        this.db = db;
        this.kv = kv;
        this.history = history;
        this.keyIndex = keyIndex;
        this.leases = leases;
        this.keyVersions = keyVersions;
        this.revisions = revisions;
    }

    /** Which branch each transaction of the chosen path takes; {@code nested} in op order. */
    private record Path(boolean succeeded, List<Path> nested) {}

    /** The transaction went past its read bound: everything is undone. */
    private static final class OverBudget extends Exception {
        OverBudget(String message) {
            super(message, null, false, false);
        }
    }

    /** The transaction cannot run (a check failed late): everything is undone, REJECTED. */
    private static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /** What the transaction's reads may still visit and hold. */
    private static final class Budget {
        long visits = NestedTxn.MAX_VISITED_KEYS;
        long bytes = Command.MAX_TXN_READ_BYTES;

        void visited(long keys) throws OverBudget {
            visits -= keys;
            if (visits < 0) {
                throw tooMany();
            }
        }

        void held(List<KeyValue> kvs) throws OverBudget {
            for (KeyValue x : kvs) {
                held(x);
            }
        }

        void held(KeyValue x) throws OverBudget {
            if (x != null) {
                bytes -= x.key().length + x.value().length;
                if (bytes < 0) {
                    throw tooMany();
                }
            }
        }

        OverBudget tooMany() {
            return new OverBudget("the transaction's ranges and compares visit more than " + NestedTxn.MAX_VISITED_KEYS
                    + " keys or return more than " + Command.MAX_TXN_READ_BYTES + " bytes of keys and values;"
                    + " nothing was changed. Read large ranges with Range");
        }
    }

    ApplyResult apply(long index, NestedTxn t, WriteBatchWithIndex batch, ReadOptions ro) throws RocksDBException {
        Budget budget = new Budget();
        long begin = revisions.revision();
        Path path;
        try {
            path = path(t, batch, ro, budget);
        } catch (OverBudget e) {
            return ApplyResult.readLimitExceeded(index, begin, e.getMessage());
        }
        ApplyResult refused = checkPuts(index, t, path, batch, ro);
        if (refused == null) {
            refused = checkRanges(index, t, path, begin);
        }
        if (refused != null) {
            return refused;
        }
        int leaseMark = leases.mark();
        batch.setSavePoint();
        RevisionTracker.Mark mark = revisions.mark();
        try {
            List<Answer> answers = run(t, path, batch, ro, budget);
            batch.popSavePoint();
            return ApplyResult.txn(index, revisions.revision(), path.succeeded(), List.copyOf(answers));
        } catch (OverBudget | Refused e) {
            batch.rollbackToSavePoint();
            leases.rollback(leaseMark);
            revisions.rollbackTo(mark);
            return e instanceof OverBudget
                    ? ApplyResult.readLimitExceeded(index, revisions.revision(), e.getMessage())
                    : ApplyResult.rejected(index, revisions.revision(), e.getMessage());
        }
    }

    private Path path(NestedTxn t, WriteBatchWithIndex batch, ReadOptions ro, Budget budget)
            throws RocksDBException, OverBudget {
        boolean ok = true;
        for (NestedTxn.Compare c : t.compares()) {
            if (!holds(c, batch, ro, budget)) {
                ok = false;
                break;
            }
        }
        List<Path> nested = new ArrayList<>();
        for (Op op : ok ? t.success() : t.failure()) {
            if (op instanceof NestedTxn.Nested n) {
                nested.add(path(n.txn(), batch, ro, budget));
            }
        }
        return new Path(ok, nested);
    }

    private boolean holds(NestedTxn.Compare c, WriteBatchWithIndex batch, ReadOptions ro, Budget budget)
            throws RocksDBException, OverBudget {
        if (NestedTxn.singleKey(c.end())) {
            return c.holds(applier.readKv(c.key(), batch, ro));
        }
        if (NestedTxn.emptyInterval(c.key(), c.end())) {
            return c.holds(null);
        }
        List<KeyValue> all = readAll(
                c.key(),
                NestedTxn.exclusiveEnd(c.key(), c.end()),
                0,
                c.target() != NestedTxn.Target.VALUE,
                batch,
                ro,
                budget);
        if (all.isEmpty()) {
            return c.holds(null);
        }
        for (KeyValue x : all) {
            if (!c.holds(x)) {
                return false;
            }
        }
        return true;
    }

    /** etcd's checkPut on the chosen path: lease exists; ignore_value/ignore_lease needs the key. */
    private ApplyResult checkPuts(long index, NestedTxn t, Path path, WriteBatchWithIndex batch, ReadOptions ro)
            throws RocksDBException {
        int n = 0;
        for (Op op : path.succeeded() ? t.success() : t.failure()) {
            if (op instanceof NestedTxn.Put p) {
                if ((p.ignoreValue() || p.ignoreLease()) && applier.readMeta(p.key(), batch, ro) == null) {
                    return ApplyResult.rejected(index, revisions.revision(), NestedTxn.KEY_NOT_FOUND);
                }
                if (p.lease() != 0 && !leases.exists(p.lease())) {
                    return ApplyResult.leaseNotFound(index, revisions.revision(), p.lease());
                }
            } else if (op instanceof NestedTxn.Nested nested) {
                ApplyResult r = checkPuts(index, nested.txn(), path.nested().get(n++), batch, ro);
                if (r != null) {
                    return r;
                }
            }
        }
        return null;
    }

    /** etcd's checkRange on the chosen path, against the revision before the transaction. */
    private ApplyResult checkRanges(long index, NestedTxn t, Path path, long begin) {
        int n = 0;
        for (Op op : path.succeeded() ? t.success() : t.failure()) {
            if (op instanceof NestedTxn.Range r && r.revision() != 0) {
                if (r.revision() > begin) {
                    return ApplyResult.rejected(index, begin, NestedTxn.FUTURE_REVISION);
                }
                if (r.revision() < revisions.staged().compacted()) {
                    return ApplyResult.rejected(index, begin, NestedTxn.COMPACTED);
                }
            } else if (op instanceof NestedTxn.Nested nested) {
                ApplyResult r = checkRanges(index, nested.txn(), path.nested().get(n++), begin);
                if (r != null) {
                    return r;
                }
            }
        }
        return null;
    }

    private List<Answer> run(NestedTxn t, Path path, WriteBatchWithIndex batch, ReadOptions ro, Budget budget)
            throws RocksDBException, OverBudget, Refused {
        List<Op> ops = path.succeeded() ? t.success() : t.failure();
        List<Answer> answers = new ArrayList<>(ops.size());
        int n = 0;
        for (Op op : ops) {
            if (op instanceof NestedTxn.Range r) {
                answers.add(range(r, batch, ro, budget));
            } else if (op instanceof NestedTxn.Put p) {
                answers.add(put(p, batch, ro, budget));
            } else if (op instanceof NestedTxn.DeleteRange d) {
                answers.add(delete(d, batch, ro, budget));
            } else {
                Path nested = path.nested().get(n++);
                answers.add(new NestedTxn.TxnAnswer(
                        nested.succeeded(), run(((NestedTxn.Nested) op).txn(), nested, batch, ro, budget)));
            }
        }
        return answers;
    }

    private NestedTxn.PutAnswer put(NestedTxn.Put p, WriteBatchWithIndex batch, ReadOptions ro, Budget budget)
            throws RocksDBException, OverBudget, Refused {
        KeyValue prev = applier.readKv(p.key(), batch, ro);
        if ((p.ignoreValue() || p.ignoreLease()) && prev == null) {
            throw new Refused(NestedTxn.KEY_NOT_FOUND);
        }
        byte[] value = p.ignoreValue() ? prev.value() : p.value();
        long lease = p.ignoreLease() ? prev.lease() : p.lease();
        applier.write(p.key(), value, lease, prev, batch);
        leases.attach(p.key(), lease, batch);
        // A rollback to the save point may undo it: the cache cannot follow.
        keyVersions.stageUnknown(p.key());
        if (p.prevKv()) {
            budget.held(prev);
        }
        return new NestedTxn.PutAnswer(revisions.entryRevision(), p.prevKv() ? prev : null);
    }

    private NestedTxn.DeleteAnswer delete(
            NestedTxn.DeleteRange d, WriteBatchWithIndex batch, ReadOptions ro, Budget budget)
            throws RocksDBException, OverBudget {
        if (NestedTxn.singleKey(d.end())) {
            KeyValue prev = applier.delete(d.key(), batch, ro);
            if (d.prevKv()) {
                budget.held(prev);
            }
            return new NestedTxn.DeleteAnswer(
                    revisions.revision(), prev == null ? 0 : 1, d.prevKv() && prev != null ? List.of(prev) : List.of());
        }
        if (NestedTxn.emptyInterval(d.key(), d.end())) {
            return new NestedTxn.DeleteAnswer(revisions.revision(), 0, List.of());
        }
        ApplyResult.DeleteRangeOutcome out = applier.deleteRange(
                new Command.DeleteRange(d.key(), NestedTxn.exclusiveEnd(d.key(), d.end()), d.prevKv()),
                budget.bytes,
                batch,
                ro);
        if (out == null) {
            throw new OverBudget("a delete range matches more than " + Command.MAX_DELETE_RANGE_KEYS
                    + " keys, or the deleted key-values it should return exceed the transaction's "
                    + Command.MAX_TXN_READ_BYTES + " bytes; nothing was changed. Delete in smaller ranges");
        }
        budget.held(out.previous());
        return new NestedTxn.DeleteAnswer(revisions.revision(), out.deleted(), out.previous());
    }

    /** etcd's Range inside a transaction: at this point of it, or at its own (past) revision. */
    private NestedTxn.RangeAnswer range(NestedTxn.Range r, WriteBatchWithIndex batch, ReadOptions ro, Budget budget)
            throws RocksDBException, OverBudget, Refused {
        long now = revisions.revision();
        long at = r.revision() == 0 ? now : r.revision();
        HistoryReader reader = reader(batch, ro, now);
        try {
            if (NestedTxn.singleKey(r.end())) {
                KeyRead read = reader.get(r.key(), at);
                Optional<KeyValue> found = read.kv();
                budget.visited(found.isPresent() ? 1 : 0);
                if (r.countOnly()) {
                    return new NestedTxn.RangeAnswer(now, List.of(), found.isPresent() ? 1 : 0, false);
                }
                NestedTxn.Selection s = r.select(found.map(List::of).orElse(List.of()));
                List<KeyValue> kvs = r.keysOnly() ? withoutValues(s.kvs()) : s.kvs();
                budget.held(kvs);
                return new NestedTxn.RangeAnswer(now, kvs, found.isPresent() ? 1 : 0, s.more());
            }
            if (NestedTxn.emptyInterval(r.key(), r.end())) {
                return new NestedTxn.RangeAnswer(now, List.of(), 0, false);
            }
            byte[] end = NestedTxn.exclusiveEnd(r.key(), r.end());
            if (r.countOnly()) {
                RangeResult counted = reader.range(r.key(), end, at, 1, budget.bytes, true, true, budget.visits);
                if (counted == null) {
                    throw budget.tooMany();
                }
                budget.visited(counted.count());
                return new NestedTxn.RangeAnswer(now, List.of(), counted.count(), false);
            }
            if (r.readsAll()) {
                RangeResult all = reader.range(
                        r.key(),
                        end,
                        at,
                        (int) Math.max(1, budget.visits),
                        budget.bytes,
                        !r.needsValues(),
                        false,
                        budget.visits);
                if (all == null || all.more()) {
                    throw budget.tooMany();
                }
                budget.visited(all.count());
                budget.held(all.keyValues());
                NestedTxn.Selection s = r.select(all.keyValues());
                List<KeyValue> kvs = r.keysOnly() ? withoutValues(s.kvs()) : s.kvs();
                return new NestedTxn.RangeAnswer(now, kvs, all.count(), s.more());
            }
            int want = (int) Math.max(1, r.limit() == 0 ? budget.visits : Math.min(r.limit(), budget.visits));
            RangeResult page = reader.range(r.key(), end, at, want, budget.bytes, r.keysOnly(), false, budget.visits);
            if (page == null
                    || page.keyValues().size() < (r.limit() > 0 ? Math.min(r.limit(), page.count()) : page.count())) {
                throw budget.tooMany();
            }
            budget.visited(page.count());
            budget.held(page.keyValues());
            return new NestedTxn.RangeAnswer(
                    now,
                    page.keyValues(),
                    page.count(),
                    page.count() > page.keyValues().size());
        } catch (RevisionUnavailableException e) {
            // Checked before the transaction ran, so this does not happen; refuse rather than guess.
            throw new Refused(e.getMessage());
        }
    }

    private static List<KeyValue> withoutValues(List<KeyValue> kvs) {
        List<KeyValue> out = new ArrayList<>(kvs.size());
        for (KeyValue x : kvs) {
            out.add(x.withoutValue());
        }
        return out;
    }

    /** Every key-value of {@code [start, end)} at {@code at} (0: now), within the budget. */
    private List<KeyValue> readAll(
            byte[] start,
            byte[] end,
            long at,
            boolean keysOnly,
            WriteBatchWithIndex batch,
            ReadOptions ro,
            Budget budget)
            throws RocksDBException, OverBudget {
        RangeResult all = reader(batch, ro, revisions.revision())
                .range(start, end, at, (int) Math.max(1, budget.visits), budget.bytes, keysOnly, false, budget.visits);
        if (all == null || all.more()) {
            throw budget.tooMany();
        }
        budget.visited(all.count());
        budget.held(all.keyValues());
        return all.keyValues();
    }

    /** Reads through the batch being built, over the database, as of revision {@code now}. */
    private HistoryReader reader(WriteBatchWithIndex batch, ReadOptions ro, long now) {
        HistoryReader.Source source = new HistoryReader.Source() {
            @Override
            public RocksIterator iterator(ColumnFamilyHandle cf, ReadOptions options) {
                return batch.newIteratorWithBase(cf, db.newIterator(cf, options), options);
            }

            @Override
            public byte[] get(ColumnFamilyHandle cf, ReadOptions options, byte[] key) throws RocksDBException {
                return batch.getFromBatchAndDB(db, cf, options, key);
            }
        };
        return new HistoryReader(
                source,
                kv,
                history,
                keyIndex,
                ro,
                new Revisions(now, revisions.staged().compacted()));
    }
}
