package io.raftkv.node.server;

import io.raftkv.node.kv.KvReader;
import io.raftkv.node.metrics.PrometheusMetrics;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientResponse;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A running {@link ClientServer} on a free loopback port, backed by a {@link FakeRaftNode} and an
 * {@link InMemoryKvReader}, with a raw gRPC client that exposes status, message and trailers (the
 * things the tests check) and a plain HTTP client. Tests block on futures from the JUnit thread,
 * never on an event loop; every wait is bounded.
 */
final class ClientServerFixture implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(10);

    final Vertx vertx = Vertx.vertx();
    final FakeRaftNode node = new FakeRaftNode();
    final InMemoryKvReader reader = new InMemoryKvReader();
    final PrometheusMetrics.Registry metrics = PrometheusMetrics.create();
    final ClientServer server;
    final GrpcClient grpc = GrpcClient.client(vertx);
    final HttpClient http = vertx.createHttpClient();

    ClientServerFixture(ServerLimits limits) {
        server = await(ClientServer.builder(vertx, node, limits, metrics.prometheus())
                .reader(reader)
                .start("127.0.0.1", 0));
    }

    /** A server that reads through {@code readThrough} (e.g. a real state machine) instead of {@link #reader}. */
    ClientServerFixture(ServerLimits limits, KvReader readThrough) {
        server = await(ClientServer.builder(vertx, node, limits, metrics.prometheus())
                .reader(readThrough)
                .start("127.0.0.1", 0));
    }

    /** As above, the node's state machine set first, so the server's watch hub follows its changes. */
    ClientServerFixture(ServerLimits limits, io.raftkv.node.storage.KvStateMachine stateMachine) {
        node.stateMachine = stateMachine;
        server = await(ClientServer.builder(vertx, node, limits, metrics.prometheus())
                .reader(KvReader.of(() -> stateMachine))
                .start("127.0.0.1", 0));
    }

    ClientServerFixture() {
        this(ServerLimits.defaults());
    }

    /** The outcome of one call: status and message, trailers (or headers of a trailers-only reply), messages. */
    record Reply<T>(GrpcStatus status, String message, MultiMap trailers, MultiMap headers, List<T> messages) {
        T body() {
            if (status != GrpcStatus.OK || messages.size() != 1) {
                throw new AssertionError("expected one message with OK, got " + status + " (" + message + ") and "
                        + messages.size() + " messages");
            }
            return messages.get(0);
        }

        /** A metadata entry from the trailers, or from the headers of a trailers-only reply. */
        String meta(String key) {
            String v = trailers == null ? null : trailers.get(key);
            return v != null ? v : headers == null ? null : headers.get(key);
        }
    }

    <Req, Resp> Reply<Resp> call(ServiceMethod<Resp, Req> method, Req request) {
        return await(callAsync(method, request, 0, m -> {}));
    }

    <Req, Resp> Reply<Resp> call(ServiceMethod<Resp, Req> method, Req request, long timeoutMillis) {
        return await(callAsync(method, request, timeoutMillis, m -> {}));
    }

    /**
     * Sends {@code request}; {@code onMessage} sees each response message as it arrives (on an event
     * loop); the future completes when the call ends.
     */
    <Req, Resp> Future<Reply<Resp>> callAsync(
            ServiceMethod<Resp, Req> method, Req request, long timeoutMillis, Consumer<Resp> onMessage) {
        Promise<Reply<Resp>> done = Promise.promise();
        grpc.request(SocketAddress.inetSocketAddress(server.port(), "127.0.0.1"), method)
                .onComplete(rar -> {
                    if (rar.failed()) {
                        done.fail(rar.cause());
                        return;
                    }
                    var req = rar.result();
                    if (timeoutMillis > 0) {
                        req.timeout(timeoutMillis, TimeUnit.MILLISECONDS);
                    }
                    req.send(request).onComplete(sar -> {
                        if (sar.failed()) {
                            done.fail(sar.cause());
                            return;
                        }
                        GrpcClientResponse<Req, Resp> resp = sar.result();
                        List<Resp> messages = new ArrayList<>();
                        resp.handler(m -> {
                            messages.add(m);
                            onMessage.accept(m);
                        });
                        resp.endHandler(v -> done.tryComplete(new Reply<>(
                                resp.status(),
                                resp.statusMessage(),
                                resp.trailers(),
                                resp.headers(),
                                List.copyOf(messages))));
                        resp.exceptionHandler(err -> done.tryComplete(new Reply<>(
                                resp.status(),
                                String.valueOf(err),
                                resp.trailers(),
                                resp.headers(),
                                List.copyOf(messages))));
                    });
                });
        return done.future();
    }

    /** An HTTP GET on the client port: status, content type, body. */
    record HttpReply(int status, String contentType, String body) {}

    HttpReply get(String path) {
        return get(path, null);
    }

    HttpReply get(String path, String accept) {
        RequestOptions o = new RequestOptions()
                .setMethod(HttpMethod.GET)
                .setHost("127.0.0.1")
                .setPort(server.port())
                .setURI(path);
        if (accept != null) {
            o.putHeader("accept", accept);
        }
        // The body is asked for in the callback that sends (on the event loop), never by a later link
        // of the chain: the calling thread could add that link only after the response had arrived,
        // and Vert.x drops a body nobody asked for yet (the request then hangs).
        return await(http.request(o)
                .compose(req -> req.send()
                        .compose((HttpClientResponse r) -> r.body()
                                .map((Buffer b) ->
                                        new HttpReply(r.statusCode(), r.getHeader("content-type"), b.toString())))));
    }

    static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError("future failed: " + e.getCause(), e.getCause());
        } catch (Exception e) {
            throw new AssertionError("future did not complete within " + WAIT + ": " + e, e);
        }
    }

    @Override
    public void close() {
        try {
            await(server.close());
        } finally {
            metrics.close();
            await(vertx.close());
        }
    }
}
