package io.raftkv.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.raftkv.api.v1.GetRequest;
import io.raftkv.api.v1.KVGrpcClient;
import io.raftkv.api.v1.PutRequest;
import io.raftkv.node.driver.NodeStatus;
import io.raftkv.node.driver.NotLeaderException;
import io.raftkv.node.metrics.BuildInfo;
import io.raftkv.node.metrics.DriverMetrics;
import io.raftkv.node.metrics.PeerMetrics;
import io.raftkv.node.metrics.PrometheusMetrics;
import io.raftkv.node.metrics.PrometheusTextParser;
import io.raftkv.node.metrics.SnapshotMetrics;
import io.raftkv.node.metrics.StorageMetrics;
import io.raftkv.node.storage.KvStateMachine;
import io.raftkv.node.storage.WriterStats;
import io.raftkv.node.transport.TransportStats;
import io.raftkv.raft.ProgressState;
import io.raftkv.raft.StateType;
import io.vertx.core.Future;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Scrapes /metrics after real traffic and checks it with a strict parser of the text format, the
 * presence and values of the node's meters, and — when installed — Prometheus' own promtool.
 */
class MetricsEndpointTest {
    private ClientServerFixture f;
    private StorageMetrics storage;
    private PeerMetrics peers;
    private DriverMetrics driver;

