package io.raftkv.node.etcd;

import io.raftkv.api.RaftKvException;
import io.raftkv.etcd.api.CompactionRequest;
import io.raftkv.etcd.api.CompactionResponse;
import io.raftkv.etcd.api.DeleteRangeRequest;
import io.raftkv.etcd.api.DeleteRangeResponse;
import io.raftkv.etcd.api.KVGrpcClient;
import io.raftkv.etcd.api.KVGrpcService;
import io.raftkv.etcd.api.PutRequest;
import io.raftkv.etcd.api.PutResponse;
import io.raftkv.etcd.api.RangeRequest;
import io.raftkv.etcd.api.RangeResponse;
import io.raftkv.etcd.api.ResponseOp;
import io.raftkv.etcd.api.TxnRequest;
import io.raftkv.etcd.api.TxnResponse;
import io.raftkv.node.driver.NodeStatus;
import io.raftkv.node.driver.RaftNodeApi;
import io.raftkv.node.driver.ReadConsistency;
import io.raftkv.node.kv.ApplyResult;
import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.kv.KeyValue;
import io.raftkv.node.kv.KvReader;
import io.raftkv.node.kv.NestedTxn;
import io.raftkv.node.metrics.ProposalMetrics;
import io.raftkv.node.server.CallRunner;
import io.raftkv.node.server.GrpcErrors;
import io.raftkv.node.server.ReadPool;
import io.raftkv.node.server.ServerLimits;
import io.vertx.core.Future;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.Service;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * {@code etcdserverpb.KV} on RaftKV's state machine. Reads run after the read barrier
 * (LINEARIZABLE, or SERIALIZABLE with {@code serializable}) on the read pool ({@link EtcdRange});
 * writes are proposed as RaftKV commands and answered from the state machine's apply result, so
 * {@code prev_kv} and a Txn's reads are exactly what the write saw. A write on a follower goes to
 * the leader ({@link EtcdForwarder}), as etcd's members forward proposals.
 */
final class EtcdKv {
    private final RaftNodeApi node;
    private final KvReader reader;
    private final ReadPool reads;
    private final ServerLimits limits;
    private final ProposalMetrics proposals;
    private final EtcdRange ranges;
    private final EtcdTxnPlan txns;
    private final EtcdReadTxn readTxns;
    private final EtcdForwarder forwarder;

    EtcdKv(
            RaftNodeApi node,
            KvReader reader,
            ReadPool reads,
            ServerLimits limits,
            ProposalMetrics proposals,
            EtcdForwarder forwarder) {
        this.node = Objects.requireNonNull(node, "node");
        this.reader = Objects.requireNonNull(reader, "reader");
        this.reads = Objects.requireNonNull(reads, "reads");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.proposals = Objects.requireNonNull(proposals, "proposals");
        this.forwarder = Objects.requireNonNull(forwarder, "forwarder");
        this.ranges = new EtcdRange(reader, limits);
        this.txns = new EtcdTxnPlan(limits);
        this.readTxns = new EtcdReadTxn(ranges);
    }

    Service bindTo(CallRunner calls) {
        return Service.service(KVGrpcService.SERVICE_NAME, KVGrpcService.SERVICE_DESCRIPTOR)
                .bind(KVGrpcService.Range, calls.unary(KVGrpcService.Range, r -> etcd(() -> range(r))))
                .bind(KVGrpcService.Put, forwarder.put(calls, this::check, this::put))
                .bind(
                        KVGrpcService.DeleteRange,
                        forwarder.write(calls, KVGrpcService.DeleteRange, KVGrpcClient.DeleteRange, this::deleteRange))
                .bind(KVGrpcService.Txn, forwarder.write(calls, KVGrpcService.Txn, KVGrpcClient.Txn, this::txn))
                .bind(
                        KVGrpcService.Compact,
                        forwarder.write(calls, KVGrpcService.Compact, KVGrpcClient.Compact, this::compact))
                .build();
    }

    /** Runs {@code body}, a synchronous throw included, and maps any failure to etcd's error. */
    static <T> Future<T> etcd(Supplier<Future<T>> body) {
        Future<T> f;
        try {
            f = body.get();
        } catch (RuntimeException e) {
            return Future.failedFuture(EtcdErrors.of(e));
        }
        return f.recover(e -> Future.failedFuture(EtcdErrors.of(e)));
    }

