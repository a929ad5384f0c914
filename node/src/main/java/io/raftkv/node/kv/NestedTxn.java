package io.raftkv.node.kv;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * An etcd v3 transaction as one replicated command, applied whole at one revision by
 * {@code NestedTxnApplier} with etcd's rules (its {@code applierV3backend.Txn}): every compare of the
 * transaction and of the nested transactions on the chosen path is evaluated against the state
 * before the transaction; then the chosen ops run in order, each seeing the ops before it. Ranges
 * (over a key range, at a revision, filtered, sorted, limited) are read inside the apply, so their
 * answers are exactly the state at that point of the transaction.
 *
 * <p>Key intervals use etcd's encoding: {@code end} empty is the one key, {@code end = {0}} is
 * every key from {@code key} on, otherwise {@code [key, end)} (an {@code end} at or before
 * {@code key} is an empty range).
 *
 * <p>Bounds (part of the replicated protocol, identical on every replica): per branch
 * {@link Command#MAX_TXN_OPS} ops and {@link Command#MAX_TXN_COMPARES} compares, at most
 * {@link #MAX_DEPTH} levels and {@link #MAX_NODES} compares plus ops in the whole tree; at apply
 * time the ranges and range compares of one transaction visit at most {@link #MAX_VISITED_KEYS}
 * keys and hold at most {@link Command#MAX_TXN_READ_BYTES} bytes, else the transaction changes
 * nothing ({@link ApplyResult.Status#READ_LIMIT_EXCEEDED}). Never carries a session: etcd clients
 * have none, and the answer is not stored.
 */
public record NestedTxn(List<Compare> compares, List<Op> success, List<Op> failure) implements Command.Operation {
    /** Deepest nesting (the top transaction is level 1). */
    public static final int MAX_DEPTH = 8;
    /** Most compares plus ops in the whole tree. */
    public static final int MAX_NODES = 1024;
    /** Most keys the ranges and range compares of one transaction may visit. */
    public static final int MAX_VISITED_KEYS = 10_000;

    /** {@link ApplyResult#reason()} of a Range at a compacted revision (etcd's text). */
    public static final String COMPACTED = "mvcc: required revision has been compacted";
    /** {@link ApplyResult#reason()} of a Range at a revision after the transaction's start. */
    public static final String FUTURE_REVISION = "mvcc: required revision is a future revision";
    /** {@link ApplyResult#reason()} of a Put with ignore_value/ignore_lease on an absent key. */
    public static final String KEY_NOT_FOUND = "etcdserver: key not found";

    public NestedTxn {
        compares = List.copyOf(compares);
        success = List.copyOf(success);
        failure = List.copyOf(failure);
        if (compares.size() > Command.MAX_TXN_COMPARES) {
            throw new IllegalArgumentException(
                    "a transaction has at most " + Command.MAX_TXN_COMPARES + " compares, got " + compares.size());
        }
        if (success.size() > Command.MAX_TXN_OPS || failure.size() > Command.MAX_TXN_OPS) {
            throw new IllegalArgumentException("a transaction branch has at most " + Command.MAX_TXN_OPS
                    + " operations, got " + Math.max(success.size(), failure.size()));
        }
        int depth = 1 + depthBelow(success, failure);
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("transactions nest at most " + MAX_DEPTH + " levels deep, got " + depth);
        }
        int nodes = compares.size() + nodesBelow(success) + nodesBelow(failure);
        if (nodes > MAX_NODES) {
            throw new IllegalArgumentException(
                    "a transaction holds at most " + MAX_NODES + " compares and ops in all, got " + nodes);
        }
    }

    private static int depthBelow(List<Op> a, List<Op> b) {
        int d = 0;
        for (List<Op> ops : List.of(a, b)) {
            for (Op op : ops) {
                if (op instanceof Nested t) {
                    d = Math.max(d, t.txn().depth());
                }
            }
        }
        return d;
    }

    /** Levels of this transaction (1: no nested transaction). */
    public int depth() {
        return 1 + depthBelow(success, failure);
    }

    private static int nodesBelow(List<Op> ops) {
        int n = ops.size();
        for (Op op : ops) {
            if (op instanceof Nested t) {
                n += t.txn().compares.size() + nodesBelow(t.txn().success) + nodesBelow(t.txn().failure);
            }
        }
        return n;
    }

    /** Whether a Put occurs anywhere in the tree (such a transaction may add data). */
    public boolean mayPut() {
        for (List<Op> ops : List.of(success, failure)) {
            for (Op op : ops) {
                if (op instanceof Put || (op instanceof Nested t && t.txn().mayPut())) {
                    return true;
                }
            }
        }
        return false;
    }

    /** One op of a branch. */
    public sealed interface Op permits Range, Put, DeleteRange, Nested {}

    /** A transaction nested in a branch (etcd's RequestOp.request_txn). */
    public record Nested(NestedTxn txn) implements Op {
        public Nested {
            Objects.requireNonNull(txn, "txn");
        }
    }

    /** etcd's compare targets, numbered as in etcd's {@code Compare.CompareTarget}. */
    public enum Target {
        VERSION,
        CREATE,
        MOD,
        VALUE,
        LEASE
    }

    /**
     * {@code key.target OP number} (or {@code value} for {@link Target#VALUE}) over {@code [key, end)}:
     * true when every key of the range satisfies it; an absent key (empty range) compares as zeros,
     * except that a VALUE compare on it is false.
     */
    public record Compare(byte[] key, byte[] end, Target target, Command.CompareOp op, long number, byte[] value) {
        public Compare {
            Command.checkKey(key);
            checkEnd(end);
            Objects.requireNonNull(target, "target");
            Objects.requireNonNull(op, "op");
            if (target == Target.VALUE) {
                Command.checkValue(value);
            } else if (value != null) {
                throw new IllegalArgumentException("only a VALUE compare carries a value");
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Compare c
                    && Arrays.equals(c.key, key)
                    && Arrays.equals(c.end, end)
                    && c.target == target
                    && c.op == op
                    && c.number == number
                    && Arrays.equals(c.value, value);
        }

        @Override
        public int hashCode() {
            return Objects.hash(Arrays.hashCode(key), Arrays.hashCode(end), target, op, number);
        }

        /** Whether {@code kv} (null: absent) satisfies the compare (etcd's compareKV). */
        public boolean holds(KeyValue kv) {
            if (kv == null && target == Target.VALUE) {
                return false;
            }
            int cmp = switch (target) {
                case VALUE -> Arrays.compareUnsigned(kv.value(), value);
                case VERSION -> Long.compare(kv == null ? 0 : kv.version(), number);
                case CREATE -> Long.compare(kv == null ? 0 : kv.createRevision(), number);
                case MOD -> Long.compare(kv == null ? 0 : kv.modRevision(), number);
                case LEASE -> Long.compare(kv == null ? 0 : kv.lease(), number);
            };
            return op.holds(cmp);
        }
    }

    /** etcd's sort order, numbered as in {@code RangeRequest.SortOrder}. */
    public enum SortOrder {
        NONE,
        ASCEND,
        DESCEND
    }

    /** etcd's sort target, numbered as in {@code RangeRequest.SortTarget}. */
    public enum SortTarget {
        KEY,
        VERSION,
        CREATE,
        MOD,
        VALUE
    }

    /**
     * etcd's RangeRequest inside a transaction. {@code revision} 0 reads the state at this point of
     * the transaction; the min/max revision filters are 0 when unset.
     */
    public record Range(
            byte[] key,
            byte[] end,
            long revision,
            long limit,
            SortOrder sortOrder,
            SortTarget sortTarget,
            boolean keysOnly,
            boolean countOnly,
            long minModRevision,
            long maxModRevision,
            long minCreateRevision,
            long maxCreateRevision)
            implements Op {
        public Range {
            Command.checkKey(key);
            checkEnd(end);
            Objects.requireNonNull(sortOrder, "sortOrder");
            Objects.requireNonNull(sortTarget, "sortTarget");
            if (revision < 0 || limit < 0) {
                throw new IllegalArgumentException("revision and limit must be ≥ 0");
            }
        }

        /** A plain range over {@code [key, end)} at the transaction's point. */
        public static Range of(byte[] key, byte[] end) {
            return new Range(key, end, 0, 0, SortOrder.NONE, SortTarget.KEY, false, false, 0, 0, 0, 0);
        }

        /** The effective order: ascending when a target other than KEY is named without an order. */
        public SortOrder effectiveOrder() {
            return sortTarget != SortTarget.KEY && sortOrder == SortOrder.NONE ? SortOrder.ASCEND : sortOrder;
        }

        /** Whether the whole range must be read before the answer is known (etcd reads all, then cuts). */
        public boolean readsAll() {
            SortOrder o = effectiveOrder();
            return o == SortOrder.DESCEND
                    || (o == SortOrder.ASCEND && sortTarget != SortTarget.KEY)
                    || minModRevision != 0
                    || maxModRevision != 0
                    || minCreateRevision != 0
                    || maxCreateRevision != 0;
        }

        /** Whether values must be read (keys_only, unless sorting by value). */
        public boolean needsValues() {
            return !keysOnly || (readsAll() && sortTarget == SortTarget.VALUE);
        }

        /**
         * etcd's post-processing of a range read in full (in key order): the revision filters, the
         * sort (stable: ties keep key order), then the limit.
         *
         * @return the kept key-values and whether the limit cut them
         */
        public Selection select(List<KeyValue> all) {
            List<KeyValue> kept = new ArrayList<>(all.size());
            for (KeyValue kv : all) {
                if (keep(kv)) {
                    kept.add(kv);
                }
            }
            SortOrder o = effectiveOrder();
            if (o != SortOrder.NONE) {
                Comparator<KeyValue> c = comparator(sortTarget);
                kept.sort(o == SortOrder.DESCEND ? c.reversed() : c);
            }
            boolean more = false;
            if (limit > 0 && kept.size() > limit) {
                kept = new ArrayList<>(kept.subList(0, (int) limit));
                more = true;
            }
            return new Selection(kept, more);
        }

        private boolean keep(KeyValue kv) {
            return !(maxModRevision != 0 && kv.modRevision() > maxModRevision)
                    && !(minModRevision != 0 && kv.modRevision() < minModRevision)
                    && !(maxCreateRevision != 0 && kv.createRevision() > maxCreateRevision)
                    && !(minCreateRevision != 0 && kv.createRevision() < minCreateRevision);
        }

        private static Comparator<KeyValue> comparator(SortTarget target) {
            return switch (target) {
                case KEY -> (x, y) -> Arrays.compareUnsigned(x.key(), y.key());
                case VERSION -> Comparator.comparingLong(KeyValue::version);
                case CREATE -> Comparator.comparingLong(KeyValue::createRevision);
                case MOD -> Comparator.comparingLong(KeyValue::modRevision);
                case VALUE -> (x, y) -> Arrays.compareUnsigned(x.value(), y.value());
            };
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Range r
                    && Arrays.equals(r.key, key)
                    && Arrays.equals(r.end, end)
                    && r.revision == revision
                    && r.limit == limit
                    && r.sortOrder == sortOrder
                    && r.sortTarget == sortTarget
                    && r.keysOnly == keysOnly
                    && r.countOnly == countOnly
                    && r.minModRevision == minModRevision
                    && r.maxModRevision == maxModRevision
                    && r.minCreateRevision == minCreateRevision
                    && r.maxCreateRevision == maxCreateRevision;
        }

        @Override
        public int hashCode() {
            return Objects.hash(Arrays.hashCode(key), Arrays.hashCode(end), revision, limit, sortOrder, sortTarget);
        }

        @Override
        public String toString() {
            return "Range[" + key.length + "B key, " + end.length + "B end, rev " + revision + ", limit " + limit + "]";
        }
    }

    /** The key-values a range answers and whether its limit cut them. */
    public record Selection(List<KeyValue> kvs, boolean more) {}

    /**
     * etcd's PutRequest inside a transaction: {@code ignoreValue}/{@code ignoreLease} keep the key's
     * current value/lease (the key must exist before the transaction); {@code prevKv} answers the key
     * as it was just before this put.
     */
    public record Put(byte[] key, byte[] value, long lease, boolean prevKv, boolean ignoreValue, boolean ignoreLease)
            implements Op {
        public Put {
            Command.checkKey(key);
            Command.checkValue(value);
            if (lease < 0) {
                throw new IllegalArgumentException("lease must be ≥ 0, got " + lease);
            }
            if ((ignoreValue && value.length > 0) || (ignoreLease && lease != 0)) {
                throw new IllegalArgumentException("a put that keeps the value (lease) carries none");
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Put p
                    && Arrays.equals(p.key, key)
                    && Arrays.equals(p.value, value)
                    && p.lease == lease
                    && p.prevKv == prevKv
                    && p.ignoreValue == ignoreValue
                    && p.ignoreLease == ignoreLease;
        }

        @Override
        public int hashCode() {
            return Objects.hash(Arrays.hashCode(key), Arrays.hashCode(value), lease, prevKv, ignoreValue, ignoreLease);
        }

        @Override
        public String toString() {
            return "Put[" + key.length + "B key, " + value.length + "B value, lease " + lease + "]";
        }
    }

    /** etcd's DeleteRangeRequest inside a transaction. */
    public record DeleteRange(byte[] key, byte[] end, boolean prevKv) implements Op {
        public DeleteRange {
            Command.checkKey(key);
            checkEnd(end);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof DeleteRange d
                    && Arrays.equals(d.key, key)
                    && Arrays.equals(d.end, end)
                    && d.prevKv == prevKv;
        }

        @Override
        public int hashCode() {
            return Objects.hash(Arrays.hashCode(key), Arrays.hashCode(end), prevKv);
        }

        @Override
        public String toString() {
            return "DeleteRange[" + key.length + "B key, " + end.length + "B end]";
        }
    }

    /** Whether {@code end} names one key (empty). */
    public static boolean singleKey(byte[] end) {
        return end.length == 0;
    }

    /** The exclusive end of a range's interval, null when it is open ({@code end = {0}}). */
    public static byte[] exclusiveEnd(byte[] key, byte[] end) {
        if (end.length == 0) {
            return Arrays.copyOf(key, key.length + 1);
        }
        return end.length == 1 && end[0] == 0 ? null : end;
    }

    /** Whether {@code [key, end)} holds no key at all ({@code end} at or before {@code key}). */
    public static boolean emptyInterval(byte[] key, byte[] end) {
        byte[] x = exclusiveEnd(key, end);
        return x != null && Arrays.compareUnsigned(key, x) >= 0;
    }

    static void checkEnd(byte[] end) {
        Objects.requireNonNull(end, "end");
        if (end.length > Command.MAX_KEY_BYTES + 1) {
            throw new IllegalArgumentException(
                    "range end must be at most " + (Command.MAX_KEY_BYTES + 1) + " bytes, got " + end.length);
        }
    }

    /** What one op of the chosen branch answered (an {@link ApplyResult#txnResults()} element). */
    public sealed interface Answer extends ApplyResult.TxnOpResult
            permits RangeAnswer, PutAnswer, DeleteAnswer, TxnAnswer {}

    /**
     * @param revision the store revision the range read ({@code header.revision} of etcd's answer)
     * @param kvs      the key-values (none for count_only; values empty for keys_only)
     * @param count    how many keys the range holds, before filters and limit
     */
    public record RangeAnswer(long revision, List<KeyValue> kvs, long count, boolean more) implements Answer {
        public RangeAnswer {
            kvs = List.copyOf(kvs);
        }
    }

    /** @param previous the key just before the put when prev_kv was asked and it existed, else null */
    public record PutAnswer(long revision, KeyValue previous) implements Answer {}

    /** @param previous the deleted key-values in key order when prev_kv was asked, else empty */
    public record DeleteAnswer(long revision, long deleted, List<KeyValue> previous) implements Answer {
        public DeleteAnswer {
            previous = List.copyOf(previous);
        }
    }

    /** A nested transaction: which branch ran and its answers. */
    public record TxnAnswer(boolean succeeded, List<Answer> answers) implements Answer {
        public TxnAnswer {
            answers = List.copyOf(answers);
        }
    }
}
