package io.raftkv.node.etcd;

import io.raftkv.etcd.api.Compare;
import io.raftkv.etcd.api.RangeRequest;
import io.raftkv.etcd.api.RequestOp;
import io.raftkv.etcd.api.TxnRequest;
import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.NestedTxn;
import io.raftkv.node.server.ServerLimits;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns an etcd {@code TxnRequest} into one replicated {@link NestedTxn}, which the state machine
 * applies whole at one revision with etcd's rules: compares on a key or a key range ({@code
 * range_end}) on value, version, create and mod revision and lease with {@code =}, {@code !=},
 * {@code <}, {@code >}; Ranges of any shape (over a range, at a revision, filtered, sorted,
 * limited, keys/count only); Puts with a lease, prev_kv, ignore_value and ignore_lease;
 * DeleteRanges with prev_kv; nested Txns (etcd's LEASE compare target is read although the
 * published proto predates it, see {@link #leaseOf}).
 *
 * <p>etcd's request checks come first, with etcd's errors ({@code checkTxnRequest} and
 * {@code checkIntervals} of its v3rpc layer): the op count per level ({@code too many operations};
 * a nested Txn may hold what its parent's count leaves), empty keys, a Put carrying a value or
 * lease it says to ignore, an op with no request ({@code key not found}), and two puts of one key,
 * or a put inside a deleted range, on one path ({@code duplicate key given in txn request}; a key
 * put in both branches of a nested Txn is fine, only one of them runs).
 */
final class EtcdTxnPlan {
    private final ServerLimits limits;

    EtcdTxnPlan(ServerLimits limits) {
        this.limits = limits;
    }

    /** The replicated transaction for {@code r}, after etcd's request checks. */
    NestedTxn plan(TxnRequest r) {
        check(r);
        try {
            return convert(r);
        } catch (IllegalArgumentException e) {
            // The tree is over the replicated command's bounds (depth, total size): say which.
            throw EtcdErrors.invalid("etcdserver: too many operations in txn request: " + e.getMessage());
        }
    }

    /** etcd's checkTxnRequest and checkIntervals (also for a Txn that writes nothing). */
    void check(TxnRequest r) {
        check(r, limits.maxTxnOps(), 1);
        checkIntervals(r.getSuccessList());
        checkIntervals(r.getFailureList());
    }

    private void check(TxnRequest r, int maxOps, int depth) {
        int opc = Math.max(r.getCompareCount(), Math.max(r.getSuccessCount(), r.getFailureCount()));
        if (opc > maxOps || r.getCompareCount() > limits.maxTxnCompares() || depth > NestedTxn.MAX_DEPTH) {
            throw EtcdErrors.TOO_MANY_OPS;
        }
        for (Compare c : r.getCompareList()) {
            if (c.getKey().isEmpty()) {
                throw EtcdErrors.EMPTY_KEY;
            }
        }
        for (List<RequestOp> branch : List.of(r.getSuccessList(), r.getFailureList())) {
            for (RequestOp op : branch) {
                switch (op.getRequestCase()) {
                    case REQUEST_RANGE -> {
                        if (op.getRequestRange().getKey().isEmpty()) {
                            throw EtcdErrors.EMPTY_KEY;
                        }
                    }
                    case REQUEST_PUT -> {
                        var p = op.getRequestPut();
                        if (p.getKey().isEmpty()) {
                            throw EtcdErrors.EMPTY_KEY;
                        }
                        if (p.getIgnoreValue() && !p.getValue().isEmpty()) {
                            throw EtcdErrors.VALUE_PROVIDED;
                        }
                        if (p.getIgnoreLease() && p.getLease() != 0) {
                            throw EtcdErrors.LEASE_PROVIDED;
                        }
                    }
                    case REQUEST_DELETE_RANGE -> {
                        if (op.getRequestDeleteRange().getKey().isEmpty()) {
                            throw EtcdErrors.EMPTY_KEY;
                        }
                    }
                    case REQUEST_TXN -> check(op.getRequestTxn(), maxOps - opc, depth + 1);
                    case REQUEST_NOT_SET -> throw EtcdErrors.KEY_NOT_FOUND;
                }
            }
        }
    }

    private NestedTxn convert(TxnRequest r) {
        List<NestedTxn.Compare> compares = new ArrayList<>(r.getCompareCount());
        for (Compare c : r.getCompareList()) {
            compares.add(compare(c));
        }
        return new NestedTxn(compares, ops(r.getSuccessList()), ops(r.getFailureList()));
    }

    /** etcd's compare, evaluated by the state machine against the state before the transaction. */
    private NestedTxn.Compare compare(Compare c) {
        byte[] key = key(c.getKey());
        byte[] end = end(c.getRangeEnd());
        Command.CompareOp op = switch (c.getResult()) {
            case EQUAL -> Command.CompareOp.EQUAL;
            case NOT_EQUAL -> Command.CompareOp.NOT_EQUAL;
            case GREATER -> Command.CompareOp.GREATER;
            case LESS -> Command.CompareOp.LESS;
            case UNRECOGNIZED -> throw EtcdErrors.invalid("etcdserver: unknown compare result " + c.getResultValue());
        };
        return switch (c.getTarget()) {
            case VALUE -> new NestedTxn.Compare(key, end, NestedTxn.Target.VALUE, op, 0, value(c.getValue()));
            case MOD -> new NestedTxn.Compare(key, end, NestedTxn.Target.MOD, op, c.getModRevision(), null);
            case CREATE -> new NestedTxn.Compare(key, end, NestedTxn.Target.CREATE, op, c.getCreateRevision(), null);
            case VERSION -> new NestedTxn.Compare(key, end, NestedTxn.Target.VERSION, op, c.getVersion(), null);
            case UNRECOGNIZED -> {
                if (c.getTargetValue() != LEASE_TARGET) {
                    throw EtcdErrors.invalid("etcdserver: unknown compare target " + c.getTargetValue());
                }
                yield new NestedTxn.Compare(key, end, NestedTxn.Target.LEASE, op, leaseOf(c), null);
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

    private List<NestedTxn.Op> ops(List<RequestOp> ops) {
        List<NestedTxn.Op> out = new ArrayList<>(ops.size());
        for (RequestOp op : ops) {
            out.add(
                    switch (op.getRequestCase()) {
                        case REQUEST_RANGE -> range(op.getRequestRange());
                        case REQUEST_PUT -> {
                            var p = op.getRequestPut();
                            if (p.getLease() < 0) {
                                throw EtcdErrors.LEASE_NOT_FOUND;
                            }
                            yield new NestedTxn.Put(
                                    key(p.getKey()),
                                    value(p.getValue()),
                                    p.getLease(),
                                    p.getPrevKv(),
                                    p.getIgnoreValue(),
                                    p.getIgnoreLease());
                        }
                        case REQUEST_DELETE_RANGE -> {
                            var d = op.getRequestDeleteRange();
                            yield new NestedTxn.DeleteRange(key(d.getKey()), end(d.getRangeEnd()), d.getPrevKv());
                        }
                        case REQUEST_TXN -> new NestedTxn.Nested(convert(op.getRequestTxn()));
                        case REQUEST_NOT_SET -> throw EtcdErrors.KEY_NOT_FOUND;
                    });
        }
        return out;
    }

    private NestedTxn.Range range(RangeRequest g) {
        if (g.getLimit() < 0) {
            throw EtcdErrors.invalid("etcdserver: limit must not be negative, got " + g.getLimit());
        }
        if (g.getRevision() < 0) {
            throw EtcdErrors.invalid("etcdserver: revision must not be negative, got " + g.getRevision());
        }
        if (g.getSortOrder() == RangeRequest.SortOrder.UNRECOGNIZED
                || g.getSortTarget() == RangeRequest.SortTarget.UNRECOGNIZED) {
            throw EtcdErrors.invalid("etcdserver: unknown sort order or target");
        }
        return new NestedTxn.Range(
                key(g.getKey()),
                end(g.getRangeEnd()),
                g.getRevision(),
                g.getLimit(),
                NestedTxn.SortOrder.values()[g.getSortOrderValue()],
                NestedTxn.SortTarget.values()[g.getSortTargetValue()],
                g.getKeysOnly(),
                g.getCountOnly(),
                g.getMinModRevision(),
                g.getMaxModRevision(),
                g.getMinCreateRevision(),
                g.getMaxCreateRevision());
    }

    /** Puts (keys) and deletes (intervals) of one branch, nested ones included. */
    private record Intervals(Set<com.google.protobuf.ByteString> puts, List<EtcdRange.Bounds> deletes) {}

    /**
     * etcd's checkIntervals: a put may not share a key with another put or a delete of its branch,
     * nor with those of the nested Txns in it; the two branches of one nested Txn may put the same key.
     */
    static Intervals checkIntervals(List<RequestOp> ops) {
        List<EtcdRange.Bounds> deletes = new ArrayList<>();
        for (RequestOp op : ops) {
            if (op.hasRequestDeleteRange()) {
                deletes.add(EtcdRange.bounds(
                        op.getRequestDeleteRange().getKey(),
                        op.getRequestDeleteRange().getRangeEnd()));
            }
        }
        Set<com.google.protobuf.ByteString> puts = new HashSet<>();
        for (RequestOp op : ops) {
            if (!op.hasRequestTxn()) {
                continue;
            }
            Intervals then = checkIntervals(op.getRequestTxn().getSuccessList());
            Intervals otherwise = checkIntervals(op.getRequestTxn().getFailureList());
            for (var k : then.puts()) {
                if (puts.contains(k) || deleted(deletes, k)) {
                    throw EtcdErrors.DUPLICATE_KEY;
                }
                puts.add(k);
            }
            for (var k : otherwise.puts()) {
                if ((puts.contains(k) && !then.puts().contains(k)) || deleted(deletes, k)) {
                    throw EtcdErrors.DUPLICATE_KEY;
                }
                puts.add(k);
            }
            deletes.addAll(then.deletes());
            deletes.addAll(otherwise.deletes());
        }
        for (RequestOp op : ops) {
            if (op.hasRequestPut()) {
                var k = op.getRequestPut().getKey();
                if (puts.contains(k) || deleted(deletes, k)) {
                    throw EtcdErrors.DUPLICATE_KEY;
                }
                puts.add(k);
            }
        }
        return new Intervals(puts, deletes);
    }

    private static boolean deleted(List<EtcdRange.Bounds> deletes, com.google.protobuf.ByteString key) {
        byte[] k = key.toByteArray();
        for (EtcdRange.Bounds d : deletes) {
            if (EtcdRange.contains(d, k)) {
                return true;
            }
        }
        return false;
    }

    private byte[] end(com.google.protobuf.ByteString end) {
        if (end.size() > limits.maxKeyBytes() + 1) {
            throw EtcdErrors.invalid("etcdserver: request is too large: range end is " + end.size()
                    + " bytes, more than the limit of " + (limits.maxKeyBytes() + 1) + " (maxKeyBytes + 1)");
        }
        return end.toByteArray();
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