    Future<RangeResponse> range(RangeRequest r) {
        if (r.getRevision() < 0) {
            throw EtcdErrors.invalid("etcdserver: revision must not be negative, got " + r.getRevision());
        }
        EtcdRange.bounds(r.getKey(), r.getRangeEnd()); // EMPTY_KEY before any wait
        ReadConsistency consistency = r.getSerializable() ? ReadConsistency.SERIALIZABLE : ReadConsistency.LINEARIZABLE;
        return forwarder
                .readBarrier(consistency)
                .compose(v -> reads.submit(() -> {
                    EtcdRange.Result res = ranges.read(r);
                    RangeResponse.Builder b = RangeResponse.newBuilder()
                            .setHeader(EtcdProtos.header(node.status(), res.revision()))
                            .setCount(res.count())
                            .setMore(res.more());
                    for (KeyValue kv : res.kvs()) {
                        b.addKvs(EtcdProtos.keyValue(kv, r.getKeysOnly()));
                    }
                    return b.build();
                }));
    }

    /** The checks of a Put before anything is proposed (a follower makes them before forwarding one). */
    void check(PutRequest r) {
        if (r.getIgnoreValue() && !r.getValue().isEmpty()) {
            throw EtcdErrors.VALUE_PROVIDED;
        }
        if (r.getIgnoreLease() && r.getLease() != 0) {
            throw EtcdErrors.LEASE_PROVIDED;
        }
        txns.key(r.getKey());
        txns.value(r.getValue());
        if (r.getLease() < 0) {
            throw EtcdErrors.LEASE_NOT_FOUND;
        }
    }

    Future<PutResponse> put(PutRequest r) {
        check(r);
        byte[] key = txns.key(r.getKey());
        byte[] value = txns.value(r.getValue());
        if (r.getIgnoreValue() || r.getIgnoreLease()) {
            return putKeeping(r, key, value, 1);
        }
        Command c = Command.of(new Command.Put(key, value, r.getLease()));
        if (r.getPrevKv()) {
            c = c.withReturnPrevious();
        }
        return propose(ProposalMetrics.Kind.PUT, c).map(res -> {
            requireApplied(res);
            PutResponse.Builder b = PutResponse.newBuilder().setHeader(header(res.revision()));
            if (r.getPrevKv() && res.previous() != null) {
                b.setPrevKv(EtcdProtos.keyValue(res.previous(), false));
            }
            return b.build();
        });
    }

    /** How often a Put with ignore_value/ignore_lease is tried again when the key changed under it. */
    static final int MAX_KEEPING_ATTEMPTS = 16;

    /**
     * etcd's Put with {@code ignore_value} and/or {@code ignore_lease}: the key keeps its current
     * value and/or lease. Read linearizably, then written by a transaction that applies only if the
     * key's mod revision is still the one read (else read and try again), so the value or lease
     * kept is exactly the key's at the write's revision; {@code prev_kv} is the key as read. A key
     * that does not exist: etcd's {@code key not found}.
     */
    private Future<PutResponse> putKeeping(PutRequest r, byte[] key, byte[] value, int attempt) {
        return range(RangeRequest.newBuilder().setKey(r.getKey()).build()).compose(read -> {
            if (read.getKvsCount() == 0) {
                return Future.failedFuture(EtcdErrors.KEY_NOT_FOUND);
            }
            io.raftkv.etcd.api.KeyValue now = read.getKvs(0);
            Command.Put put = new Command.Put(
                    key,
                    r.getIgnoreValue() ? now.getValue().toByteArray() : value,
                    r.getIgnoreLease() ? now.getLease() : r.getLease());
            Command c = Command.of(new Command.Txn(
                    List.of(new Command.Compare(
                            key,
                            new Command.Compared(
                                    Command.Field.MOD_REVISION, Command.CompareOp.EQUAL, now.getModRevision()))),
                    List.of(put),
                    List.of()));
            return propose(ProposalMetrics.Kind.PUT, c).compose(res -> {
                if (res.status() == ApplyResult.Status.COMPARE_FAILED) {
                    if (attempt >= MAX_KEEPING_ATTEMPTS) {
                        return Future.failedFuture(RaftKvException.of(
                                GrpcStatus.ABORTED,
                                "raftkv: the key changed under a Put with ignore_value/ignore_lease " + attempt
                                        + " times in a row; try again"));
                    }
                    return putKeeping(r, key, value, attempt + 1);
                }
                requireApplied(res);
                PutResponse.Builder b = PutResponse.newBuilder().setHeader(header(res.revision()));
                if (r.getPrevKv()) {
                    b.setPrevKv(now);
                }
                return Future.succeededFuture(b.build());
            });
        });
    }

