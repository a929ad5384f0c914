package io.raftkv.node.server;

import io.raftkv.api.ErrorReason;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.v1.CompactRequest;
import io.raftkv.api.v1.CompactResponse;
import io.raftkv.api.v1.CompareAndSetRequest;
import io.raftkv.api.v1.CompareAndSetResponse;
import io.raftkv.api.v1.DeleteRequest;
import io.raftkv.api.v1.DeleteResponse;
import io.raftkv.api.v1.GetRequest;
import io.raftkv.api.v1.GetResponse;
import io.raftkv.api.v1.Header;
import io.raftkv.api.v1.KVGrpcService;
import io.raftkv.api.v1.KVService;
import io.raftkv.api.v1.PutRequest;
import io.raftkv.api.v1.PutResponse;
import io.raftkv.api.v1.RangeRequest;
import io.raftkv.api.v1.RangeResponse;
import io.raftkv.api.v1.TxnRequest;
import io.raftkv.api.v1.TxnResponse;
import io.raftkv.node.driver.RaftNodeApi;
import io.raftkv.node.kv.ApplyResult;
import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.kv.KeyRead;
import io.raftkv.node.kv.KvReader;
import io.raftkv.node.kv.RangeResult;
import io.raftkv.node.metrics.ProposalMetrics;
import io.vertx.core.Future;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.Service;
import java.util.Objects;

/**
 * {@code raftkv.v1.KV}: validates each request ({@link KvRequests}), proposes writes through
 * {@link RaftNodeApi#propose} and serves reads from the local state machine after
 * {@link RaftNodeApi#readBarrier}, on the {@link ReadPool} (reads block on RocksDB).
 *
 * <p><b>Followers do not forward.</b> A write on a follower fails with NOT_LEADER
 * (FAILED_PRECONDITION + the leader's id and client address in the trailers) and the client
 * library retries on the leader. Forwarding would add a hop and a second deadline to reason about;
 * the hint costs the client one round trip once per leader change. Reads are served by any member:
 * a LINEARIZABLE read on a follower runs ReadIndex through the leader and then reads locally.
 *
 * <p>Write outcomes: APPLIED and COMPARE_FAILED are answers; REJECTED (the state machine refused a
 * session command: stale or expired session) is FAILED_PRECONDITION {@code SESSION_SEQUENCE_STALE};
 * READ_LIMIT_EXCEEDED (a Txn whose gets would return more than {@link Command#MAX_TXN_READ_BYTES})
 * is FAILED_PRECONDITION without a reason; ALARM (an active cluster-wide alarm refused it, see
 * {@code io.raftkv.node.alarm.Alarms}) is RESOURCE_EXHAUSTED {@code NO_SPACE} for NOSPACE, and
 * such writes are refused before proposing while the alarm is known active. Every write's header carries the log index that applied
 * it. {@code prev_kv} on Put and Delete and a Txn's per-op results (including gets, read at the
 * transaction's log position and so linearizable) come from the state machine's {@link ApplyResult},
 * so a retried session write is answered with exactly the same response.
 */
public final class KvService extends KVService {
    /** A stored key-value's encoding beyond its key and value: revisions, version, lease, tags. */
    static final int KEY_VALUE_FRAMING_BYTES = 64;

    private final RaftNodeApi node;
    private final KvReader reader;
    private final ReadPool reads;
    private final KvRequests requests;
    private final ServerLimits limits;
    private final ProposalMetrics proposals;

    public KvService(
            RaftNodeApi node, KvReader reader, ReadPool reads, ServerLimits limits, ProposalMetrics proposals) {
        this.node = Objects.requireNonNull(node, "node");
        this.reader = Objects.requireNonNull(reader, "reader");
        this.reads = Objects.requireNonNull(reads, "reads");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.requests = new KvRequests(limits);
        this.proposals = Objects.requireNonNull(proposals, "proposals");
    }

    /**
     * This service with every method run by {@code calls} (deadlines, admission, error trailers),
     * including {@code Pipeline}, which serves the same methods many to a stream ({@link PipelineCall}).
     */
    public Service bindTo(CallRunner calls) {
        return Service.service(KVGrpcService.SERVICE_NAME, KVGrpcService.SERVICE_DESCRIPTOR)
                .bind(KVGrpcService.Put, calls.unary(KVGrpcService.Put, this::put))
                .bind(KVGrpcService.Get, calls.unary(KVGrpcService.Get, this::get))
                .bind(KVGrpcService.Delete, calls.unary(KVGrpcService.Delete, this::delete))
                .bind(KVGrpcService.Range, calls.unary(KVGrpcService.Range, this::range))
                .bind(KVGrpcService.CompareAndSet, calls.unary(KVGrpcService.CompareAndSet, this::compareAndSet))
                .bind(KVGrpcService.Txn, calls.unary(KVGrpcService.Txn, this::txn))
                .bind(KVGrpcService.Compact, calls.unary(KVGrpcService.Compact, this::compact))
                .bind(KVGrpcService.Pipeline, stream -> new PipelineCall(calls.vertx(), stream, calls, this).start())
                .build();
    }

