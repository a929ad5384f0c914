package io.raftkv.api.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.raftkv.api.RaftKvException;
import io.raftkv.api.fake.FakeCluster;
import io.raftkv.api.fake.FakeNode;
import io.vertx.grpc.common.GrpcStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
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

    /**
     * A client that never calls {@code connect}: its first calls used to open all its connections at
     * once (the stall, for a client like the bench's without {@code connect}). Now at most
     * {@link RaftKvClient#CONNECT_PARALLELISM} open at a time, each with a {@code Status} call, and
     * calls go only over connections already open. The leader holds every {@code Status} answer
     * until the test releases it, so what is in flight is exact.
     */
    @Test
    void firstCallsWithoutConnectOpenConnectionsAFewAtATimeAndUseOnlyOpenOnes() throws Exception {
        int connections = 12;
        FakeNode leader = cluster.leader();
        List<CompletableFuture<Void>> answers = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            CompletableFuture<Void> answer = new CompletableFuture<>();
            answers.add(answer);
            leader.script("Status", new FakeNode.Hold(answer));
        }
        try (RaftKvClient c = RaftKvClient.builder()
                .endpoints(cluster.endpoints())
                .connections(connections)
                .deadline(Duration.ofSeconds(60))
                .attemptTimeout(Duration.ofSeconds(60))
                .build()) {
            List<io.vertx.core.Future<?>> puts = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                puts.add(c.put("k" + i, "v" + i));
            }
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> statusRemotes(leader).size() == RaftKvClient.CONNECT_PARALLELISM);
            assertThat(leader.received("Put", Object.class))
                    .as("no call goes over a connection still opening")
                    .isEmpty();

            answers.get(0).complete(null); // the first connection is open; its place goes to the next
            await().atMost(Duration.ofSeconds(30)).until(() -> puts.stream().allMatch(f -> f.isComplete()));
            List<String> statuses = statusRemotes(leader);
            assertThat(statuses)
                    .as("openings so far: four in flight and the one answered")
                    .hasSize(RaftKvClient.CONNECT_PARALLELISM + 1);
            Set<String> putRemotes = new HashSet<>();
            leader.received().stream()
                    .filter(r -> r.method().equals("Put"))
                    .forEach(r -> putRemotes.add(r.remoteAddress()));
            assertThat(putRemotes)
                    .as("the 40 puts all went over the one connection open (opened by a Status call)")
                    .hasSize(1);
            assertThat(statuses).containsAll(putRemotes);
            assertThat(puts).allMatch(f -> f.succeeded());

            answers.forEach(a -> a.complete(null));
            c.connect(Duration.ofSeconds(30))
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(60, TimeUnit.SECONDS);
            assertThat(new HashSet<>(statusRemotes(leader)))
                    .as("every connection opened once, by the first calls' openings or connect")
                    .hasSize(connections);
        }
    }

    /** Openings are bounded per node: a node that holds its answers holds up only its own. */
    @Test
    void aNodeThatDoesNotAnswerHoldsUpOnlyItsOwnOpenings() throws Exception {
        int connections = 8;
        FakeNode silent = cluster.node(3);
        CompletableFuture<Void> answer = new CompletableFuture<>();
        for (int i = 0; i < connections; i++) {
            silent.script("Status", new FakeNode.Hold(answer));
        }
        try (RaftKvClient c = RaftKvClient.builder()
                .endpoints(cluster.endpoints())
                .connections(connections)
                .deadline(Duration.ofSeconds(60))
                .attemptTimeout(Duration.ofSeconds(60))
                .build()) {
            var connecting = c.connect(Duration.ofSeconds(60));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> new HashSet<>(statusRemotes(cluster.node(1))).size() == connections
                            && new HashSet<>(statusRemotes(cluster.node(2))).size() == connections);
            assertThat(statusRemotes(silent)).hasSize(RaftKvClient.CONNECT_PARALLELISM);
            assertThat(connecting.isComplete()).isFalse();

            answer.complete(null);
            connecting.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            assertThat(new HashSet<>(statusRemotes(silent))).hasSize(connections);
        }
    }

    /** The remote addresses of the Status calls {@code node} received, in arrival order. */
    private static List<String> statusRemotes(FakeNode node) {
        return node.received().stream()
                .filter(r -> r.method().equals("Status"))
                .map(FakeNode.Received::remoteAddress)
                .toList();
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