    /** One key: RaftKV's Delete; a range: a one-op transaction deleting it (one revision, as etcd). */
    Future<DeleteRangeResponse> deleteRange(DeleteRangeRequest r) {
        EtcdRange.Bounds b = EtcdRange.bounds(r.getKey(), r.getRangeEnd());
        if (!b.singleKey()) {
            txns.key(r.getKey());
            Command c = Command.of(new Command.Txn(
                    List.of(), List.of(new Command.DeleteRange(b.start(), b.endOrNull(), r.getPrevKv())), List.of()));
            return propose(ProposalMetrics.Kind.DELETE, c).map(res -> {
                requireApplied(res);
                ApplyResult.DeleteRangeOutcome d =
                        (ApplyResult.DeleteRangeOutcome) res.txnResults().get(0);
                DeleteRangeResponse.Builder out = DeleteRangeResponse.newBuilder()
                        .setHeader(header(res.revision()))
                        .setDeleted(d.deleted());
                d.previous().forEach(kv -> out.addPrevKvs(EtcdProtos.keyValue(kv, false)));
                return out.build();
            });
        }
        Command c = Command.of(new Command.Delete(txns.key(r.getKey())));
        return propose(ProposalMetrics.Kind.DELETE, c).map(res -> {
            requireApplied(res);
            DeleteRangeResponse.Builder out = DeleteRangeResponse.newBuilder()
                    .setHeader(header(res.revision()))
                    .setDeleted(res.keyValue() == null ? 0 : 1);
            if (r.getPrevKv() && res.keyValue() != null) {
                out.addPrevKvs(EtcdProtos.keyValue(res.keyValue(), false));
            }
            return out.build();
        });
    }

    /**
     * A Txn that writes nothing is served as reads at one revision after the read barrier
     * ({@link EtcdReadTxn}), as etcd serves one without a log entry; any other is proposed whole as
     * one {@link NestedTxn} and answered from what the state machine did.
     */
    Future<TxnResponse> txn(TxnRequest r) {
        if (EtcdReadTxn.readOnly(r)) {
            txns.check(r);
            return node.readBarrier(ReadConsistency.LINEARIZABLE)
                    .compose(v -> reads.submit(
                            () -> readTxns.evaluate(r, reader.revisions().current(), this::header)));
        }
        NestedTxn plan = txns.plan(r);
        return propose(ProposalMetrics.Kind.TXN, Command.of(plan)).map(res -> {
            boolean succeeded = switch (res.status()) {
                case APPLIED -> true;
                case COMPARE_FAILED -> false;
                case REJECTED ->
                    throw switch (String.valueOf(res.reason())) {
                        case NestedTxn.COMPACTED -> EtcdErrors.COMPACTED;
                        case NestedTxn.FUTURE_REVISION -> EtcdErrors.FUTURE_REV;
                        case NestedTxn.KEY_NOT_FOUND -> EtcdErrors.KEY_NOT_FOUND;
                        default -> outcome(res);
                    };
                default -> throw outcome(res);
            };
            TxnResponse.Builder b =
                    TxnResponse.newBuilder().setHeader(header(res.revision())).setSucceeded(succeeded);
            for (ApplyResult.TxnOpResult answer : res.txnResults()) {
                b.addResponses(response((NestedTxn.Answer) answer));
            }
            return b.build();
        });
    }

