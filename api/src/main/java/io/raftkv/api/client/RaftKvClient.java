package io.raftkv.api.client;

import com.google.protobuf.ByteString;
import io.raftkv.api.ErrorReason;
import io.raftkv.api.PipelineLimits;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.v1.AddLearnerRequest;
import io.raftkv.api.v1.AddLearnerResponse;
import io.raftkv.api.v1.ClusterGrpcClient;
import io.raftkv.api.v1.CompareAndSetRequest;
import io.raftkv.api.v1.CompareAndSetResponse;
import io.raftkv.api.v1.DeleteRequest;
import io.raftkv.api.v1.DeleteResponse;
import io.raftkv.api.v1.GetRequest;
import io.raftkv.api.v1.GetResponse;
import io.raftkv.api.v1.KVGrpcClient;
import io.raftkv.api.v1.LeaseGrantRequest;
import io.raftkv.api.v1.LeaseGrantResponse;
import io.raftkv.api.v1.LeaseGrpcClient;
import io.raftkv.api.v1.LeaseLeasesRequest;
import io.raftkv.api.v1.LeaseLeasesResponse;
import io.raftkv.api.v1.LeaseRevokeRequest;
import io.raftkv.api.v1.LeaseRevokeResponse;
import io.raftkv.api.v1.LeaseTimeToLiveRequest;
import io.raftkv.api.v1.LeaseTimeToLiveResponse;
import io.raftkv.api.v1.MemberListRequest;
import io.raftkv.api.v1.MemberListResponse;
import io.raftkv.api.v1.PromoteMemberRequest;
import io.raftkv.api.v1.PromoteMemberResponse;
import io.raftkv.api.v1.PutRequest;
import io.raftkv.api.v1.PutResponse;
import io.raftkv.api.v1.RangeRequest;
import io.raftkv.api.v1.RangeResponse;
import io.raftkv.api.v1.ReadConsistency;
import io.raftkv.api.v1.RemoveMemberRequest;
import io.raftkv.api.v1.RemoveMemberResponse;
import io.raftkv.api.v1.Session;
import io.raftkv.api.v1.StatusRequest;
import io.raftkv.api.v1.StatusResponse;
import io.raftkv.api.v1.TransferLeadershipRequest;
import io.raftkv.api.v1.TransferLeadershipResponse;
import io.raftkv.api.v1.TxnRequest;
import io.raftkv.api.v1.TxnResponse;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.GrpcStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Predicate;

/**
 * The RaftKV Java client. Thread-safe; one instance is meant to be shared by a whole application.
 *
 * <ul>
 *   <li><b>Leader discovery.</b> Calls go to the node believed to lead. A NOT_LEADER answer moves
 *       the client to the hinted leader at once; an unreachable or leaderless node moves it to the
 *       next endpoint.</li>
 *   <li><b>Deadlines.</b> Every call has one (default 5 s, {@link RaftKvClientBuilder#deadline}); attempts are
 *       cut at {@link RaftKvClientBuilder#attemptTimeout} so a retry still fits.</li>
 *   <li><b>Retries.</b> Bounded by {@link RetryPolicy}. Reads and session writes are retried after
 *       UNAVAILABLE, RESOURCE_EXHAUSTED, ABORTED, DEADLINE_EXCEEDED and lost connections; writes
 *       without a session only when the node certainly did not apply them.</li>
 *   <li><b>Sessions.</b> By default every write carries a session (random client id, increasing
 *       sequence); a retry reuses the same (client id, seq), so the node applies it once. A number
 *       is used up only by a write that may have been proposed; a write refused before (bad input,
 *       NOT_LEADER, overload) leaves it to the next write. A request that already has a session is
 *       sent unchanged (the caller manages it).</li>
 * </ul>
 * All methods return Vert.x {@link Future}s and never block; {@link #blocking()} wraps them for
 * plain threads. Failures are {@link RaftKvException}s.
 */
public final class RaftKvClient implements AutoCloseable {
    private final Vertx vertx;
    private final boolean ownsVertx;
    private final Connections connections;
    private final LeaderTracker leader;
    private final RetryingCaller caller;
    private final SessionPool sessions;
    private final long deadlineMillis;

