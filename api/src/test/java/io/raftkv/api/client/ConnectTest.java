package io.raftkv.api.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.api.RaftKvException;
import io.raftkv.api.fake.FakeCluster;
import io.raftkv.api.fake.FakeNode;
import io.vertx.grpc.common.GrpcStatus;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RaftKvClient#connect}: every connection of a many-connection client opened before its
 * first call (the TLS stall of the benchmark at 1,000 clients over 100 connections: the
 * connections were opened by the first calls, all at once, and on a loaded machine the handshakes
 * outlasted the calls' and the nodes' deadlines).
 */
class ConnectTest {
    private FakeCluster cluster;

    @BeforeEach
    void start() throws Exception {
        cluster = FakeCluster.start(3);
    }

    @AfterEach
    void stop() throws Exception {
        cluster.close();
    }

    @Test
    void opensEveryConnectionToEveryNodeBeforeTheFirstCall() throws Exception {
        int connections = 10;
        try (RaftKvClient c = RaftKvClient.builder()
                .endpoints(cluster.endpoints())
                .connections(connections)
                .build()) {
            c.connect(Duration.ofSeconds(30))
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(60, TimeUnit.SECONDS);

            for (FakeNode node : cluster.nodes()) {
                Set<String> remotes = new HashSet<>();
                node.received().stream()
                        .filter(r -> r.method().equals("Status"))
                        .forEach(r -> remotes.add(r.remoteAddress()));
                assertThat(remotes)
                        .as("connections from the client to node %s", node.id())
                        .hasSize(connections);
            }
        }
    }

    @Test
    void unusableTlsFilesFailTheBuildNamingTheFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path ca = java.nio.file.Files.writeString(dir.resolve("ca.crt"), "not a certificate\n");
        ClientCredentials credentials = new ClientCredentials(ca, null, null, null);
        assertThatThrownBy(() -> RaftKvClient.builder()
                        .endpoints(cluster.endpoints())
                        .connections(4)
                        .credentials(credentials)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot use CA bundle " + ca);
    }

    @Test
    void failsNamingTheNodeWhenAConnectionCannotBeOpenedInTime() throws Exception {
        cluster.node(3).script("Status", new FakeNode.Drop(false));
        try (RaftKvClient c = RaftKvClient.builder()
                .endpoints(cluster.endpoints())
                .connections(2)
                .build()) {
            assertThatThrownBy(() -> c.connect(Duration.ofMillis(500))
                            .toCompletionStage()
                            .toCompletableFuture()
                            .get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOfSatisfying(RaftKvException.class, e -> {
                        assertThat(e.status()).isEqualTo(GrpcStatus.DEADLINE_EXCEEDED);
                        assertThat(e.getMessage())
                                .contains(cluster.node(3).endpoint().toString());
                    });
        }
    }
}