    @Override
    public Future<PutResponse> put(PutRequest r) {
        return Calls.guarded(() -> putChecked(r));
    }

    private Future<PutResponse> putChecked(PutRequest r) {
        Command c = requests.put(r);
        long reserve = r.getPrevKv() ? storedKeyValueBound(r.getKey().size()) : 0;
        return proposeAnswering(ProposalMetrics.Kind.PUT, c, reserve, res -> {
            requireApplied(res, c);
            PutResponse.Builder b = PutResponse.newBuilder().setHeader(header(res));
            if (r.getPrevKv() && res.previous() != null) {
                b.setPrevKv(Protos.keyValue(res.previous(), false));
            }
            return b.build();
        });
    }

    @Override
    public Future<DeleteResponse> delete(DeleteRequest r) {
        return Calls.guarded(() -> deleteChecked(r));
    }

    private Future<DeleteResponse> deleteChecked(DeleteRequest r) {
        Command c = requests.delete(r);
        if (KvRequests.deletesRange(r)) {
            long reserve = r.getPrevKv() ? txnAnswerBound() : 0;
            return proposeAnswering(ProposalMetrics.Kind.DELETE, c, reserve, res -> {
                requireApplied(res, c);
                DeleteResponse.Builder b = DeleteResponse.newBuilder().setHeader(header(res));
                // A retry answered from a session recorded without results carries none.
                if (!res.txnResults().isEmpty()
                        && res.txnResults().get(0) instanceof ApplyResult.DeleteRangeOutcome d) {
                    b.setDeleted(d.deleted());
                    d.previous().forEach(kv -> b.addPrevKvs(Protos.keyValue(kv, false)));
                }
                return b.build();
            });
        }
        long reserve = r.getPrevKv() ? storedKeyValueBound(r.getKey().size()) : 0;
        return proposeAnswering(ProposalMetrics.Kind.DELETE, c, reserve, res -> {
            requireApplied(res, c);
            DeleteResponse.Builder b =
                    DeleteResponse.newBuilder().setHeader(header(res)).setDeleted(res.keyValue() == null ? 0 : 1);
            if (r.getPrevKv() && res.keyValue() != null) {
                b.setPrevKv(Protos.keyValue(res.keyValue(), false));
            }
            return b.build();
        });
    }

    @Override
    public Future<CompareAndSetResponse> compareAndSet(CompareAndSetRequest r) {
        return Calls.guarded(() -> compareAndSetChecked(r));
    }

    private Future<CompareAndSetResponse> compareAndSetChecked(CompareAndSetRequest r) {
        Command c = requests.compareAndSet(r);
        // The answer carries the key's current (refused) or new (applied) key-value.
        long reserve = storedKeyValueBound(r.getCompare().getKey().size());
        return proposeAnswering(ProposalMetrics.Kind.COMPARE_AND_SET, c, reserve, res -> {
            boolean succeeded = outcome(res, c);
            CompareAndSetResponse.Builder b =
                    CompareAndSetResponse.newBuilder().setHeader(header(res)).setSucceeded(succeeded);
            if (res.keyValue() != null) {
                b.setKv(Protos.keyValue(res.keyValue(), false));
            }
            return b.build();
        });
    }

    @Override
    public Future<TxnResponse> txn(TxnRequest r) {
        return Calls.guarded(() -> txnChecked(r));
    }

    private Future<TxnResponse> txnChecked(TxnRequest r) {
        Command c = requests.txn(r);
        long reserve = txnGetsBound(r);
        return proposeAnswering(ProposalMetrics.Kind.TXN, c, reserve, res -> {
            boolean succeeded = outcome(res, c);
            TxnResponse.Builder b =
                    TxnResponse.newBuilder().setHeader(header(res)).setSucceeded(succeeded);
            int branchSize = succeeded ? r.getSuccessCount() : r.getFailureCount();
            // A retry answered from a session recorded before per-op results existed carries none.
            boolean recordedWithoutResults = res.duplicate() && res.txnResults().isEmpty();
            if (res.txnResults().size() != branchSize && !recordedWithoutResults) {
                throw RaftKvException.of(
                        GrpcStatus.INTERNAL,
                        "txn at index " + res.index() + " reported "
                                + res.txnResults().size() + " op results for a branch of " + branchSize + " ops");
            }
            res.txnResults().forEach(op -> b.addResults(Protos.txnOpResult(op)));
            return b.build();
        });
    }

