package io.raftkv.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.api.v1.GetRequest;
import io.raftkv.api.v1.KVGrpcClient;
import io.raftkv.node.metrics.PrometheusMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientResponse;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.health.handler.GrpcHealthCheckV1Handler;
import io.vertx.grpc.health.v1.HealthCheckRequest;
import io.vertx.grpc.health.v1.HealthCheckResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The plaintext probe port: health, readiness, metrics and gRPC health, and nothing else. */
class ProbeServerTest {
    private static final ServiceMethod<HealthCheckResponse, HealthCheckRequest> CHECK = ServiceMethod.client(
            GrpcHealthCheckV1Handler.SERVICE_METHOD.serviceName(),
            "Check",
            GrpcMessageEncoder.encoder(),
            GrpcMessageDecoder.decoder(HealthCheckResponse.newBuilder()));

    private final Vertx vertx = Vertx.vertx();
    private final PrometheusMetrics.Registry metrics = PrometheusMetrics.create();
    private final ProbeServer probe = await(ProbeServer.start(
            vertx, new FakeRaftNode(), ServerLimits.defaults(), metrics.prometheus(), "127.0.0.1", 0));

    @AfterEach
    void tearDown() {
        await(probe.close());
        await(vertx.close());
        metrics.close();
    }

    @Test
    void servesHealthReadinessMetricsAndGrpcHealth() {
        HttpClient http = vertx.createHttpClient();
        for (String path : new String[] {"/health", "/ready", "/metrics"}) {
            int status = await(http.request(HttpMethod.GET, probe.port(), "127.0.0.1", path)
                    .compose(r -> r.send())
                    .map(io.vertx.core.http.HttpClientResponse::statusCode));
            assertThat(status).as(path).isEqualTo(200);
        }
        GrpcClient grpc = GrpcClient.client(vertx);
        HealthCheckResponse health =
                await(grpc.request(SocketAddress.inetSocketAddress(probe.port(), "127.0.0.1"), CHECK)
                        .compose(req -> req.send(HealthCheckRequest.getDefaultInstance())
                                .compose(GrpcClientResponse::last)));
        assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }

    @Test
    void servesNoDataAndNoOtherPath() {
        GrpcClient grpc = GrpcClient.client(vertx);
        GrpcStatus status =
                await(grpc.request(SocketAddress.inetSocketAddress(probe.port(), "127.0.0.1"), KVGrpcClient.Get)
                        .compose(req -> req.send(GetRequest.getDefaultInstance())
                                .compose(resp -> resp.end().transform(ar -> Future.succeededFuture(resp.status())))));
        assertThat(status).isEqualTo(GrpcStatus.UNIMPLEMENTED);
        int http = await(vertx.createHttpClient()
                .request(HttpMethod.GET, probe.port(), "127.0.0.1", "/debug")
                .compose(r -> r.send())
                .map(io.vertx.core.http.HttpClientResponse::statusCode));
        assertThat(http).isEqualTo(404);
    }

    private static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void rawSocketsAndHttp1ConnectionsCountAgainstTheCapsAndAreClosed() throws Exception {
        PrometheusMetrics.Registry own = PrometheusMetrics.create();
        ProbeServer guarded = await(ProbeServer.start(
                vertx,
                new FakeRaftNode(),
                ServerLimits.defaults(),
                GuardedPortCheck.LIMITS,
                own.prometheus(),
                "127.0.0.1",
                0));
        try {
            GuardedPortCheck.rawAndHttp1SocketsAreGuarded(vertx, guarded.port(), guarded.connectionGuard(), "/health");
        } finally {
            await(guarded.close());
            own.close();
        }
    }
}
