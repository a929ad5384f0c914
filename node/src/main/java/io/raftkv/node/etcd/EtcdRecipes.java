package io.raftkv.node.etcd;

import com.google.protobuf.ByteString;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.v1.Event;
import io.raftkv.api.v1.WatchCreateRequest;
import io.raftkv.api.v1.WatchResponse;
import io.raftkv.etcd.api.Compare;
import io.raftkv.etcd.api.DeleteRangeRequest;
import io.raftkv.etcd.api.DeleteRangeResponse;
import io.raftkv.etcd.api.KVGrpcClient;
import io.raftkv.etcd.api.PutRequest;
import io.raftkv.etcd.api.RangeRequest;
import io.raftkv.etcd.api.RangeResponse;
import io.raftkv.etcd.api.RequestOp;
import io.raftkv.etcd.api.ResponseHeader;
import io.raftkv.etcd.api.TxnRequest;
import io.raftkv.etcd.api.TxnResponse;
import io.raftkv.node.etcd.EtcdForwarder.Origin;
import io.raftkv.node.server.CallRunner;
import io.raftkv.node.server.ServerLimits;
import io.raftkv.node.watch.WatchHub;
import io.raftkv.node.watch.WatchSink;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.server.GrpcServerRequest;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * What etcd's server-side lock and election ({@code v3lockpb}, {@code v3electionpb}) are built of,
 * as etcd builds them from {@code clientv3/concurrency} over its own KV and Watch: a session's entry
 * under a name is the key {@code name + "/" + hex(lease)} attached to the lease; the entry with the
 * lowest create revision holds the lock (leads); every other waits until no entry created before
 * its own is left, watching the deletion of the latest one ahead of it ({@link #waitDeletes}).
 *
 * <p>Writes go through etcd's KV ({@link EtcdKv}), forwarded to the leader from a follower like a
 * client's; reads are linearizable Ranges. A wait ends by the caller's deadline (capped at the
 * server's {@code maxDeadline}; the server's default deadline when the caller set none), a little
 * before the call's own, so the waiter leaves the queue itself rather than after its answer is gone.
 */
final class EtcdRecipes {
    private final Vertx vertx;
    private final EtcdKv kv;
    private final EtcdForwarder forwarder;
    private final WatchHub hub;
    private final ServerLimits limits;

    EtcdRecipes(Vertx vertx, EtcdKv kv, EtcdForwarder forwarder, WatchHub hub, ServerLimits limits) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.kv = Objects.requireNonNull(kv, "kv");
        this.forwarder = Objects.requireNonNull(forwarder, "forwarder");
        this.hub = Objects.requireNonNull(hub, "hub");
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    /** One call's context: who asked (for forwarding) and when its wait must end. */
    record Call(Origin origin, long deadlineNanos) {}

    /** A call body that needs the caller's {@link Call}. */
    interface Body<Req, Resp> {
        Future<Resp> apply(Call call, Req request);
    }

    /**
     * A unary handler for {@code method}: {@code body} runs under the call rules of {@code calls}
     * and knows the caller's headers and deadline; its failures become etcd's errors.
     */
    <Req, Resp> Handler<GrpcServerRequest<Req, Resp>> unary(
            CallRunner calls, ServiceMethod<Req, Resp> method, Body<Req, Resp> body) {
        return request -> {
            Call call = new Call(
                    forwarder.origin(request.headers(), request.connection()), deadlineNanos(request.timeout()));
            calls.unary(method, (Req r) -> EtcdKv.etcd(() -> body.apply(call, r)))
                    .handle(request);
        };
    }

    /**
     * When a wait must end: the call's deadline ({@code clientTimeoutMillis}, capped; the default
     * without one) less a margin of a tenth of it (at most 200 ms).
     */
    long deadlineNanos(long clientTimeoutMillis) {
        long max = limits.maxDeadline().toMillis();
        long millis = clientTimeoutMillis > 0
                ? Math.min(clientTimeoutMillis, max)
                : limits.defaultDeadline().toMillis();
        long margin = Math.min(millis / 10, 200);
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis - margin);
    }

    /** {@code name + "/"}: the prefix of every entry of the lock or election {@code name}. */
    static ByteString prefix(ByteString name) {
        return name.concat(ByteString.copyFromUtf8("/"));
    }

    /** A session's entry: {@code name + "/" + hex(lease)}, as etcd's Mutex and Election name it. */
    static ByteString entry(ByteString name, long lease) {
        return prefix(name).concat(ByteString.copyFromUtf8(Long.toHexString(lease)));
    }

    /** The end of etcd's prefix range for {@code prefix}. */
    static ByteString prefixEnd(ByteString prefix) {
        byte[] end = prefix.toByteArray();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xff) {
                end[i]++;
                return ByteString.copyFrom(end, 0, i + 1);
            }
        }
        return ByteString.copyFrom(new byte[] {0});
    }

    /**
     * Puts {@code key = value} with {@code lease} unless the key exists; answers the Txn: succeeded
     * when it was created (its create revision is the header's), else the existing key in the
     * failure branch's Range.
     */
    Future<TxnResponse> join(Call call, ByteString key, ByteString value, long lease) {
        TxnRequest r = TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder()
                        .setKey(key)
                        .setTarget(Compare.CompareTarget.CREATE)
                        .setResult(Compare.CompareResult.EQUAL)
                        .setCreateRevision(0))
                .addSuccess(RequestOp.newBuilder()
                        .setRequestPut(PutRequest.newBuilder()
                                .setKey(key)
                                .setValue(value)
                                .setLease(lease)))
                .addFailure(RequestOp.newBuilder()
                        .setRequestRange(RangeRequest.newBuilder().setKey(key)))
                .build();
        return txn(call, r);
    }

    /** The create revision of the key {@link #join} created or found. */
    static long createRevision(TxnResponse joined) {
        if (joined.getSucceeded()) {
            return joined.getHeader().getRevision();
        }
        RangeResponse found = joined.getResponses(0).getResponseRange();
        if (found.getKvsCount() == 0) { // cannot happen: the compare saw it in the same transaction
            throw RaftKvException.of(GrpcStatus.INTERNAL, "raftkv: the session's key vanished inside its transaction");
        }
        return found.getKvs(0).getCreateRevision();
    }

    /** Runs {@code r} on the leader (forwarded from a follower, under the caller's credentials). */
    Future<TxnResponse> txn(Call call, TxnRequest r) {
        return forwarder.route(call.origin(), () -> kv.txn(r), KVGrpcClient.Txn, r);
    }

    /** Deletes {@code key} on the leader. */
    Future<DeleteRangeResponse> delete(Call call, ByteString key) {
        DeleteRangeRequest r = DeleteRangeRequest.newBuilder().setKey(key).build();
        return forwarder.route(call.origin(), () -> kv.deleteRange(r), KVGrpcClient.DeleteRange, r);
    }

    /** A linearizable Range. */
    Future<RangeResponse> range(RangeRequest r) {
        return kv.range(r);
    }

    /** The entry with the lowest create revision under {@code prefix} (the holder or leader), if any. */
    Future<RangeResponse> first(ByteString prefix) {
        return range(RangeRequest.newBuilder()
                .setKey(prefix)
                .setRangeEnd(prefixEnd(prefix))
                .setSortTarget(RangeRequest.SortTarget.CREATE)
                .setSortOrder(RangeRequest.SortOrder.ASCEND)
                .setLimit(1)
                .build());
    }

    /**
     * etcd's {@code waitDeletes}: completes (with the header of the last read) once no key under
     * {@code prefix} has a create revision at or below {@code maxCreateRevision}, waiting each time
     * for the deletion of the latest such key; fails DEADLINE_EXCEEDED at {@code deadlineNanos}.
     */
    Future<ResponseHeader> waitDeletes(ByteString prefix, long maxCreateRevision, long deadlineNanos) {
        if (System.nanoTime() >= deadlineNanos) {
            return Future.failedFuture(deadlineExceeded());
        }
        return range(RangeRequest.newBuilder()
                        .setKey(prefix)
                        .setRangeEnd(prefixEnd(prefix))
                        .setMaxCreateRevision(maxCreateRevision)
                        .setSortTarget(RangeRequest.SortTarget.CREATE)
                        .setSortOrder(RangeRequest.SortOrder.DESCEND)
                        .setLimit(1)
                        .build())
                .compose(resp -> {
                    if (resp.getKvsCount() == 0) {
                        return Future.succeededFuture(resp.getHeader());
                    }
                    return deleted(resp.getKvs(0).getKey(), resp.getHeader().getRevision() + 1, deadlineNanos)
                            .compose(v -> waitDeletes(prefix, maxCreateRevision, deadlineNanos));
                });
    }

    /**
     * Completes when {@code key} is deleted at revision {@code fromRevision} or later, or when the
     * member cancels the watcher (the caller reads again); fails DEADLINE_EXCEEDED at the deadline.
     */
    Future<Void> deleted(ByteString key, long fromRevision, long deadlineNanos) {
        Promise<Void> done = Promise.promise();
        WatchSink sink = new WatchSink() {
            @Override
            public void send(WatchResponse response) {
                if (response.getCanceled()) {
                    if (response.getCompactRevision() > 0) {
                        done.tryComplete(); // compacted under us: read again from now
                    } else {
                        done.tryFail(RaftKvException.of(
                                GrpcStatus.UNAVAILABLE, "etcdserver: watch canceled: " + response.getCancelReason()));
                    }
                    return;
                }
                for (Event e : response.getEventsList()) {
                    if (e.getType() == Event.EventType.DELETE) {
                        done.tryComplete();
                        return;
                    }
                }
            }

            @Override
            public long pendingBytes() {
                return 0;
            }
        };
        long delayMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
        long timer = vertx.setTimer(delayMillis, id -> done.tryFail(deadlineExceeded()));
        byte[] start = key.toByteArray();
        hub.create(
                sink,
                WatchCreateRequest.newBuilder()
                        .setKey(key)
                        .setStartRevision(fromRevision)
                        .addFilters(WatchCreateRequest.FilterType.NOPUT)
                        .build(),
                start,
                EtcdRange.successor(start));
        return done.future().andThen(ar -> {
            vertx.cancelTimer(timer);
            hub.closed(sink);
        });
    }

    static RaftKvException deadlineExceeded() {
        return RaftKvException.of(GrpcStatus.DEADLINE_EXCEEDED, "context deadline exceeded");
    }
}
