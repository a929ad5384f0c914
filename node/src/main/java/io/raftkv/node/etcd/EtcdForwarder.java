package io.raftkv.node.etcd;

import io.raftkv.api.RaftKvException;
import io.raftkv.api.client.Endpoint;
import io.raftkv.api.net.FlushCoalescing;
import io.raftkv.etcd.api.KVGrpcClient;
import io.raftkv.etcd.api.KVGrpcService;
import io.raftkv.etcd.api.PutRequest;
import io.raftkv.etcd.api.PutResponse;
import io.raftkv.node.driver.NodeStatus;
import io.raftkv.node.driver.RaftNodeApi;
import io.raftkv.node.net.HostPort;
import io.raftkv.node.security.ClientPortSecurity;
import io.raftkv.node.server.CallRunner;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.server.GrpcServerRequest;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Sends a write that reached a follower on to the leader's client port, as an etcd member forwards
 * a proposal: etcd's clients spread calls over every endpoint and expect any member to accept a
 * write (Go's clientv3 does not retry a mutation on another endpoint). The forwarded call carries
 * the caller's credentials ({@code authorization}, {@code token}) and a {@link #FORWARDED} header;
 * a call that arrives with that header is served locally or refused, never forwarded again, so no
 * call travels in a circle while two members disagree about the leader.
 *
 * <p>A write that arrives while no leader is known waits for one (at most
 * {@link #LEADER_WAIT_MILLIS}), and one refused before it was proposed (an election began under
 * it) is tried once more: etcd's clients do not retry writes, and etcd's own proposals wait out an
 * election the same way.
 *
 * <p>With TLS on the client port the forwarded call presents this node's certificate and trusts
 * the cluster CA ({@link ClientPortSecurity#forwarding}). With authentication on, the forwarded
 * call repeats the caller's token header; a caller known only by its client certificate is named
 * in {@link ClientPortSecurity#FORWARDED_USER}, which the leader believes only on a connection whose
 * client certificate names a current member (docs/etcd-compatibility.md).
 */
final class EtcdForwarder implements AutoCloseable {
    /** Marks a call a member forwarded; its value is the forwarding member's id. */
    static final String FORWARDED = "raftkv-etcd-forwarded";

    /** How long a write waits for a leader to be known before it is served (or refused) anyway. */
    static final long LEADER_WAIT_MILLIS = 3_000;

    private static final long LEADER_POLL_MILLIS = 20;

    /** HTTP/2 connections a member keeps to the leader's client port for forwarded calls. */
    static final int FORWARD_CONNECTIONS = 8;

    private final Vertx vertx;
    private final RaftNodeApi node;
    private final GrpcClient client;
    private final ClientPortSecurity security;
    private final long timeoutMillis;
    private final EtcdPutStreams puts;

    /**
     * @param security         the client port's TLS (the forwarded call's too) and authentication
     * @param timeoutMillis    deadline of a forwarded call
     * @param maxForwardedPuts forwarded Puts unanswered at once ({@link EtcdPutStreams})
     */
    EtcdForwarder(
            Vertx vertx, RaftNodeApi node, ClientPortSecurity security, long timeoutMillis, int maxForwardedPuts) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.node = Objects.requireNonNull(node, "node");
        this.security = Objects.requireNonNull(security, "security");
        this.timeoutMillis = timeoutMillis;
        // Flushes coalesced, and several connections to the leader: one carries at most the
        // leader's 100 concurrent streams, and two thirds of an etcd client's writes come this way.
        this.client = FlushCoalescing.grpcClient(
                vertx,
                new GrpcClientOptions(),
                security.forwarding(new HttpClientOptions()
                        .setProtocolVersion(HttpVersion.HTTP_2)
                        .setHttp2ClearTextUpgrade(false)
                        .setConnectTimeout(2_000)
                        .setTcpNoDelay(true)),
                new PoolOptions().setHttp2MaxSize(FORWARD_CONNECTIONS));
        this.puts = new EtcdPutStreams(vertx, client, timeoutMillis, maxForwardedPuts);
    }

    /** The pipelined streams that carry this member's forwarded Puts. */
    EtcdPutStreams puts() {
        return puts;
    }

    /**
     * The caller's request headers a forwarded call repeats, and {@code user}, the caller a client
     * certificate alone authenticated (null otherwise); {@code forwardable} false when its identity
     * cannot travel.
     */
    record Origin(boolean forwarded, boolean forwardable, String authorization, String token, String user) {
        static final Origin LOCAL = new Origin(false, false, null, null, null);
    }

    /**
     * A caller authenticated by its client certificate alone is forwarded too: the forwarded call
     * names it in {@link ClientPortSecurity#FORWARDED_USER}, which the leader believes because the
     * call comes on this member's certificate.
     */
    Origin origin(MultiMap headers, io.vertx.core.http.HttpConnection connection) {
        String user = security.certificateUser(headers, connection);
        return new Origin(
                headers.contains(FORWARDED),
                user != null || security.forwardsIdentity(headers),
                headers.get("authorization"),
                headers.get("token"),
                user);
    }

    /**
     * {@code local} on the leader, when no leader is known, when this call was forwarded already,
     * or when forwarding is off; otherwise {@code method} with {@code request} on the leader.
     */
    /**
     * A linearizable read's barrier, waiting out an election as etcd's reads do (etcd's read index
     * waits for a leader; it never answers {@code no leader} to a read): the barrier is taken once a
     * leader is known, and taken again once if it failed UNAVAILABLE (no leader, a new leader that
     * has not committed in its term yet, a transfer): a read is always safe to repeat.
     */
    Future<Void> readBarrier(io.raftkv.node.driver.ReadConsistency consistency) {
        if (consistency == io.raftkv.node.driver.ReadConsistency.SERIALIZABLE) {
            return node.readBarrier(consistency);
        }
        return leaderKnown()
                .compose(v -> node.readBarrier(consistency))
                .recover(e -> e instanceof io.raftkv.node.driver.UnavailableException
                                || e instanceof io.raftkv.node.driver.NoLeaderException
                        ? leaderKnown().compose(v -> node.readBarrier(consistency))
                        : Future.failedFuture(e));
    }

    <Req, Resp> Future<Resp> route(
            Origin origin, Supplier<Future<Resp>> local, ServiceMethod<Resp, Req> method, Req request) {
        return leaderKnown()
                .compose(v -> dispatch(origin, local, method, request))
                .recover(e -> {
                    // Refused before it was proposed (an election began under us): one more try once a
                    // leader is known again, as etcd's own proposals wait out an election.
                    if (notProposed(e)) {
                        return leaderKnown().compose(v -> dispatch(origin, local, method, request));
                    }
                    return Future.failedFuture(e);
                });
    }

    private <Req, Resp> Future<Resp> dispatch(
            Origin origin, Supplier<Future<Resp>> local, ServiceMethod<Resp, Req> method, Req request) {
        Future<GrpcClientRequest<Req, Resp>> call = openToLeader(origin, method);
        if (call == null) {
            return local.get();
        }
        return call.compose(req -> {
            req.timeout(timeoutMillis, TimeUnit.MILLISECONDS);
            return req.send(request)
                    .compose(resp -> resp.last().recover(e -> {
                        GrpcStatus status = resp.status();
                        if (status != null && status != GrpcStatus.OK) {
                            return Future.failedFuture(RaftKvException.of(status, resp.statusMessage()));
                        }
                        return Future.failedFuture(EtcdErrors.LEADER_CHANGED);
                    }));
        });
    }

    /**
     * A call of {@code method} to the leader's client port carrying {@code origin}'s credentials and
     * the {@link #FORWARDED} mark (for a stream as well: the caller writes and ends it), failed with
     * {@code leader changed} when the leader cannot be reached; null when the call is to be served
     * here: this member leads, no leader is known, the call was forwarded already, or forwarding is off.
     */
    <Req, Resp> Future<GrpcClientRequest<Req, Resp>> openToLeader(Origin origin, ServiceMethod<Resp, Req> method) {
        NodeStatus s = node.status();
        HostPort leader = leaderTarget(origin, s);
        if (leader == null) {
            return null;
        }
        return client.request(io.vertx.core.net.SocketAddress.inetSocketAddress(leader.port(), leader.host()), method)
                .recover(e -> Future.failedFuture(EtcdErrors.LEADER_CHANGED))
                .map(req -> {
                    req.headers().set(FORWARDED, Long.toUnsignedString(s.id()));
                    if (origin.authorization() != null) {
                        req.headers().set("authorization", origin.authorization());
                    }
                    if (origin.token() != null) {
                        req.headers().set("token", origin.token());
                    }
                    if (origin.user() != null) {
                        req.headers().set(ClientPortSecurity.FORWARDED_USER, origin.user());
                    }
                    return req;
                });
    }

    /** Where a call of {@code origin} goes from here: the leader's client port, or null to serve it here. */
    private static HostPort leaderTarget(Origin origin, NodeStatus s) {
        if (!origin.forwardable()
                || origin.forwarded()
                || s.isLeader()
                || s.leaderId() == 0
                || s.leaderId() == s.id()
                || s.leaderClientAddress().isEmpty()) {
            return null;
        }
        try {
            return HostPort.parse(s.leaderClientAddress());
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * A gRPC handler for etcd's Put: {@code local} runs it here; on a follower a plain Put (no
     * {@code ignore_value}/{@code ignore_lease}) goes to the leader over a pipelined stream
     * ({@link EtcdPutStreams}), checked here first by {@code check} as the leader would; any other
     * as one unary call ({@link #route}). Failures become etcd's errors.
     */
    Handler<GrpcServerRequest<PutRequest, PutResponse>> put(
            CallRunner calls, Consumer<PutRequest> check, Function<PutRequest, Future<PutResponse>> local) {
        return request -> {
            Origin origin = origin(request.headers(), request.connection());
            calls.unary(
                            KVGrpcService.Put,
                            (PutRequest r) -> EtcdKv.etcd(() -> {
                                Supplier<Future<PutResponse>> here = () -> local.apply(r);
                                if (r.getIgnoreValue() || r.getIgnoreLease()) {
                                    return route(origin, here, KVGrpcClient.Put, r);
                                }
                                return leaderKnown()
                                        .compose(v -> pipelined(origin, r, check, here))
                                        .recover(e -> notProposed(e)
                                                ? leaderKnown().compose(v -> pipelined(origin, r, check, here))
                                                : Future.failedFuture(e))
                                        .recover(e -> Future.failedFuture(
                                                e instanceof EtcdPutStreams.NotSent ? EtcdErrors.LEADER_CHANGED : e));
                            }))
                    .handle(request);
        };
    }

    private Future<PutResponse> pipelined(
            Origin origin, PutRequest r, Consumer<PutRequest> check, Supplier<Future<PutResponse>> local) {
        NodeStatus s = node.status();
        HostPort leader = leaderTarget(origin, s);
        if (leader == null) {
            return local.get();
        }
        check.accept(r);
        Future<PutResponse> sent = puts.put(s.id(), new Endpoint(leader.host(), leader.port()), origin, r);
        if (sent == null) {
            return dispatch(origin, local, KVGrpcClient.Put, r);
        }
        return sent.map(answer -> answer.toBuilder()
                .setHeader(EtcdProtos.header(node.status(), answer.getHeader().getRevision()))
                .build());
    }

    /** Whether {@code e} says the write was refused before anything was proposed (no leader, or not leader). */
    static boolean notProposed(Throwable e) {
        if (e instanceof io.raftkv.node.driver.NotLeaderException || e instanceof EtcdPutStreams.NotSent) {
            return true;
        }
        return e instanceof io.raftkv.node.driver.NoLeaderException;
    }

    /**
     * Completes once this node knows a leader, or after {@link #LEADER_WAIT_MILLIS} without one
     * (the call then fails {@code no leader} where it is served): a write that arrives during an
     * election waits it out instead of failing at once, since etcd's clients do not retry writes.
     */
    Future<Void> leaderKnown() {
        if (node.status().leaderId() != 0) {
            return Future.succeededFuture();
        }
        io.vertx.core.Promise<Void> known = io.vertx.core.Promise.promise();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LEADER_WAIT_MILLIS);
        vertx.setPeriodic(LEADER_POLL_MILLIS, id -> {
            if (node.status().leaderId() != 0 || System.nanoTime() >= deadline) {
                vertx.cancelTimer(id);
                known.tryComplete();
            }
        });
        return known.future();
    }

    /**
     * A gRPC handler for a method that changes the cluster: {@code local} runs it here; on a
     * follower it goes to the leader ({@link #route}). Failures become etcd's errors.
     */
    <Req, Resp> Handler<GrpcServerRequest<Req, Resp>> write(
            CallRunner calls,
            ServiceMethod<Req, Resp> server,
            ServiceMethod<Resp, Req> client,
            Function<Req, Future<Resp>> local) {
        return request -> {
            Origin origin = origin(request.headers(), request.connection());
            calls.unary(server, (Req r) -> EtcdKv.etcd(() -> route(origin, () -> local.apply(r), client, r)))
                    .handle(request);
        };
    }

    @Override
    public void close() {
        puts.close();
        client.close();
    }
}
