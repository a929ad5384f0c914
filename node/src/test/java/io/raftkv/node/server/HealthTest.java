package io.raftkv.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.node.driver.NodeStatus;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.health.handler.GrpcHealthCheckV1Handler;
import io.vertx.grpc.health.handler.GrpcHealthWatchV1Handler;
import io.vertx.grpc.health.v1.HealthCheckRequest;
import io.vertx.grpc.health.v1.HealthCheckResponse;
import io.vertx.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** grpc.health.v1 and HTTP /health, /ready through their status transitions. */
class HealthTest {
    private static final ServiceMethod<HealthCheckResponse, HealthCheckRequest> CHECK = ServiceMethod.client(
            GrpcHealthCheckV1Handler.SERVICE_METHOD.serviceName(),
            "Check",
            GrpcMessageEncoder.encoder(),
            GrpcMessageDecoder.decoder(HealthCheckResponse.newBuilder()));
    private static final ServiceMethod<HealthCheckResponse, HealthCheckRequest> WATCH = ServiceMethod.client(
            GrpcHealthWatchV1Handler.SERVICE_METHOD.serviceName(),
            "Watch",
            GrpcMessageEncoder.encoder(),
            GrpcMessageDecoder.decoder(HealthCheckResponse.newBuilder()));

    private ClientServerFixture f;

    @AfterEach
    void stop() {
        f.close();
    }

    private ServingStatus check(String service) {
        return f.call(CHECK, HealthCheckRequest.newBuilder().setService(service).build())
                .body()
                .getStatus();
    }

    @Test
    void checkFollowsReadinessAndLivenessSeparately() {
        f = new ClientServerFixture();
        f.node.status = FakeRaftNode.follower(0, 7);
        assertThat(check("")).isEqualTo(ServingStatus.NOT_SERVING);
        assertThat(check("readiness")).isEqualTo(ServingStatus.NOT_SERVING);
        assertThat(check("liveness")).isEqualTo(ServingStatus.SERVING);
        assertThat(f.get("/ready").status()).isEqualTo(503);
        assertThat(f.get("/ready").body()).isEqualTo("not ready: no leader known in term 7\n");
        assertThat(f.get("/health").status()).isEqualTo(200);

        f.node.status = FakeRaftNode.follower(1, 7);
        assertThat(check("")).isEqualTo(ServingStatus.SERVING);
        assertThat(check("raftkv.v1.KV")).isEqualTo(ServingStatus.SERVING);
        var ready = f.get("/ready");
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.body()).isEqualTo("ready: member 2, leader 1, term 7\n");

        f.node.healthy = false;
        assertThat(check("")).isEqualTo(ServingStatus.NOT_SERVING);
        assertThat(check("liveness")).isEqualTo(ServingStatus.NOT_SERVING);
        assertThat(f.get("/health").status()).isEqualTo(503);
        assertThat(f.get("/ready").status()).isEqualTo(503);

        var unknown =
                f.call(CHECK, HealthCheckRequest.newBuilder().setService("nope").build());
        assertThat(unknown.status()).isEqualTo(GrpcStatus.NOT_FOUND);
        assertThat(f.get("/nope").status()).isEqualTo(404);
    }

    @Test
    void watchPushesEveryTransition() {
        f = new ClientServerFixture(ServerLimits.defaults().withStatusPollInterval(Duration.ofMillis(20)));
        NodeStatus noLeader = FakeRaftNode.follower(0, 3);
        f.node.status = noLeader;
        List<ServingStatus> seen = new CopyOnWriteArrayList<>();
        var stream = f.callAsync(
                WATCH, HealthCheckRequest.newBuilder().setService("").build(), 0, m -> seen.add(m.getStatus()));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 1);
        f.node.status = FakeRaftNode.follower(1, 3);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 2);
        f.node.status = FakeRaftNode.follower(0, 4);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 3);
        assertThat(seen).containsExactly(ServingStatus.NOT_SERVING, ServingStatus.SERVING, ServingStatus.NOT_SERVING);
        assertThat(f.server.healthWatchers()).isEqualTo(1);
        ClientServerFixture.await(f.server.close());
        var end = ClientServerFixture.await(stream);
        assertThat(end.status()).isEqualTo(GrpcStatus.OK);
    }

    @Test
    void watchStreamsBeyondTheLimitAreRefused() {
        f = new ClientServerFixture(ServerLimits.defaults().withMaxHealthWatchers(1));
        List<ServingStatus> seen = new CopyOnWriteArrayList<>();
        f.callAsync(
                WATCH, HealthCheckRequest.newBuilder().setService("liveness").build(), 0, m -> seen.add(m.getStatus()));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 1);
        var second = ClientServerFixture.await(f.callAsync(WATCH, HealthCheckRequest.getDefaultInstance(), 0, m -> {}));
        assertThat(second.status()).isEqualTo(GrpcStatus.RESOURCE_EXHAUSTED);
        assertThat(second.message()).isEqualTo("more than 1 health watch streams open (maxHealthWatchers)");
    }
}