    RaftKvClient(RaftKvClientBuilder b, Vertx vertx, boolean ownsVertx) {
        this.vertx = vertx;
        this.ownsVertx = ownsVertx;
        this.deadlineMillis = b.deadline().toMillis();
        this.connections = new Connections(
                vertx,
                b.connections(),
                (int) Math.min(
                        Integer.MAX_VALUE,
                        Math.min(b.deadline().toMillis(), b.attemptTimeout().toMillis())),
                b.maxMessageBytes(),
                b.credentials(),
                CONNECT_PARALLELISM);
        this.leader = new LeaderTracker(b.endpoints());
        this.caller = new RetryingCaller(
                vertx,
                connections,
                leader,
                b.retryPolicy(),
                b.attemptTimeout().toMillis(),
                b.random01(),
                b.pipelining() && b.maxMessageBytes() >= PipelineLimits.MIN_CLIENT_MESSAGE_BYTES);
        this.sessions = b.sessionsEnabled() ? new SessionPool(b.maxConcurrentWrites(), b.clientIdSource()) : null;
    }

    /** A builder; {@link RaftKvClientBuilder#endpoints(List)} is the only required setting. */
    public static RaftKvClientBuilder builder() {
        return new RaftKvClientBuilder();
    }

    // ---------------------------------------------------------------- KV

    public Future<PutResponse> put(PutRequest request) {
        return write(
                request,
                PutRequest::hasSession,
                (r, s) -> r.toBuilder().setSession(s).build(),
                (r, deadline, attempts) ->
                        caller.call(KVGrpcClient.Put, r, kindOf(r.hasSession()), deadline, null, attempts));
    }

    /** Puts a UTF-8 key and value. */
    public Future<PutResponse> put(String key, String value) {
        return put(
                PutRequest.newBuilder().setKey(utf8(key)).setValue(utf8(value)).build());
    }

    public Future<GetResponse> get(GetRequest request) {
        return caller.call(KVGrpcClient.Get, request, CallKind.RETRY_SAFE, deadlineMillis, null);
    }

    /** Linearizable get of a UTF-8 key. */
    public Future<GetResponse> get(String key) {
        return get(key, ReadConsistency.LINEARIZABLE);
    }

    public Future<GetResponse> get(String key, ReadConsistency consistency) {
        return get(GetRequest.newBuilder()
                .setKey(utf8(key))
                .setConsistency(consistency)
                .build());
    }

    public Future<DeleteResponse> delete(DeleteRequest request) {
        return write(
                request,
                DeleteRequest::hasSession,
                (r, s) -> r.toBuilder().setSession(s).build(),
                (r, deadline, attempts) ->
                        caller.call(KVGrpcClient.Delete, r, kindOf(r.hasSession()), deadline, null, attempts));
    }

    public Future<DeleteResponse> delete(String key) {
        return delete(DeleteRequest.newBuilder().setKey(utf8(key)).build());
    }

    public Future<RangeResponse> range(RangeRequest request) {
        return caller.call(KVGrpcClient.Range, request, CallKind.RETRY_SAFE, deadlineMillis, null);
    }

    public Future<CompareAndSetResponse> compareAndSet(CompareAndSetRequest request) {
        return write(
                request,
                CompareAndSetRequest::hasSession,
                (r, s) -> r.toBuilder().setSession(s).build(),
                (r, deadline, attempts) ->
                        caller.call(KVGrpcClient.CompareAndSet, r, kindOf(r.hasSession()), deadline, null, attempts));
    }

    public Future<TxnResponse> txn(TxnRequest request) {
        return write(
                request,
                TxnRequest::hasSession,
                (r, s) -> r.toBuilder().setSession(s).build(),
                (r, deadline, attempts) ->
                        caller.call(KVGrpcClient.Txn, r, kindOf(r.hasSession()), deadline, null, attempts));
    }

    // ---------------------------------------------------------------- Lease

    /** Grants a lease of {@code ttlSeconds} with a random id. */
    public Future<LeaseGrantResponse> leaseGrant(long ttlSeconds) {
        return leaseGrant(LeaseGrantRequest.newBuilder().setTtl(ttlSeconds).build());
    }

