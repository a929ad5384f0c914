package io.raftkv.chaos.workload;

import com.google.protobuf.ByteString;
import io.raftkv.api.client.Endpoint;
import io.raftkv.chaos.workload.EtcdUnary.CallFailed;
import io.raftkv.e2e.history.HistoryWriter;
import io.raftkv.e2e.history.OpKind;
import io.raftkv.e2e.history.Operation;
import io.raftkv.etcd.api.Compare;
import io.raftkv.etcd.api.DeleteRangeRequest;
import io.raftkv.etcd.api.KVGrpcClient;
import io.raftkv.etcd.api.PutRequest;
import io.raftkv.etcd.api.RangeRequest;
import io.raftkv.etcd.api.RangeResponse;
import io.raftkv.etcd.api.RequestOp;
import io.raftkv.etcd.api.TxnRequest;
import io.raftkv.etcd.api.TxnResponse;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.common.ServiceMethod;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * A chaos client that speaks etcd's v3 API (the {@code etcd-api} stubs), as an etcd application
 * would: each operation goes to a random member (a follower forwards writes to the leader), one
 * call per operation, no retries (etcd's clients do not retry writes). Its operations go into the
 * same history as the native clients' and are checked by the same linearizability checker:
 * <ul>
 *   <li>get: {@code Range} of the key (linearizable); a failed get is recorded failed and ignored;</li>
 *   <li>put: {@code Put}; delete: {@code DeleteRange} of the key;</li>
 *   <li>cas: {@code Txn} comparing the value (or {@code create_revision = 0} for "absent"), putting
 *       on success and reading the key on failure;</li>
 *   <li>a write without an answer (error or deadline) is recorded {@code unknown}.</li>
 * </ul>
 */
final class EtcdClientWorker implements Runnable {
    private final int clientIndex;
    private final EtcdUnary calls;
    private final WorkloadOptions options;
    private final KeySpace keys;
    private final HistoryWriter history;
    private final WorkloadStats stats;
    private final LongSupplier clock;
    private final Random random;
    private final AtomicBoolean stop;
    private long valuesWritten;
    private volatile Throwable failure;

    EtcdClientWorker(
            int clientIndex,
            GrpcClient grpc,
            List<Endpoint> endpoints,
            WorkloadOptions options,
            KeySpace keys,
            HistoryWriter history,
            WorkloadStats stats,
            LongSupplier clock,
            long seed,
            AtomicBoolean stop) {
        this.clientIndex = clientIndex;
        this.calls = new EtcdUnary(grpc, endpoints);
        this.options = options;
        this.keys = keys;
        this.history = history;
        this.stats = stats;
        this.clock = clock;
        this.random = new Random(seed);
        this.stop = stop;
    }

    @Override
    public void run() {
        try {
            while (!stop.get()) {
                Operation op = next();
                history.append(op);
                stats.record(op);
            }
        } catch (RuntimeException | Error e) {
            failure = e;
            stop.set(true);
        }
    }

    Throwable failure() {
        return failure;
    }

    private Operation next() {
        String key = keys.next(random);
        OpKind kind = options.mix().pick(random);
        long call = clock.getAsLong();
        return switch (kind) {
            case GET -> {
                try {
                    RangeResponse r = call(
                            KVGrpcClient.Range,
                            RangeRequest.newBuilder().setKey(utf8(key)).build());
                    String value =
                            r.getKvsCount() == 0 ? null : r.getKvs(0).getValue().toStringUtf8();
                    keys.observed(key, value);
                    yield Operation.get(clientIndex, key, value, call, clock.getAsLong());
                } catch (CallFailed e) {
                    yield new Operation(
                            clientIndex, OpKind.GET, key, null, null, false, e.timedOut, call, clock.getAsLong());
                }
            }
            case PUT -> {
                String value = nextValue();
                try {
                    call(
                            KVGrpcClient.Put,
                            PutRequest.newBuilder()
                                    .setKey(utf8(key))
                                    .setValue(utf8(value))
                                    .build());
                    keys.observed(key, value);
                    yield Operation.put(clientIndex, key, value, call, clock.getAsLong());
                } catch (CallFailed e) {
                    yield new Operation(
                            clientIndex, OpKind.PUT, key, value, null, false, true, call, clock.getAsLong());
                }
            }
            case DELETE -> {
                try {
                    call(
                            KVGrpcClient.DeleteRange,
                            DeleteRangeRequest.newBuilder().setKey(utf8(key)).build());
                    keys.observed(key, null);
                    yield Operation.delete(clientIndex, key, call, clock.getAsLong());
                } catch (CallFailed e) {
                    yield new Operation(
                            clientIndex, OpKind.DELETE, key, null, null, false, true, call, clock.getAsLong());
                }
            }
            case CAS -> cas(key, keys.lastSeen(key), nextValue(), call);
        };
    }

    private Operation cas(String key, String expected, String value, long call) {
        Compare.Builder cmp = Compare.newBuilder().setKey(utf8(key)).setResult(Compare.CompareResult.EQUAL);
        if (expected == null) {
            cmp.setTarget(Compare.CompareTarget.CREATE).setCreateRevision(0);
        } else {
            cmp.setTarget(Compare.CompareTarget.VALUE).setValue(utf8(expected));
        }
        TxnRequest txn = TxnRequest.newBuilder()
                .addCompare(cmp)
                .addSuccess(RequestOp.newBuilder()
                        .setRequestPut(PutRequest.newBuilder().setKey(utf8(key)).setValue(utf8(value))))
                .addFailure(RequestOp.newBuilder()
                        .setRequestRange(RangeRequest.newBuilder().setKey(utf8(key))))
                .build();
        try {
            TxnResponse r = call(KVGrpcClient.Txn, txn);
            if (r.getSucceeded()) {
                keys.observed(key, value);
            } else {
                RangeResponse current = r.getResponses(0).getResponseRange();
                keys.observed(
                        key,
                        current.getKvsCount() == 0
                                ? null
                                : current.getKvs(0).getValue().toStringUtf8());
            }
            return Operation.cas(clientIndex, key, expected, value, r.getSucceeded(), call, clock.getAsLong());
        } catch (CallFailed e) {
            return new Operation(clientIndex, OpKind.CAS, key, value, expected, false, true, call, clock.getAsLong());
        }
    }

    /** One unary call to a random member, bounded by the operation deadline. */
    private <Req, Resp> Resp call(ServiceMethod<Resp, Req> method, Req request) throws CallFailed {
        return calls.call(method, request, options.opDeadline(), random);
    }

    private String nextValue() {
        return "e" + clientIndex + "-" + valuesWritten++;
    }

    private static ByteString utf8(String s) {
        return ByteString.copyFromUtf8(s);
    }
}
