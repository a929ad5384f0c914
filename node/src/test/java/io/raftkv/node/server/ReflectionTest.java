package io.raftkv.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.reflection.v1.ServerReflectionRequest;
import io.vertx.grpc.reflection.v1.ServerReflectionResponse;
import org.junit.jupiter.api.Test;

/** grpcurl-style discovery: server reflection lists every service on the client port. */
class ReflectionTest {
    private static final ServiceMethod<ServerReflectionResponse, ServerReflectionRequest> INFO = ServiceMethod.client(
            ServiceName.create("grpc.reflection.v1.ServerReflection"),
            "ServerReflectionInfo",
            GrpcMessageEncoder.encoder(),
            GrpcMessageDecoder.decoder(ServerReflectionResponse.newBuilder()));

    @Test
    void listServicesNamesKvClusterHealthAndReflection() {
        try (ClientServerFixture f = new ClientServerFixture()) {
            var reply = f.call(
                    INFO,
                    ServerReflectionRequest.newBuilder().setListServices("*").build());
            assertThat(reply.body().getListServicesResponse().getServiceList())
                    .extracting(s -> s.getName())
                    .contains("raftkv.v1.KV", "raftkv.v1.Cluster", "grpc.health.v1.Health");
        }
    }
}
