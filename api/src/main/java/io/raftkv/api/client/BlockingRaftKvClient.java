package io.raftkv.api.client;

import io.raftkv.api.RaftKvException;
import io.raftkv.api.v1.AddLearnerRequest;
import io.raftkv.api.v1.AddLearnerResponse;
import io.raftkv.api.v1.CompareAndSetRequest;
import io.raftkv.api.v1.CompareAndSetResponse;
import io.raftkv.api.v1.DeleteRequest;
import io.raftkv.api.v1.DeleteResponse;
import io.raftkv.api.v1.GetRequest;
import io.raftkv.api.v1.GetResponse;
import io.raftkv.api.v1.MemberListResponse;
import io.raftkv.api.v1.PromoteMemberResponse;
import io.raftkv.api.v1.PutRequest;
import io.raftkv.api.v1.PutResponse;
import io.raftkv.api.v1.RangeRequest;
import io.raftkv.api.v1.RangeResponse;
import io.raftkv.api.v1.RemoveMemberResponse;
import io.raftkv.api.v1.StatusRequest;
import io.raftkv.api.v1.StatusResponse;
import io.raftkv.api.v1.TransferLeadershipResponse;
import io.raftkv.api.v1.TxnRequest;
import io.raftkv.api.v1.TxnResponse;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.grpc.common.GrpcStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Blocking view of a {@link RaftKvClient}, for the CLI and for tests on plain threads. Each method
 * waits for the asynchronous call (which always ends by its deadline) and returns its value or
 * throws its {@link RaftKvException}. Calling from a Vert.x event loop is refused: it would stall
 * every connection served by that loop.
 */
public final class BlockingRaftKvClient {
    /** Extra wait beyond the call's deadline before giving up on a future that never completes. */
    private static final long GUARD_MILLIS = 5_000;

    private final RaftKvClient client;
    private final long waitMillis;

    BlockingRaftKvClient(RaftKvClient client, long deadlineMillis) {
        this.client = client;
        this.waitMillis = deadlineMillis + GUARD_MILLIS;
    }

    public PutResponse put(PutRequest r) {
        return await(client.put(r), waitMillis);
    }

    public PutResponse put(String key, String value) {
        return await(client.put(key, value), waitMillis);
    }

    public GetResponse get(GetRequest r) {
        return await(client.get(r), waitMillis);
    }

    public GetResponse get(String key) {
        return await(client.get(key), waitMillis);
    }

    public DeleteResponse delete(DeleteRequest r) {
        return await(client.delete(r), waitMillis);
    }

    public DeleteResponse delete(String key) {
        return await(client.delete(key), waitMillis);
    }

    public RangeResponse range(RangeRequest r) {
        return await(client.range(r), waitMillis);
    }

    public CompareAndSetResponse compareAndSet(CompareAndSetRequest r) {
        return await(client.compareAndSet(r), waitMillis);
    }

    public TxnResponse txn(TxnRequest r) {
        return await(client.txn(r), waitMillis);
    }

    public StatusResponse status(StatusRequest r) {
        return await(client.status(r), waitMillis);
    }

    public io.raftkv.api.v1.LeaseGrantResponse leaseGrant(long ttlSeconds) {
        return await(client.leaseGrant(ttlSeconds), waitMillis);
    }

    public io.raftkv.api.v1.LeaseGrantResponse leaseGrant(io.raftkv.api.v1.LeaseGrantRequest r) {
        return await(client.leaseGrant(r), waitMillis);
    }

    public io.raftkv.api.v1.LeaseRevokeResponse leaseRevoke(long id) {
        return await(client.leaseRevoke(id), waitMillis);
    }

    public io.raftkv.api.v1.LeaseTimeToLiveResponse leaseTimeToLive(long id, boolean keys) {
        return await(client.leaseTimeToLive(id, keys), waitMillis);
    }

    public io.raftkv.api.v1.LeaseLeasesResponse leases() {
        return await(client.leases(), waitMillis);
    }

    public StatusResponse status(Endpoint node, StatusRequest r) {
        return await(client.status(node, r), waitMillis);
    }

    public MemberListResponse memberList() {
        return await(client.memberList(), waitMillis);
    }

    public AddLearnerResponse addLearner(AddLearnerRequest r) {
        return await(client.addLearner(r), waitMillis);
    }

    public PromoteMemberResponse promoteMember(long id) {
        return await(client.promoteMember(id), waitMillis);
    }

    public RemoveMemberResponse removeMember(long id) {
        return await(client.removeMember(id), waitMillis);
    }

    public TransferLeadershipResponse transferLeadership(long targetId) {
        return await(client.transferLeadership(targetId), waitMillis);
    }

    public io.raftkv.api.v1.AlarmListResponse alarmList() {
        return await(client.alarmList(), waitMillis);
    }

    public io.raftkv.api.v1.AlarmDisarmResponse alarmDisarm(io.raftkv.api.v1.AlarmDisarmRequest r) {
        return await(client.alarmDisarm(r), waitMillis);
    }

    public SnapshotInfo downloadSnapshot(Endpoint node, Path file, Duration timeout) {
        return await(client.downloadSnapshot(node, file, timeout), timeout.toMillis() + GUARD_MILLIS);
    }

    public SnapshotInfo downloadSnapshot(Endpoint node, SnapshotSink sink, Duration timeout) {
        return await(client.downloadSnapshot(node, sink, timeout), timeout.toMillis() + GUARD_MILLIS);
    }

    /** Waits for {@code future}; unwraps its failure. */
    static <T> T await(Future<T> future, long waitMillis) {
        if (Context.isOnEventLoopThread()) {
            throw new IllegalStateException("blocking RaftKV call on a Vert.x event loop; use the Future API");
        }
        try {
            return future.toCompletionStage().toCompletableFuture().get(waitMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof RaftKvException k) {
                throw k;
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw RaftKvException.local(GrpcStatus.UNKNOWN, String.valueOf(cause.getMessage()), true, cause);
        } catch (TimeoutException e) {
            throw RaftKvException.local(
                    GrpcStatus.DEADLINE_EXCEEDED,
                    "no result within " + waitMillis + " ms (call did not complete by its deadline)",
                    true,
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw RaftKvException.local(GrpcStatus.CANCELLED, "interrupted while waiting", true, e);
        }
    }
}
