package io.raftkv.node.etcd;

import io.raftkv.etcd.api.Compare;
import io.raftkv.etcd.api.RangeRequest;
import io.raftkv.etcd.api.RangeResponse;
import io.raftkv.etcd.api.RequestOp;
import io.raftkv.etcd.api.ResponseHeader;
import io.raftkv.etcd.api.ResponseOp;
import io.raftkv.etcd.api.TxnRequest;
import io.raftkv.etcd.api.TxnResponse;
import io.raftkv.node.kv.KeyValue;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongFunction;

/**
 * A Txn that writes nothing (no Put or DeleteRange in any branch, nested ones included), served as
 * reads at one revision: after the read barrier, every compare and every Range of the chosen branch
 * is evaluated against the store at the same revision, which is what etcd's Txn does at its own
 * revision, and linearizable like a Range, with no log entry (etcd serves such a Txn the same
 * way): compares over a key range ({@code range_end}: true when every key in the range satisfies
 * it), Ranges of any shape and nested Txns. A Txn that writes is one replicated {@code NestedTxn}.
 *
 * <p>etcd's compare rules: an absent key (or an empty range) compares as a key of zeros, except
 * that a VALUE compare on it is false.
 */
final class EtcdReadTxn {
    private final EtcdRange ranges;

    EtcdReadTxn(EtcdRange ranges) {
        this.ranges = ranges;
    }

    /** Whether {@code r} writes nothing, at any depth. */
    static boolean readOnly(TxnRequest r) {
        for (List<RequestOp> branch : List.of(r.getSuccessList(), r.getFailureList())) {
            for (RequestOp op : branch) {
                switch (op.getRequestCase()) {
                    case REQUEST_PUT, REQUEST_DELETE_RANGE -> {
                        return false;
                    }
                    case REQUEST_TXN -> {
                        if (!readOnly(op.getRequestTxn())) {
                            return false;
                        }
                    }
                    default -> {}
                }
            }
        }
        return true;
    }

    /** Evaluates {@code r} at {@code revision} (call on the read pool, after the read barrier). */
    TxnResponse evaluate(TxnRequest r, long revision, LongFunction<ResponseHeader> header) {
        boolean succeeded = true;
        for (Compare c : r.getCompareList()) {
            if (!holds(c, revision)) {
                succeeded = false;
                break;
            }
        }
        TxnResponse.Builder b =
                TxnResponse.newBuilder().setHeader(header.apply(revision)).setSucceeded(succeeded);
        for (RequestOp op : succeeded ? r.getSuccessList() : r.getFailureList()) {
            if (op.hasRequestTxn()) {
                b.addResponses(ResponseOp.newBuilder().setResponseTxn(evaluate(op.getRequestTxn(), revision, header)));
            } else if (op.hasRequestRange()) {
                RangeRequest g = op.getRequestRange();
                EtcdRange.Result res = ranges.read(
                        g.getRevision() == 0
                                ? g.toBuilder().setRevision(revision).build()
                                : g);
                RangeResponse.Builder range = RangeResponse.newBuilder()
                        .setHeader(header.apply(revision))
                        .setCount(res.count())
                        .setMore(res.more());
                if (!g.getCountOnly()) {
                    for (KeyValue kv : res.kvs()) {
                        range.addKvs(EtcdProtos.keyValue(kv, g.getKeysOnly()));
                    }
                }
                b.addResponses(ResponseOp.newBuilder().setResponseRange(range));
            } else {
                throw EtcdErrors.invalid("etcdserver: txn op has no request");
            }
        }
        return b.build();
    }

    private boolean holds(Compare c, long revision) {
        if (c.getKey().isEmpty()) {
            throw EtcdErrors.EMPTY_KEY;
        }
        List<KeyValue> kvs = ranges.read(RangeRequest.newBuilder()
                        .setKey(c.getKey())
                        .setRangeEnd(c.getRangeEnd())
                        .setRevision(revision)
                        .build())
                .kvs();
        if (kvs.isEmpty()) {
            return c.getTarget() != Compare.CompareTarget.VALUE && holds(c, null);
        }
        for (KeyValue kv : kvs) {
            if (!holds(c, kv)) {
                return false;
            }
        }
        return true;
    }

    /** etcd's compareKV; {@code kv} null is the absent key (zeros). */
    private static boolean holds(Compare c, KeyValue kv) {
        int cmp = switch (c.getTarget()) {
            case VALUE -> Arrays.compareUnsigned(kv.value(), c.getValue().toByteArray());
            case VERSION -> Long.compare(kv == null ? 0 : kv.version(), c.getVersion());
            case CREATE -> Long.compare(kv == null ? 0 : kv.createRevision(), c.getCreateRevision());
            case MOD -> Long.compare(kv == null ? 0 : kv.modRevision(), c.getModRevision());
            case UNRECOGNIZED -> {
                if (c.getTargetValue() != EtcdTxnPlan.LEASE_TARGET) {
                    throw EtcdErrors.invalid("etcdserver: unknown compare target " + c.getTargetValue());
                }
                yield Long.compare(kv == null ? 0 : kv.lease(), EtcdTxnPlan.leaseOf(c));
            }
        };
        return switch (c.getResult()) {
            case EQUAL -> cmp == 0;
            case NOT_EQUAL -> cmp != 0;
            case GREATER -> cmp > 0;
            case LESS -> cmp < 0;
            case UNRECOGNIZED -> throw EtcdErrors.invalid("etcdserver: unknown compare result " + c.getResultValue());
        };
    }
}
