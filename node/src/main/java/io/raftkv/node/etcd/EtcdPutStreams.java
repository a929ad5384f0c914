package io.raftkv.node.etcd;

import io.raftkv.api.ErrorReason;
import io.raftkv.api.ErrorTrailers;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.client.Endpoint;
import io.raftkv.api.client.PipelineStream;
import io.raftkv.api.v1.PipelinedCall;
import io.raftkv.api.v1.PipelinedResult;
import io.raftkv.etcd.api.PutRequest;
import io.raftkv.etcd.api.PutResponse;
import io.raftkv.node.security.ClientPortSecurity;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.common.GrpcStatus;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A follower's forwarded etcd Puts, carried to the leader over long-lived {@code KV.Pipeline}
 * streams (RaftKV's own pipelined protocol, {@link PipelineStream}) instead of one unary call each:
 * many Puts share a DATA frame both ways, where a unary call costs a new HTTP/2 stream with its
 * headers and trailers on the follower's server, its forwarding client and the leader's server
 * (docs/results/2026-12-08-etcd-put-forwarding.md).
 *
 * <p>An etcd Put without {@code ignore_value}/{@code ignore_lease} is exactly RaftKV's Put (key,
 * value, lease, {@code prev_kv}: the same command and apply); the leader serves it as any
 * pipelined Put, under the same call rules, and the answer becomes etcd's here: this member's
 * header with the leader's revision, the previous key-value, and RaftKV's errors mapped to etcd's
 * ({@link #etcdError}).
 *
 * <p>Identity: a stream carries one caller identity (the forwarded call's {@code authorization},
 * {@code token}, {@link ClientPortSecurity#FORWARDED_USER}) in its headers, so the leader
 * authenticates and authorizes each pipelined call as that caller, as it does a unary forwarded
 * call. One stream per identity and event loop, at most {@link #MAX_STREAMS_PER_LOOP} identities per
 * loop (a further identity's Puts go as unary calls).
 *
 * <p>Bounds: at most {@code maxInFlight} forwarded Puts unanswered on this member (the client port's
 * in-flight limit); beyond it a Put fails {@code too many requests} before anything is sent. Every
 * call carries the forwarder's deadline in {@code timeout_millis}, and a timer abandons it at the
 * same deadline plus {@link #DEADLINE_SLACK_MILLIS} (a stuck stream is then reset by
 * {@link PipelineStream#abandon}).
 *
 * <p>Outcomes: a call the stream lost before it was written, or that the node did not serve
 * (NOT_LEADER, no leader), was not proposed: {@link NotSent}, which the forwarder tries once more
 * after a leader is known. A call lost after it was written, or proposed and then cut off by a
 * leader change, is etcd's {@code leader changed} (UNAVAILABLE): its outcome is unknown, as with
 * etcd. When the leader changes, the streams to the old one are ended (their unanswered calls are
 * still answered) and new ones opened to the new leader.
 *
 * <p>Each event loop has its own lane of streams, used only on that loop's thread.
 */
final class EtcdPutStreams implements AutoCloseable {
    /** Caller identities with a stream of their own, per event loop. */
    static final int MAX_STREAMS_PER_LOOP = 16;

    /** How long after the call's own deadline the follower gives up on an answer. */
    static final long DEADLINE_SLACK_MILLIS = 1_000;

    /** A Put the stream never delivered, or the node refused before proposing it: safe to send again. */
    static final class NotSent extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotSent(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

    /** The caller identity a stream carries (null fields are absent headers). */
    record Identity(String authorization, String token, String user) {
        static Identity of(EtcdForwarder.Origin origin) {
            return new Identity(origin.authorization(), origin.token(), origin.user());
        }
    }

    private final Vertx vertx;
    private final GrpcClient client;
    private final long timeoutMillis;
    private final int maxInFlight;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Map<Thread, Lane> lanes = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * @param client        the forwarder's gRPC client (TLS and connection pool)
     * @param timeoutMillis the deadline of each forwarded Put
     * @param maxInFlight   forwarded Puts unanswered at once on this member
     */
    EtcdPutStreams(Vertx vertx, GrpcClient client, long timeoutMillis, int maxInFlight) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be at least 1, got " + maxInFlight);
        }
        this.vertx = vertx;
        this.client = client;
        this.timeoutMillis = timeoutMillis;
        this.maxInFlight = maxInFlight;
    }

    /** Forwarded Puts unanswered now. */
    int inFlight() {
        return inFlight.get();
    }

    /**
     * Sends {@code request} to {@code leader} as {@code origin}'s caller (forwarded by member
     * {@code selfId}); null when
     * it must go another way (not on an event loop, too many identities on this loop, closing).
     * The future fails with etcd's errors, or {@link NotSent}.
     */
    Future<PutResponse> put(long selfId, Endpoint leader, EtcdForwarder.Origin origin, PutRequest request) {
        Context context = Vertx.currentContext();
        if (closed || context == null || !context.isEventLoopContext() || !Context.isOnEventLoopThread()) {
            return null;
        }
        Lane lane = lanes.computeIfAbsent(Thread.currentThread(), t -> new Lane(context));
        PipelineStream stream = lane.stream(leader, Identity.of(origin), selfId);
        if (stream == null) {
            return null;
        }
        if (inFlight.incrementAndGet() > maxInFlight) {
            inFlight.decrementAndGet();
            return Future.failedFuture(EtcdErrors.TOO_MANY_REQUESTS);
        }
        Promise<PutResponse> answer = Promise.promise();
        PipelinedCall.Builder call = PipelinedCall.newBuilder()
                .setTimeoutMillis((int) Math.min(Integer.MAX_VALUE, timeoutMillis))
                .setPut(io.raftkv.api.v1.PutRequest.newBuilder()
                        .setKey(request.getKey())
                        .setValue(request.getValue())
                        .setLease(request.getLease())
                        .setPrevKv(request.getPrevKv()));
        Pending pending = new Pending(answer, stream, request.getPrevKv());
        long id = stream.send(call, pending);
        pending.timer = vertx.setTimer(timeoutMillis + DEADLINE_SLACK_MILLIS, t -> {
            if (pending.finish()) {
                stream.abandon(id);
                answer.fail(EtcdErrors.TIMEOUT);
            }
        });
        return answer.future();
    }

    /** One forwarded Put: finished once, by its answer, the stream's failure or its timer. */
    private final class Pending implements PipelineStream.Callback {
        final Promise<PutResponse> answer;
        final PipelineStream stream;
        final boolean prevKv;
        long timer = -1;
        boolean done;

        Pending(Promise<PutResponse> answer, PipelineStream stream, boolean prevKv) {
            this.answer = answer;
            this.stream = stream;
            this.prevKv = prevKv;
        }

        boolean finish() {
            if (done) {
                return false;
            }
            done = true;
            inFlight.decrementAndGet();
            if (timer >= 0) {
                vertx.cancelTimer(timer);
            }
            return true;
        }

        @Override
        public void onResult(PipelinedResult result) {
            if (!finish()) {
                return;
            }
            if (result.hasPut()) {
                answer.complete(etcdAnswer(result.getPut(), prevKv));
            } else if (result.hasError()) {
                answer.fail(etcdError(ErrorTrailers.decode(result.getError())));
            } else {
                answer.fail(RaftKvException.of(
                        GrpcStatus.INTERNAL, "the leader answered a forwarded Put with " + result.getResultCase()));
            }
        }

        @Override
        public void onStreamFailed(boolean written, boolean unimplemented, Throwable cause) {
            if (!finish()) {
                return;
            }
            answer.fail(
                    written
                            ? EtcdErrors.LEADER_CHANGED
                            : new NotSent("the stream to the leader failed before the Put was sent", cause));
        }
    }

    /** etcd's answer from RaftKV's: the revision the leader applied the Put at, and the previous key. */
    static PutResponse etcdAnswer(io.raftkv.api.v1.PutResponse put, boolean prevKv) {
        PutResponse.Builder b = PutResponse.newBuilder();
        if (prevKv && put.hasPrevKv()) {
            io.raftkv.api.v1.KeyValue kv = put.getPrevKv();
            b.setPrevKv(io.raftkv.etcd.api.KeyValue.newBuilder()
                    .setKey(kv.getKey())
                    .setValue(kv.getValue())
                    .setCreateRevision(kv.getCreateRevision())
                    .setModRevision(kv.getModRevision())
                    .setVersion(kv.getVersion())
                    .setLease(kv.getLease()));
        }
        // The header is filled in by the caller (this member's id and term, this revision).
        b.getHeaderBuilder().setRevision(put.getHeader().getRevision());
        return b.build();
    }

    /**
     * etcd's error for RaftKV's answer to a pipelined Put: not proposed (NOT_LEADER, no leader) is
     * {@link NotSent}; a proposal a leader change cut off is {@code leader changed}; back-pressure
     * {@code too many requests}; the deadline {@code request timed out}; an unknown lease, a full
     * disk and a corrupt cluster etcd's own errors; authentication, authorization and invalid
     * requests pass through (the follower has checked them already, under the same rules).
     */
    static RuntimeException etcdError(RaftKvException e) {
        ErrorReason reason = e.reason().orElse(null);
        if (reason == ErrorReason.NOT_LEADER || reason == ErrorReason.NO_LEADER) {
            return new NotSent(e.getMessage(), e);
        }
        if (reason == ErrorReason.LEASE_NOT_FOUND) {
            return EtcdErrors.LEASE_NOT_FOUND;
        }
        if (reason == ErrorReason.NO_SPACE) {
            return EtcdErrors.NO_SPACE;
        }
        if (reason == ErrorReason.CORRUPT) {
            return EtcdErrors.CORRUPT;
        }
        if (reason == ErrorReason.OVERLOADED) {
            return EtcdErrors.TOO_MANY_REQUESTS;
        }
        return switch (e.status()) {
            case UNAVAILABLE, ABORTED -> EtcdErrors.LEADER_CHANGED;
            case DEADLINE_EXCEEDED -> EtcdErrors.TIMEOUT;
            case RESOURCE_EXHAUSTED -> EtcdErrors.TOO_MANY_REQUESTS;
            default -> RaftKvException.of(e.status(), e.getMessage());
        };
    }

    /** The streams of one event loop, by identity, all to {@link #leader}. */
    private final class Lane {
        final Context context;
        final Map<Identity, PipelineStream> streams = new LinkedHashMap<>();
        Endpoint leader;

        Lane(Context context) {
            this.context = context;
        }

        PipelineStream stream(Endpoint to, Identity identity, long selfId) {
            if (!to.equals(leader)) {
                // A new leader: the old one's streams end (their calls are still answered, by it).
                streams.values().forEach(PipelineStream::end);
                streams.clear();
                leader = to;
            }
            PipelineStream s = streams.get(identity);
            if (s != null && !s.isDead()) {
                return s;
            }
            if (s == null && streams.size() >= MAX_STREAMS_PER_LOOP) {
                return null;
            }
            PipelineStream opened = PipelineStream.open(
                    context, withHeaders(identity, selfId), to, dead -> streams.remove(identity, dead));
            streams.put(identity, opened);
            return opened;
        }

        void end() {
            streams.values().forEach(PipelineStream::end);
            streams.clear();
        }
    }

    /** The forwarder's client, every call carrying {@code identity} and the forwarded mark. */
    private GrpcClient withHeaders(Identity identity, long selfId) {
        Map<String, String> headers = new HashMap<>();
        headers.put(EtcdForwarder.FORWARDED, Long.toUnsignedString(selfId));
        if (identity.authorization() != null) {
            headers.put("authorization", identity.authorization());
        }
        if (identity.token() != null) {
            headers.put("token", identity.token());
        }
        if (identity.user() != null) {
            headers.put(ClientPortSecurity.FORWARDED_USER, identity.user());
        }
        return new HeaderClient(client, headers);
    }

    @Override
    public void close() {
        closed = true;
        for (Iterator<Lane> it = lanes.values().iterator(); it.hasNext(); ) {
            Lane lane = it.next();
            it.remove();
            lane.context.runOnContext(v -> lane.end());
        }
    }
}