    /**
     * Grants a lease. Without an id the client picks a random one, which makes the grant safe to
     * retry: an attempt whose answer was lost leaves a lease with that id, and the retry, answered
     * ALREADY_EXISTS, finds it (its TTL is read back). With an id of the caller's, ALREADY_EXISTS is
     * returned as the error it is.
     */
    public Future<LeaseGrantResponse> leaseGrant(LeaseGrantRequest request) {
        if (request.getId() != 0) {
            return caller.call(LeaseGrpcClient.Grant, request, CallKind.AT_MOST_ONCE, deadlineMillis, null);
        }
        long id;
        do {
            id = java.util.concurrent.ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
        } while (id == 0);
        long chosen = id;
        return caller.call(
                        LeaseGrpcClient.Grant,
                        request.toBuilder().setId(chosen).build(),
                        CallKind.RETRY_SAFE,
                        deadlineMillis,
                        null)
                .recover(err -> {
                    if (err instanceof RaftKvException e && e.status() == GrpcStatus.ALREADY_EXISTS) {
                        return leaseTimeToLive(chosen, false)
                                .map(t -> LeaseGrantResponse.newBuilder()
                                        .setHeader(t.getHeader())
                                        .setId(chosen)
                                        .setTtl(t.getGrantedTtl())
                                        .build());
                    }
                    return Future.failedFuture(err);
                });
    }

    /** Revokes a lease, deleting its keys; NOT_FOUND {@code LEASE_NOT_FOUND} when it does not exist. */
    public Future<LeaseRevokeResponse> leaseRevoke(long id) {
        return caller.call(
                LeaseGrpcClient.Revoke,
                LeaseRevokeRequest.newBuilder().setId(id).build(),
                CallKind.AT_MOST_ONCE,
                deadlineMillis,
                null);
    }

    /** The lease's remaining TTL on the leader's clock (-1: unknown), and its keys with {@code keys}. */
    public Future<LeaseTimeToLiveResponse> leaseTimeToLive(long id, boolean keys) {
        return caller.call(
                LeaseGrpcClient.TimeToLive,
                LeaseTimeToLiveRequest.newBuilder().setId(id).setKeys(keys).build(),
                CallKind.RETRY_SAFE,
                deadlineMillis,
                null);
    }

    /** Every lease. */
    public Future<LeaseLeasesResponse> leases() {
        return caller.call(
                LeaseGrpcClient.Leases,
                LeaseLeasesRequest.getDefaultInstance(),
                CallKind.RETRY_SAFE,
                deadlineMillis,
                null);
    }

    /**
     * Starts keeping lease {@code id} (granted with {@code ttlSeconds} at local time
     * {@code grantedAtNanos}, a {@code System.nanoTime()} taken before the grant was sent) alive
     * until {@link LeaseKeepAlive#stop()} or until it is lost.
     */
    public LeaseKeepAlive keepAlive(long id, long ttlSeconds, long grantedAtNanos) {
        return new LeaseKeepAlive(vertx, connections.next(), leader, id, ttlSeconds, grantedAtNanos);
    }

    // ---------------------------------------------------------------- Cluster

    /** Status of the node the client currently prefers (normally the leader). */
    public Future<StatusResponse> status(StatusRequest request) {
        return caller.call(ClusterGrpcClient.Status, request, CallKind.RETRY_SAFE, deadlineMillis, null);
    }

    /** Status of one specific node; no failover to other nodes. */
    public Future<StatusResponse> status(Endpoint node, StatusRequest request) {
        return caller.call(ClusterGrpcClient.Status, request, CallKind.RETRY_SAFE, deadlineMillis, node);
    }

    public Future<MemberListResponse> memberList() {
        return caller.call(
                ClusterGrpcClient.MemberList,
                MemberListRequest.getDefaultInstance(),
                CallKind.RETRY_SAFE,
                deadlineMillis,
                null);
    }

    public Future<AddLearnerResponse> addLearner(AddLearnerRequest request) {
        return caller.call(ClusterGrpcClient.AddLearner, request, CallKind.AT_MOST_ONCE, deadlineMillis, null);
    }

    public Future<PromoteMemberResponse> promoteMember(long memberId) {
        return caller.call(
                ClusterGrpcClient.PromoteMember,
                PromoteMemberRequest.newBuilder().setId(memberId).build(),
                CallKind.AT_MOST_ONCE,
                deadlineMillis,
                null);
    }