    @Override
    public Future<GetResponse> get(GetRequest r) {
        return Calls.guarded(() -> getChecked(r));
    }

    private Future<GetResponse> getChecked(GetRequest r) {
        byte[] key = requests.getKey(r.getKey());
        ResponseBudget.Connection connection = ResponseBudget.current();
        return node.readBarrier(KvRequests.consistency(r.getConsistency()))
                .compose(v -> reads.submit(() -> {
                    checkBudget(connection);
                    long applied = reader.appliedIndex();
                    KeyRead read = reader.get(key, 0);
                    GetResponse.Builder b =
                            GetResponse.newBuilder().setHeader(Protos.header(node.status(), applied, read.revision()));
                    read.kv().ifPresent(x -> b.setKv(Protos.keyValue(x, false)));
                    return charged(connection, b.build());
                }));
    }

    /**
     * Reads at most {@code limit} keys and at most {@link ServerLimits#maxRangeResponseBytes()} of
     * keys plus values (always at least one key), with {@code more = true} when either bound cut
     * the page, so the client continues after the last key. The state machine enforces both bounds
     * while it iterates, so a large range never materializes beyond them.
     */
    @Override
    public Future<RangeResponse> range(RangeRequest r) {
        return Calls.guarded(() -> rangeChecked(r));
    }

    private Future<RangeResponse> rangeChecked(RangeRequest r) {
        KvRequests.RangeQuery q = requests.range(r);
        boolean keysOnly = r.getKeysOnly();
        ResponseBudget.Connection connection = ResponseBudget.current();
        return node.readBarrier(KvRequests.consistency(r.getConsistency()))
                .compose(v -> reads.submit(() -> {
                    checkBudget(connection);
                    long applied = reader.appliedIndex();
                    RangeResult result = reader.range(
                            q.start(),
                            q.endOrNull(),
                            q.revision(),
                            q.limit(),
                            limits.maxRangeResponseBytes(),
                            keysOnly,
                            q.countOnly());
                    RangeResponse.Builder b = RangeResponse.newBuilder()
                            .setHeader(Protos.header(node.status(), applied, result.revision()));
                    result.keyValues().forEach(kv -> b.addKvs(Protos.keyValue(kv, keysOnly)));
                    return charged(
                            connection,
                            b.setMore(result.more()).setCount(result.count()).build());
                }));
    }

    /**
     * Compacts the history at the requested revision (replicated; the deletions run in the
     * background on every member). Refused below or at the compact revision (OUT_OF_RANGE
     * REVISION_COMPACTED) and beyond the store's revision (OUT_OF_RANGE FUTURE_REVISION).
     */
    @Override
    public Future<CompactResponse> compact(CompactRequest r) {
        return Calls.guarded(() -> {
            Command c = requests.compact(r);
            return propose(ProposalMetrics.Kind.COMPACT, c).map(res -> {
                if (res.status() == ApplyResult.Status.REJECTED) {
                    boolean future = r.getRevision() > res.revision();
                    throw RaftKvException.of(
                            future ? ErrorReason.FUTURE_REVISION : ErrorReason.REVISION_COMPACTED,
                            "compaction refused: " + res.reason());
                }
                requireApplied(res, c);
                return CompactResponse.newBuilder().setHeader(header(res)).build();
            });
        });
    }

    /** The header of a write's response: its entry's index and the revision after it. */
    private Header header(ApplyResult res) {
        return Protos.header(node.status(), res.index(), res.revision());
    }

    /**
     * Refuses a read whose connection (null: called outside a client call) or node holds too many
     * unwritten responses already, before the read materializes another one.
     */
    private static void checkBudget(ResponseBudget.Connection connection) {
        if (connection != null) {
            connection.checkRead();
        }
    }

    /** Charges a read's response to its connection as soon as it exists ({@link ResponseBudget#prechargedBytes}). */
    private static <M extends com.google.protobuf.MessageLite> M charged(
            ResponseBudget.Connection connection, M response) {
        if (connection != null) {
            connection.charge(response.getSerializedSize());
        }
        return response;
    }

    /**
     * The largest key-value a write's answer can carry for a key of {@code keyBytes}: the stored
     * value is at most {@link ServerLimits#maxValueBytes()}, plus the revisions, version, lease and
     * protobuf framing.
     */
    private long storedKeyValueBound(int keyBytes) {
        return keyBytes + (long) limits.maxValueBytes() + KEY_VALUE_FRAMING_BYTES;
    }

    /**
     * The largest answer of a range delete with {@code prev_kv}: the previous key-values are at
     * most {@link Command#MAX_TXN_READ_BYTES} of keys and values (the state machine refuses more),
     * plus framing for every key it may return.
     */
    private static long txnAnswerBound() {
        return Command.MAX_TXN_READ_BYTES + (long) Command.MAX_DELETE_RANGE_KEYS * KEY_VALUE_FRAMING_BYTES;
    }