    /** One op's answer as etcd shapes it: a sub-answer's header carries only its revision. */
    private static ResponseOp response(NestedTxn.Answer answer) {
        ResponseOp.Builder b = ResponseOp.newBuilder();
        if (answer instanceof NestedTxn.RangeAnswer g) {
            RangeResponse.Builder range = RangeResponse.newBuilder()
                    .setHeader(revisionOnly(g.revision()))
                    .setCount(g.count())
                    .setMore(g.more());
            g.kvs().forEach(kv -> range.addKvs(EtcdProtos.keyValue(kv, false)));
            b.setResponseRange(range);
        } else if (answer instanceof NestedTxn.PutAnswer p) {
            PutResponse.Builder put = PutResponse.newBuilder().setHeader(revisionOnly(p.revision()));
            if (p.previous() != null) {
                put.setPrevKv(EtcdProtos.keyValue(p.previous(), false));
            }
            b.setResponsePut(put);
        } else if (answer instanceof NestedTxn.DeleteAnswer d) {
            DeleteRangeResponse.Builder del = DeleteRangeResponse.newBuilder()
                    .setHeader(revisionOnly(d.revision()))
                    .setDeleted(d.deleted());
            d.previous().forEach(kv -> del.addPrevKvs(EtcdProtos.keyValue(kv, false)));
            b.setResponseDeleteRange(del);
        } else {
            NestedTxn.TxnAnswer t = (NestedTxn.TxnAnswer) answer;
            // etcd leaves a nested Txn's header empty; only the top answer says the revision.
            TxnResponse.Builder txn = TxnResponse.newBuilder()
                    .setHeader(io.raftkv.etcd.api.ResponseHeader.getDefaultInstance())
                    .setSucceeded(t.succeeded());
            t.answers().forEach(a -> txn.addResponses(response(a)));
            b.setResponseTxn(txn);
        }
        return b.build();
    }

    private static io.raftkv.etcd.api.ResponseHeader revisionOnly(long revision) {
        return io.raftkv.etcd.api.ResponseHeader.newBuilder()
                .setRevision(revision)
                .build();
    }

    /**
     * A replicated compaction at {@code revision}: at or below the compact revision already is
     * etcd's {@code required revision has been compacted}, beyond the store's revision {@code
     * future revision}. The old versions are deleted in the background ({@code physical} is not
     * waited for).
     */
    Future<CompactionResponse> compact(CompactionRequest r) {
        io.raftkv.node.kv.Revisions now = reader.revisions();
        if (r.getRevision() <= now.compacted()) {
            throw EtcdErrors.COMPACTED;
        }
        if (r.getRevision() > now.current()) {
            throw EtcdErrors.FUTURE_REV;
        }
        return propose(ProposalMetrics.Kind.TXN, Command.of(new Command.Compact(r.getRevision())))
                .map(res -> {
                    if (res.status() == ApplyResult.Status.REJECTED) {
                        throw EtcdErrors.FUTURE_REV;
                    }
                    requireApplied(res);
                    return CompactionResponse.newBuilder()
                            .setHeader(header(res.revision()))
                            .build();
                });
    }

    private io.raftkv.etcd.api.ResponseHeader header(long revision) {
        NodeStatus s = node.status();
        return EtcdProtos.header(s, revision);
    }

    private Future<ApplyResult> propose(ProposalMetrics.Kind kind, Command c) {
        if (node.alarms().refusal(c) != null) {
            throw EtcdErrors.alarm(
                    node.alarms().active(io.raftkv.node.kv.AlarmType.CORRUPT)
                                    || !node.alarms().active(io.raftkv.node.kv.AlarmType.NOSPACE)
                            ? null
                            : io.raftkv.node.kv.AlarmType.NOSPACE);
        }
        byte[] data = CommandCodec.encode(c);
        long start = proposals.proposed(kind);
        return node.propose(data).andThen(ar -> {
            if (ar.succeeded()) {
                proposals.succeeded(start);
            } else {
                proposals.failed(GrpcErrors.metricReason(GrpcErrors.toRaftKvException(ar.cause())));
            }
        });
    }

    private static void requireApplied(ApplyResult res) {
        if (res.status() != ApplyResult.Status.APPLIED) {
            throw outcome(res);
        }
    }

    private static RaftKvException outcome(ApplyResult res) {
        return switch (res.status()) {
            case READ_LIMIT_EXCEEDED -> EtcdErrors.invalid("etcdserver: request is too large: " + res.reason());
            case REJECTED -> RaftKvException.of(GrpcStatus.FAILED_PRECONDITION, "etcdserver: " + res.reason());
            case ALARM -> EtcdErrors.alarm(res.refusingAlarm());
            case LEASE_NOT_FOUND -> EtcdErrors.LEASE_NOT_FOUND;
            default ->
                RaftKvException.of(
                        GrpcStatus.INTERNAL, "write at index " + res.index() + " applied as " + res.status());
        };
    }
}