    public Future<RemoveMemberResponse> removeMember(long memberId) {
        return caller.call(
                ClusterGrpcClient.RemoveMember,
                RemoveMemberRequest.newBuilder().setId(memberId).build(),
                CallKind.AT_MOST_ONCE,
                deadlineMillis,
                null);
    }

    /** Transfers leadership to {@code targetId}; 0 lets the leader pick the most caught-up voter. */
    public Future<TransferLeadershipResponse> transferLeadership(long targetId) {
        return caller.call(
                ClusterGrpcClient.TransferLeadership,
                TransferLeadershipRequest.newBuilder().setTargetId(targetId).build(),
                CallKind.AT_MOST_ONCE,
                deadlineMillis,
                null);
    }

    // ---------------------------------------------------------------- Alarm

    /** The cluster-wide alarms as the preferred node has applied them, with its quota and data size. */
    public Future<io.raftkv.api.v1.AlarmListResponse> alarmList() {
        return caller.call(
                io.raftkv.api.v1.AlarmGrpcClient.List,
                io.raftkv.api.v1.AlarmListRequest.getDefaultInstance(),
                CallKind.RETRY_SAFE,
                deadlineMillis,
                null);
    }

    /**
     * Clears alarms (admin role; goes to the leader). A NOSPACE alarm is cleared only once the
     * leader's data is within its quota. Idempotent, so it is retried like a read.
     */
    public Future<io.raftkv.api.v1.AlarmDisarmResponse> alarmDisarm(io.raftkv.api.v1.AlarmDisarmRequest request) {
        return caller.call(io.raftkv.api.v1.AlarmGrpcClient.Disarm, request, CallKind.RETRY_SAFE, deadlineMillis, null);
    }

    /**
     * Downloads a backup from {@code node} (or, when null, the preferred node) into {@code file};
     * see {@link SnapshotDownload}. Its own timeout, since a backup can take far longer than a call.
     */
    public Future<SnapshotInfo> downloadSnapshot(Endpoint node, Path file, Duration timeout) {
        return downloadSnapshot(node, new FileSnapshotSink(vertx, file), timeout);
    }

    /**
     * Streams a backup from {@code node} (or, when null, the preferred node) into {@code sink},
     * committing it only once verified; see {@link SnapshotDownload}.
     */
    public Future<SnapshotInfo> downloadSnapshot(Endpoint node, SnapshotSink sink, Duration timeout) {
        Endpoint source = node != null ? node : leader.current();
        return SnapshotDownload.start(vertx, connections.next().client(), source, sink, timeout.toMillis());
    }

    /**
     * Watches the keys of {@code request} from its {@code start_revision} (0: from now) until
     * closed, resuming on another member after a failure from the last revision delivered
     * ({@link Watcher}).
     */
    public Watcher watch(io.raftkv.api.v1.WatchCreateRequest request, Watcher.Listener listener) {
        Watcher w = new Watcher(
                vertx, () -> connections.next().client(), leader.known(), leader.current(), request, listener);
        w.start();
        return w;
    }

    // ---------------------------------------------------------------- plumbing

    /** Blocking wrappers, for CLIs and tests on plain threads (never on a Vert.x event loop). */
    public BlockingRaftKvClient blocking() {
        return new BlockingRaftKvClient(this, deadlineMillis);
    }

    /** The endpoints the client knows: its seeds, then addresses learned from NOT_LEADER hints. */
    public List<Endpoint> endpoints() {
        return leader.known();
    }

    /**
     * Opens all of the client's connections now — {@code connections} per node, to every seed
     * endpoint, TLS handshakes included — with one {@code Status} call each, a few handshakes at a
     * time, rather than all at once on the first calls. Worth it before a burst of concurrent calls
     * over many connections: with TLS on a loaded machine, a cold client's hundreds of simultaneous
     * handshakes outlasted the calls' deadlines and the nodes' first-request deadline, and no call
     * got through (docs/security.md, "Clients with many connections"). Fails if a connection cannot
     * be opened within {@code timeout}.
     */
    public Future<Void> connect(Duration timeout) {
        return connections.connectAll(leader.known(), timeout.toMillis());
    }

    /**
     * Connections opened at a time to each node, by {@link #connect} and by first calls alike; a client with more
     * connections than this has its calls wait for open ones ({@code Connections.next(Endpoint)}).
     */
    static final int CONNECT_PARALLELISM = 4;

