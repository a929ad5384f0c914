package io.raftkv.node.etcd;

import com.google.protobuf.ByteString;
import io.raftkv.api.RaftKvException;
import io.raftkv.etcd.api.RangeRequest;
import io.raftkv.etcd.api.lock.LockGrpcService;
import io.raftkv.etcd.api.lock.LockRequest;
import io.raftkv.etcd.api.lock.LockResponse;
import io.raftkv.etcd.api.lock.UnlockRequest;
import io.raftkv.etcd.api.lock.UnlockResponse;
import io.raftkv.node.server.CallRunner;
import io.vertx.core.Future;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.Service;
import java.util.Objects;

/**
 * etcd's {@code v3lockpb.Lock}, as etcd serves it (a {@code concurrency.Mutex} per call):
 *
 * <ul>
 *   <li><b>Lock</b>{@code (name, lease)}: puts the key {@code name/<lease in hex>} (empty value,
 *       attached to the lease) unless it exists, then waits until no key under {@code name/} was
 *       created before it, watching the deletion of the one just ahead; answers the key, which the
 *       holder passes to Unlock. Its create revision is a fencing token (larger for every later
 *       holder). The wait ends by the caller's deadline: the key is then deleted and the call fails
 *       DEADLINE_EXCEEDED, as etcd's Mutex leaves the queue when its context ends. A lease that
 *       does not exist: {@code requested lease not found}; one that expires while waiting deletes
 *       the key, and the call fails {@code mutex: session is expired}.</li>
 *   <li><b>Unlock</b>{@code (key)}: deletes the key (the next waiter acquires).</li>
 * </ul>
 */
final class EtcdLock {
    private final EtcdRecipes recipes;

    EtcdLock(EtcdRecipes recipes) {
        this.recipes = Objects.requireNonNull(recipes, "recipes");
    }

    Service bindTo(CallRunner calls) {
        return Service.service(LockGrpcService.SERVICE_NAME, LockGrpcService.SERVICE_DESCRIPTOR)
                .bind(LockGrpcService.Lock, recipes.unary(calls, LockGrpcService.Lock, this::lock))
                .bind(LockGrpcService.Unlock, recipes.unary(calls, LockGrpcService.Unlock, this::unlock))
                .build();
    }

    Future<LockResponse> lock(EtcdRecipes.Call call, LockRequest r) {
        if (r.getName().isEmpty()) {
            throw EtcdErrors.invalid("raftkv: a lock needs a name");
        }
        if (r.getLease() <= 0) {
            throw EtcdErrors.invalid("raftkv: a lock needs a lease (LeaseGrant one and keep it alive; RaftKV does"
                    + " not grant an orphan lease for a lock without one)");
        }
        ByteString key = EtcdRecipes.entry(r.getName(), r.getLease());
        ByteString prefix = EtcdRecipes.prefix(r.getName());
        return recipes.join(call, key, ByteString.EMPTY, r.getLease()).compose(joined -> {
            long mine = EtcdRecipes.createRevision(joined);
            return recipes.waitDeletes(prefix, mine - 1, call.deadlineNanos())
                    .compose(
                            header -> recipes.range(RangeRequest.newBuilder()
                                            .setKey(key)
                                            .build())
                                    .compose(still -> {
                                        if (still.getKvsCount() == 0
                                                || still.getKvs(0).getCreateRevision() != mine) {
                                            return Future.<LockResponse>failedFuture(SESSION_EXPIRED);
                                        }
                                        return Future.succeededFuture(LockResponse.newBuilder()
                                                .setHeader(still.getHeader())
                                                .setKey(key)
                                                .build());
                                    }),
                            // Leave the queue (etcd's Mutex deletes its key when its context ends).
                            failure -> recipes.delete(call, key)
                                    .transform(ignored -> Future.<LockResponse>failedFuture(failure)));
        });
    }

    Future<UnlockResponse> unlock(EtcdRecipes.Call call, UnlockRequest r) {
        if (r.getKey().isEmpty()) {
            throw EtcdErrors.EMPTY_KEY;
        }
        return recipes.delete(call, r.getKey())
                .map(d -> UnlockResponse.newBuilder().setHeader(d.getHeader()).build());
    }

    /** etcd's {@code concurrency.ErrSessionExpired}: the lock's key went (its lease expired) while waiting. */
    static final RaftKvException SESSION_EXPIRED = RaftKvException.of(GrpcStatus.UNKNOWN, "mutex: session is expired");
}