    @BeforeEach
    void start() {
        f = new ClientServerFixture(ServerLimits.defaults().withStatusPollInterval(Duration.ofMillis(20)));
        NodeStatus s = FakeRaftNode.leader(1, 5);
        f.node.status = new NodeStatus(
                1,
                StateType.LEADER,
                false,
                5,
                1,
                FakeRaftNode.LEADER_ADDRESS,
                120,
                118,
                1,
                121,
                50,
                s.members(),
                List.of(new NodeStatus.FollowerLag(2, 119, 120, 2, ProgressState.REPLICATE, true, false)),
                true,
                true);
        var registry = f.metrics.prometheus();
        storage = new StorageMetrics(
                registry,
                () -> new WriterStats(10, 12, 40, 4096, 850, 4100, 9000, 3, false),
                () -> 123_456L,
                () -> new KvStateMachine.DataEstimates(100_000, 42),
                () -> 789L);
        storage.recordFsync(4_000_000);
        storage.recordFsync(40_000_000);
        driver = new DriverMetrics(registry, () -> 3, () -> 4);
        driver.leaderChanged(1);
        driver.applied(10, 150_000_000);
        driver.readIndexServed(2_000_000);
        BuildInfo.current().register(registry);
        TransportStats transport = new TransportStats();
        transport.snapshotsSent.add(2);
        transport.snapshotBytesSent.add(1 << 20);
        peers = new PeerMetrics(registry).bindTransportStats(transport);
        transport.setSendObserver(peers::recordSend);
        peers.recordSend(2, 1_500_000, true);
        peers.recordSend(3, 250_000_000, false);
        peers.recordRoundTrip(2, 800_000);
        f.server.snapshotMetrics().record(SnapshotMetrics.Kind.CREATED, 4096, 30_000_000, true);
        f.call(
                        KVGrpcClient.Put,
                        PutRequest.newBuilder()
                                .setKey(ByteString.copyFromUtf8("a"))
                                .build())
                .body();
        f.node.onPropose = c -> Future.failedFuture(new NotLeaderException(0, ""));
        f.call(
                KVGrpcClient.Put,
                PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("b")).build());
        f.call(
                        KVGrpcClient.Get,
                        GetRequest.newBuilder()
                                .setKey(ByteString.copyFromUtf8("a"))
                                .build())
                .body();
        // the status poll (every 20 ms) has seen the status set above once follower lag is published
        Awaitility.await()
                .atMost(Duration.ofSeconds(5))
                .until(() -> registry.find("raftkv.raft.follower.lag.entries")
                                .tag("peer", "2")
                                .gauge()
                        != null);
    }

    @AfterEach
    void stop() {
        storage.close();
        driver.close();
        peers.close();
        f.close();
    }

    @Test
    void scrapeIsWellFormedPrometheusTextWithEveryNodeMeter() {
        var reply = f.get("/metrics");
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.contentType()).isEqualTo(PrometheusMetrics.TEXT_CONTENT_TYPE);
        var exp = PrometheusTextParser.parse(reply.body());

        assertThat(exp.value("raftkv_raft_term", Map.of())).isEqualTo(5);
        assertThat(exp.value("raftkv_raft_role", Map.of("role", "leader"))).isEqualTo(1);
        assertThat(exp.value("raftkv_raft_role", Map.of("role", "follower"))).isEqualTo(0);
        assertThat(exp.value("raftkv_raft_commit_index", Map.of())).isEqualTo(120);
        assertThat(exp.value("raftkv_raft_applied_index", Map.of())).isEqualTo(118);
        assertThat(exp.value("raftkv_raft_members", Map.of("role", "voter"))).isEqualTo(3);
        assertThat(exp.value("raftkv_raft_follower_lag_entries", Map.of("peer", "2")))
                .isEqualTo(2);
        assertThat(exp.value("raftkv_raft_leader_changes_total", Map.of())).isEqualTo(1);
        assertThat(exp.value("raftkv_node_ready", Map.of())).isEqualTo(1);
        assertThat(exp.value("raftkv_proposals_total", Map.of("kind", "put"))).isEqualTo(2);
        assertThat(exp.value("raftkv_proposals_failed_total", Map.of("reason", "not_leader")))
                .isEqualTo(1);
        assertThat(exp.value("raftkv_proposal_duration_seconds_count", Map.of()))
                .isEqualTo(1);
        assertThat(exp.samples("raftkv_proposal_duration_seconds_bucket")).isNotEmpty();
        assertThat(exp.value(
                        "raftkv_client_requests_seconds_count",
                        Map.of("method", "raftkv.v1.KV/Put", "code", "FAILED_PRECONDITION")))
                .isEqualTo(1);
        assertThat(exp.value("raftkv_storage_fsyncs_total", Map.of())).isEqualTo(10);
        assertThat(exp.value("raftkv_storage_entries_per_fsync", Map.of())).isEqualTo(4.0);
        assertThat(exp.value("raftkv_storage_fsync_duration_seconds_count", Map.of()))
                .isEqualTo(2);
        assertThat(exp.value("raftkv_storage_fsync_duration_seconds_bucket", Map.of("le", "0.005")))
                .isEqualTo(1);
        assertThat(exp.value("raftkv_storage_fsync_duration_seconds_bucket", Map.of("le", "0.05")))
                .isEqualTo(2);
        assertThat(exp.value("raftkv_storage_fsync_duration_seconds_bucket", Map.of("le", "+Inf")))
                .isEqualTo(2);
        assertThat(exp.value("raftkv_storage_rocksdb_size_in_use_bytes", Map.of()))
                .isEqualTo(100_000);
        assertThat(exp.value("raftkv_storage_keys", Map.of())).isEqualTo(42);
        assertThat(exp.value("raftkv_raft_has_leader", Map.of())).isEqualTo(1);
        assertThat(exp.value("raftkv_proposals_pending", Map.of())).isZero();
        assertThat(exp.value("raftkv_apply_duration_seconds_count", Map.of())).isEqualTo(1);
        assertThat(exp.value("raftkv_apply_slow_total", Map.of())).isEqualTo(1);
        assertThat(exp.value("raftkv_read_index_duration_seconds_bucket", Map.of("le", "0.0025")))
                .isEqualTo(1);
        assertThat(exp.value("raftkv_raft_loop_stalls_total", Map.of())).isEqualTo(3);
        assertThat(exp.value("raftkv_raft_slow_persists_total", Map.of())).isEqualTo(4);
        assertThat(exp.value("raftkv_peer_round_trip_time_seconds_count", Map.of("peer", "2")))
                .isEqualTo(1);
        assertThat(exp.samples("raftkv_build_info"))
                .singleElement()
                .satisfies(sample -> assertThat(sample.labels()).containsKeys("version", "commit", "jvm"));
        assertThat(exp.samples("raftkv_client_requests_seconds_bucket")).isNotEmpty();
        assertThat(exp.value("raftkv_storage_rocksdb_size_bytes", Map.of())).isEqualTo(123_456);
        assertThat(exp.value("raftkv_storage_rocksdb_pending_compaction_bytes", Map.of()))
                .isEqualTo(789);
        assertThat(exp.value("raftkv_peer_rpc_duration_seconds_count", Map.of("peer", "2", "outcome", "ok")))
                .isEqualTo(1);
        assertThat(exp.value("raftkv_peer_rpc_errors_total", Map.of("peer", "3")))
                .isEqualTo(1);
        assertThat(exp.value("raftkv_peer_snapshots_total", Map.of("direction", "sent", "outcome", "ok")))
                .isEqualTo(2);
        assertThat(exp.value("raftkv_peer_snapshot_transferred_bytes_total", Map.of("direction", "sent")))
                .isEqualTo(1 << 20);
        assertThat(exp.value("raftkv_snapshot_duration_seconds_count", Map.of("kind", "created", "outcome", "ok")))
                .isEqualTo(1);
        assertThat(exp.value("raftkv_snapshot_transferred_bytes_total", Map.of("kind", "created")))
                .isEqualTo(4096);
        assertThat(exp.samples("jvm_memory_used_bytes")).isNotEmpty();
        assertThat(exp.samples("process_cpu_usage")).isNotEmpty();
        assertThat(exp.types().keySet())
                .allSatisfy(family -> assertThat(exp.help()).containsKey(family));
    }

    @Test
    void openMetricsIsServedWhenAsked() {
        var reply = f.get("/metrics", "application/openmetrics-text; version=1.0.0");
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.contentType()).startsWith("application/openmetrics-text");
        assertThat(reply.body()).endsWith("# EOF\n");
    }

    @Test
    void promtoolAcceptsTheScrape() throws IOException, InterruptedException {
        Path promtool = findOnPath("promtool");
        if (promtool == null) {
            System.out.println("MetricsEndpointTest: promtool not on PATH (apt-get install prometheus provides it);"
                    + " skipping the promtool check, the strict parser test still ran");
        }
        // Skipped, not passed, where the Debian prometheus package is absent (CI machines may lack
        // it): scrapeIsWellFormedPrometheusTextWithEveryNodeMeter checks the same output with a strict parser
        // everywhere.
        Assumptions.assumeTrue(promtool != null, "promtool not installed");
        String body = f.get("/metrics").body();
        Process p = new ProcessBuilder(promtool.toString(), "check", "metrics")
                .redirectErrorStream(true)
                .start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(body.getBytes(StandardCharsets.UTF_8));
        }
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("promtool finished").isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        System.out.println("promtool check metrics: exit " + p.exitValue() + (out.isBlank() ? "" : "\n" + out));
        // promtool exits 1 when the exposition does not parse and 3 when it parses but lint rules
        // flag names. Our meters must be clean; Micrometer's standard JVM/process meters
        // (system_cpu_count, process_cpu_time_ns_total) keep the names dashboards expect and are
        // allowed to draw lint findings.
        assertThat(p.exitValue()).as("promtool exit code; output:\n" + out).isIn(0, 3);
        assertThat(out).as("promtool findings").doesNotContain("raftkv_");
    }

    private static Path findOnPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
