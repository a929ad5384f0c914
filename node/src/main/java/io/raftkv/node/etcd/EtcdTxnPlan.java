package io.raftkv.node.etcd;

import io.raftkv.etcd.api.Compare;
import io.raftkv.etcd.api.RangeRequest;
import io.raftkv.etcd.api.RequestOp;
import io.raftkv.etcd.api.TxnRequest;
import io.raftkv.node.kv.Command;
import io.raftkv.node.server.ServerLimits;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns an etcd {@code TxnRequest} into one RaftKV {@link Command.Txn}, so the compares and the
 * chosen branch run at one log position in the state machine (atomically, like etcd's). What the
 * state machine's transaction cannot express is refused with UNIMPLEMENTED naming the part, never
 * approximated:
 * <ul>
 *   <li>compares on one key: value, version, create and mod revision and lease with {@code =},
 *       {@code !=}, {@code <}, {@code >} (etcd's LEASE target is read although the published proto
 *       predates it, see {@link #leaseOf}); an absent key has 0 in every number;</li>
 *   <li>ops: Range of one key (a get; count_only and keys_only shape the answer), Put with a lease
 *       and prev_kv (a get of the key just before the put answers prev_kv; without ignore_value or
 *       ignore_lease), DeleteRange of a key or a range, with prev_kv.</li>
 * </ul>
 * etcd's own checks come first, with etcd's errors: the op count ({@code too many operations}) and
 * puts overlapping another put or delete of the same branch ({@code duplicate key}).
 */
final class EtcdTxnPlan {
    /** How to answer each op of the chosen branch: {@code ops} mirrors the request's op list. */
    record Plan(Command.Txn txn, List<RequestOp> success, List<RequestOp> failure) {}

    private final ServerLimits limits;

    EtcdTxnPlan(ServerLimits limits) {
        this.limits = limits;
    }

    Plan plan(TxnRequest r) {
        if (r.getCompareCount() > limits.maxTxnCompares()
                || r.getSuccessCount() > limits.maxTxnOps()
                || r.getFailureCount() > limits.maxTxnOps()) {
            throw EtcdErrors.TOO_MANY_OPS;
        }
        checkDuplicates(r.getSuccessList());
        checkDuplicates(r.getFailureList());
        List<Command.Compare> compares = new ArrayList<>();
        for (Compare c : r.getCompareList()) {
            compares.add(compare(c));
        }
        return new Plan(
                new Command.Txn(compares, ops(r.getSuccessList()), ops(r.getFailureList())),
                r.getSuccessList(),
                r.getFailureList());
    }

    /** etcd's compare, evaluated by the state machine at the transaction's revision. */
    private Command.Compare compare(Compare c) {
        if (c.getKey().isEmpty()) {
            throw EtcdErrors.EMPTY_KEY;
        }
        if (!c.getRangeEnd().isEmpty()) {
            throw EtcdErrors.unsupported("a Txn compare over a key range (range_end)");
        }
        byte[] key = key(c.getKey());
        Command.CompareOp op = switch (c.getResult()) {
            case EQUAL -> Command.CompareOp.EQUAL;
            case NOT_EQUAL -> Command.CompareOp.NOT_EQUAL;
            case GREATER -> Command.CompareOp.GREATER;
            case LESS -> Command.CompareOp.LESS;
            case UNRECOGNIZED -> throw EtcdErrors.invalid("etcdserver: unknown compare result " + c.getResultValue());
        };
        return switch (c.getTarget()) {
            case VALUE -> new Command.Compare(key, new Command.ValueCompared(op, value(c.getValue())));
            case MOD ->
                new Command.Compare(key, new Command.Compared(Command.Field.MOD_REVISION, op, c.getModRevision()));
            case CREATE ->
                new Command.Compare(
                        key, new Command.Compared(Command.Field.CREATE_REVISION, op, c.getCreateRevision()));
            case VERSION -> new Command.Compare(key, new Command.Compared(Command.Field.VERSION, op, c.getVersion()));
            case UNRECOGNIZED -> {
                if (c.getTargetValue() != LEASE_TARGET) {
                    throw EtcdErrors.invalid("etcdserver: unknown compare target " + c.getTargetValue());
                }
                yield new Command.Compare(key, new Command.Compared(Command.Field.LEASE, op, leaseOf(c)));
            }
        };
    }

    /**
     * etcd's {@code Compare.LEASE} target (4) and its {@code lease} field (8) are newer than the
     * published proto this build is generated from; protobuf keeps them as an unrecognized enum
     * value and an unknown field, read here.
     */
    static final int LEASE_TARGET = 4;

    private static final int LEASE_FIELD = 8;

    static long leaseOf(Compare c) {
        var field = c.getUnknownFields().getField(LEASE_FIELD);
        return field == null || field.getVarintList().isEmpty()
                ? 0
                : field.getVarintList().get(field.getVarintList().size() - 1);
    }

    /**
     * Whether op {@code i} of {@code branch} is a Range the replicated transaction cannot read (over
     * a range, at a revision, with revision filters, sorted or limited) that comes after every write
     * of its branch: it is then left out of the proposed transaction and read after it applied, at
     * the transaction's revision (or its own), which shows exactly the state the branch left, as
     * etcd's in-transaction read does. clientv3's Mutex (etcdctl lock) reads the lock's owner so.
     */
    static boolean deferred(List<RequestOp> branch, int i) {
        RequestOp op = branch.get(i);
        if (!op.hasRequestRange() || !rich(op.getRequestRange())) {
            return false;
        }
        for (int j = i + 1; j < branch.size(); j++) {
            if (branch.get(j).hasRequestPut() || branch.get(j).hasRequestDeleteRange()) {
                return false;
            }
        }
        return true;
    }

    private static boolean rich(RangeRequest g) {
        return !g.getRangeEnd().isEmpty()
                || g.getRevision() != 0
                || g.getMinModRevision() != 0
                || g.getMaxModRevision() != 0
                || g.getMinCreateRevision() != 0
                || g.getMaxCreateRevision() != 0
                || g.getLimit() != 0
                || g.getSortOrder() != RangeRequest.SortOrder.NONE;
    }

    private List<Command.TxnOp> ops(List<RequestOp> ops) {
        List<Command.TxnOp> out = new ArrayList<>(ops.size());
        for (int i = 0; i < ops.size(); i++) {
            RequestOp op = ops.get(i);
            if (deferred(ops, i)) {
                continue;
            }
            out.add(
                    switch (op.getRequestCase()) {
                        case REQUEST_RANGE -> {
                            var g = op.getRequestRange();
                            if (!g.getRangeEnd().isEmpty()) {
                                throw EtcdErrors.unsupported(
                                        "a Range over a key range (range_end) before a write of its Txn branch");
                            }
                            if (g.getRevision() != 0
                                    || g.getMinModRevision() != 0
                                    || g.getMaxModRevision() != 0
                                    || g.getMinCreateRevision() != 0
                                    || g.getMaxCreateRevision() != 0) {
                                throw EtcdErrors.unsupported(
                                        "a Range at a revision or with revision filters before a write of its Txn"
                                                + " branch");
                            }
                            yield new Command.Get(key(g.getKey()));
                        }
                        case REQUEST_PUT -> {
                            var p = op.getRequestPut();
                            if (p.getLease() < 0) {
                                throw EtcdErrors.LEASE_NOT_FOUND;
                            }
                            if (p.getIgnoreValue() || p.getIgnoreLease()) {
                                throw EtcdErrors.unsupported("a Put with ignore_value or ignore_lease inside a Txn"
                                        + " (the state machine's transaction cannot read a value into a put)");
                            }
                            Command.Put put = new Command.Put(key(p.getKey()), value(p.getValue()), p.getLease());
                            if (p.getPrevKv()) {
                                out.add(new Command.Get(put.key())); // its answer is the put's prev_kv
                            }
                            yield put;
                        }
                        case REQUEST_DELETE_RANGE -> {
                            var d = op.getRequestDeleteRange();
                            EtcdRange.Bounds b = EtcdRange.bounds(d.getKey(), d.getRangeEnd());
                            key(d.getKey());
                            yield b.singleKey() && !d.getPrevKv()
                                    ? new Command.Delete(b.start())
                                    : new Command.DeleteRange(
                                            b.start(),
                                            b.singleKey() ? EtcdRange.successor(b.start()) : b.endOrNull(),
                                            d.getPrevKv());
                        }
                        case REQUEST_TXN -> throw EtcdErrors.unsupported("a nested Txn");
                        case REQUEST_NOT_SET -> throw EtcdErrors.invalid("etcdserver: txn op has no request");
                    });
        }
        if (out.size() > Command.MAX_TXN_OPS) {
            throw EtcdErrors.TOO_MANY_OPS;
        }
        return out;
    }

    /** etcd's checkIntervals: a put may not share a key with another put or a delete of the branch. */
    static void checkDuplicates(List<RequestOp> ops) {
        List<EtcdRange.Bounds> puts = new ArrayList<>();
        List<EtcdRange.Bounds> deletes = new ArrayList<>();
        for (RequestOp op : ops) {
            switch (op.getRequestCase()) {
                case REQUEST_PUT -> {
                    EtcdRange.Bounds b =
                            EtcdRange.bounds(op.getRequestPut().getKey(), com.google.protobuf.ByteString.EMPTY);
                    for (EtcdRange.Bounds p : puts) {
                        if (EtcdRange.overlap(p, b)) {
                            throw EtcdErrors.DUPLICATE_KEY;
                        }
                    }
                    puts.add(b);
                }
                case REQUEST_DELETE_RANGE ->
                    deletes.add(EtcdRange.bounds(
                            op.getRequestDeleteRange().getKey(),
                            op.getRequestDeleteRange().getRangeEnd()));
                default -> {}
            }
        }
        for (EtcdRange.Bounds p : puts) {
            for (EtcdRange.Bounds d : deletes) {
                if (EtcdRange.overlap(p, d)) {
                    throw EtcdErrors.DUPLICATE_KEY;
                }
            }
        }
    }

    byte[] key(com.google.protobuf.ByteString key) {
        if (key.isEmpty()) {
            throw EtcdErrors.EMPTY_KEY;
        }
        if (key.size() > limits.maxKeyBytes()) {
            throw EtcdErrors.invalid("etcdserver: request is too large: key is " + key.size()
                    + " bytes, more than the limit of " + limits.maxKeyBytes() + " (maxKeyBytes)");
        }
        return key.toByteArray();
    }

    byte[] value(com.google.protobuf.ByteString value) {
        if (value.size() > limits.maxValueBytes()) {
            throw EtcdErrors.invalid("etcdserver: request is too large: value is " + value.size()
                    + " bytes, more than the limit of " + limits.maxValueBytes() + " (maxValueBytes)");
        }
        return value.toByteArray();
    }
}