    /**
     * The largest data a Txn's answer carries: its gets (in the branch with more of them) return at
     * most one stored key-value each and {@link Command#MAX_TXN_READ_BYTES} together; 0 without gets.
     */
    private long txnGetsBound(TxnRequest r) {
        long gets = Math.max(
                r.getSuccessList().stream()
                        .filter(io.raftkv.api.v1.TxnOp::hasGet)
                        .count(),
                r.getFailureList().stream()
                        .filter(io.raftkv.api.v1.TxnOp::hasGet)
                        .count());
        if (gets == 0) {
            return 0;
        }
        long data =
                Math.min(Command.MAX_TXN_READ_BYTES, gets * (Command.MAX_KEY_BYTES + (long) limits.maxValueBytes()));
        return data + gets * KEY_VALUE_FRAMING_BYTES;
    }

    /**
     * Proposes a write whose answer {@code build} makes from its result, charging that answer to
     * the calling connection's response budget before it exists, as a read's is
     * ({@link ResponseBudget#prechargedBytes}):
     * <ul>
     *   <li>An answer that may carry stored data ({@code reserveBytes > 0}: {@code prev_kv}, a
     *       CompareAndSet's key-value, a Txn's gets, a range delete's previous key-values) is
     *       refused OVERLOADED before proposing when the connection or node has spent its budget,
     *       so nothing was written; otherwise {@code reserveBytes}, its largest possible size, are
     *       charged at once. So a client that pipelines many such writes and does not read cannot
     *       make the node hold more answers than the budget plus one reservation per call admitted
     *       at the same moment.</li>
     *   <li>Once the answer is built its actual size replaces the reservation (on whichever thread
     *       completes the proposal; only atomic counts are touched), and whoever writes or drops
     *       it settles the bytes; a failed write gives the reservation back.</li>
     * </ul>
     */
    private <R extends com.google.protobuf.MessageLite> Future<R> proposeAnswering(
            ProposalMetrics.Kind kind,
            Command c,
            long reserveBytes,
            java.util.function.Function<ApplyResult, R> build) {
        ResponseBudget.Connection connection = ResponseBudget.current();
        long reserved = 0;
        if (connection != null && reserveBytes > 0) {
            connection.checkRead();
            reserved = reserveBytes;
            connection.charge(reserved);
        }
        long held = reserved;
        Future<R> answer;
        try {
            answer = propose(kind, c).map(build);
        } catch (RuntimeException e) {
            answer = Future.failedFuture(e);
        }
        if (connection == null) {
            return answer;
        }
        return answer.andThen(
                ar -> connection.charge((ar.succeeded() ? ar.result().getSerializedSize() : 0) - held));
    }

    private Future<ApplyResult> propose(ProposalMetrics.Kind kind, Command c) {
        RaftKvException refused = node.alarms().refusal(c);
        if (refused != null) {
            proposals.failed(GrpcErrors.metricReason(refused));
            return Future.failedFuture(refused);
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

    /** Plain writes have no condition: anything but APPLIED is an error. */
    private void requireApplied(ApplyResult res, Command c) {
        if (!outcome(res, c)) {
            throw RaftKvException.of(
                    GrpcStatus.INTERNAL,
                    "write at index " + res.index() + " reported a failed compare, but it had none");
        }
    }

    /** Whether the command's condition held (APPLIED) or not (COMPARE_FAILED); errors otherwise. */
    private boolean outcome(ApplyResult res, Command c) {
        return outcome(res, c, node.alarms());
    }

    private static boolean outcome(ApplyResult res, Command c, io.raftkv.node.alarm.Alarms alarms) {
        return switch (res.status()) {
            case ALARM ->
                throw alarms == null
                        ? RaftKvException.of(GrpcStatus.FAILED_PRECONDITION, res.reason())
                        : alarms.error(res);
            case APPLIED -> true;
            case COMPARE_FAILED -> false;
            case READ_LIMIT_EXCEEDED ->
                throw RaftKvException.of(
                        GrpcStatus.FAILED_PRECONDITION,
                        "txn at index " + res.index() + " changed nothing: " + res.reason());
            case REJECTED ->
                throw c.session() != null
                        ? RaftKvException.of(ErrorReason.SESSION_SEQUENCE_STALE, "write rejected: " + res.reason())
                        : RaftKvException.of(GrpcStatus.FAILED_PRECONDITION, "write rejected: " + res.reason());
            case LEASE_NOT_FOUND -> throw RaftKvException.of(ErrorReason.LEASE_NOT_FOUND, res.reason());
            case NO_OP ->
                throw RaftKvException.of(GrpcStatus.INTERNAL, "write at index " + res.index() + " applied as a no-op");
        };
    }
}
