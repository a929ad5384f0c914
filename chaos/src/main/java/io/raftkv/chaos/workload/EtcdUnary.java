package io.raftkv.chaos.workload;

import io.raftkv.api.client.ClientCredentials;
import io.raftkv.api.client.Endpoint;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import io.vertx.grpc.common.ServiceMethod;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Blocking unary calls of etcd's v3 API for the chaos harness's etcd-API users: each call goes to
 * a random member (a follower forwards what it cannot answer), bounded by a deadline; no retries,
 * as etcd's clients do not retry writes.
 */
final class EtcdUnary {
    /** A call that ended without an answer; {@code timedOut}: by its deadline (the outcome is unknown). */
    static final class CallFailed extends Exception {
        private static final long serialVersionUID = 1L;
        final boolean timedOut;

        CallFailed(String message, boolean timedOut) {
            super(message, null, false, false);
            this.timedOut = timedOut;
        }
    }

    private final GrpcClient grpc;
    private final List<Endpoint> endpoints;

    EtcdUnary(GrpcClient grpc, List<Endpoint> endpoints) {
        this.grpc = grpc;
        this.endpoints = List.copyOf(endpoints);
    }

    /** An HTTP/2 gRPC client, on TLS with {@code credentials} (null: plaintext). */
    static GrpcClient client(Vertx vertx, Duration connectTimeout, ClientCredentials credentials) {
        HttpClientOptions http = new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false)
                .setConnectTimeout((int) connectTimeout.toMillis());
        return credentials == null
                ? GrpcClient.client(vertx, new GrpcClientOptions(), http)
                : credentials.authorize(GrpcClient.client(vertx, new GrpcClientOptions(), credentials.secure(http)));
    }

    /** One unary call to a member picked by {@code random}, bounded by {@code deadline}. */
    <Req, Resp> Resp call(ServiceMethod<Resp, Req> method, Req request, Duration deadline, Random random)
            throws CallFailed {
        Endpoint e = endpoints.get(random.nextInt(endpoints.size()));
        long deadlineMs = deadline.toMillis();
        Future<Resp> f = grpc.request(SocketAddress.inetSocketAddress(e.port(), e.host()), method)
                .compose(req -> {
                    req.timeout(deadlineMs, TimeUnit.MILLISECONDS);
                    return req.send(request).compose(resp -> resp.last());
                });
        try {
            return f.toCompletionStage().toCompletableFuture().get(deadlineMs + 1_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException ex) {
            throw new CallFailed(String.valueOf(ex.getCause()), false);
        } catch (TimeoutException ex) {
            throw new CallFailed("no answer within " + deadlineMs + " ms", true);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new CallFailed("interrupted", true);
        }
    }
}