    /** Where the next leader-bound call goes. */
    public Endpoint preferredEndpoint() {
        return leader.current();
    }

    public Vertx vertx() {
        return vertx;
    }

    /** Closes the connections and, if the client created it, its Vert.x instance. */
    public Future<Void> closeAsync() {
        Future<Void> closed = connections.close();
        return ownsVertx ? closed.eventually(vertx::close) : closed;
    }

    /** Blocking close; do not call on an event loop. */
    @Override
    public void close() {
        BlockingRaftKvClient.await(closeAsync(), deadlineMillis + 5_000);
    }

    private static CallKind kindOf(boolean hasSession) {
        return hasSession ? CallKind.RETRY_SAFE : CallKind.AT_MOST_ONCE;
    }

    /** Sends one write request with a deadline, recording what its attempts may have done. */
    @FunctionalInterface
    private interface WriteSender<R, T> {
        Future<T> send(R request, long deadlineMillis, WriteAttempts attempts);
    }

    /**
     * Sends a write, attaching a session lane when sessions are on and the request has none. The
     * lane is held for every attempt of this write; on release it advances only if an attempt may
     * have been proposed (see {@link SessionPool}).
     *
     * <p>SESSION_SEQUENCE_STALE means the node committed the entry but refused it, changing
     * nothing, because it no longer knows the lane's session (expired) or holds a newer number. The
     * lane is renewed (fresh client id, sequence 1). If no earlier attempt of this write may have
     * been proposed, the write certainly was not applied, so it is sent once more under the renewed
     * session, within the same deadline. Otherwise an earlier attempt may have been applied before
     * the session expired; re-sending could apply it twice, so the write fails with an unknown
     * outcome.
     */
    private <R, T> Future<T> write(
            R request, Predicate<R> hasSession, BiFunction<R, Session, R> withSession, WriteSender<R, T> sender) {
        if (sessions == null || hasSession.test(request)) {
            return sender.send(request, deadlineMillis, new WriteAttempts());
        }
        SessionPool.Lane lane;
        try {
            lane = sessions.acquire();
        } catch (RaftKvException e) {
            return Future.failedFuture(e);
        }
        long deadlineAtNanos = System.nanoTime() + deadlineMillis * 1_000_000L;
        return sendInLane(request, lane, withSession, sender, deadlineAtNanos, true);
    }

    private <R, T> Future<T> sendInLane(
            R request,
            SessionPool.Lane lane,
            BiFunction<R, Session, R> withSession,
            WriteSender<R, T> sender,
            long deadlineAtNanos,
            boolean mayRenewAndResend) {
        WriteAttempts attempts = new WriteAttempts();
        long remainingMillis = Math.max(1, (deadlineAtNanos - System.nanoTime()) / 1_000_000L);
        return sender.send(withSession.apply(request, lane.session()), remainingMillis, attempts)
                .transform(ar -> {
                    if (ar.succeeded()) {
                        sessions.release(lane, true);
                        return Future.succeededFuture(ar.result());
                    }
                    RaftKvException e = ar.cause() instanceof RaftKvException k
                            ? k
                            : RaftKvException.local(GrpcStatus.INTERNAL, String.valueOf(ar.cause()), true, ar.cause());
                    if (e.reason().orElse(null) != ErrorReason.SESSION_SEQUENCE_STALE) {
                        sessions.release(lane, attempts.possiblyProposed() > 0);
                        return Future.failedFuture(e);
                    }
                    sessions.renew(lane);
                    boolean earlierAttemptMayHaveApplied = attempts.possiblyProposed() > 1;
                    if (earlierAttemptMayHaveApplied) {
                        sessions.release(lane, false);
                        return Future.failedFuture(e.withOutcomeUnknown());
                    }
                    if (!mayRenewAndResend || deadlineAtNanos - System.nanoTime() <= 0) {
                        sessions.release(lane, false);
                        return Future.failedFuture(e);
                    }
                    return sendInLane(request, lane, withSession, sender, deadlineAtNanos, false);
                });
    }

    /** UTF-8 bytes of {@code s}, for building requests from text keys and values. */
    public static ByteString utf8(String s) {
        if (s == null) {
            throw new IllegalArgumentException("key/value must not be null");
        }
        return ByteString.copyFrom(s, StandardCharsets.UTF_8);
    }
}
