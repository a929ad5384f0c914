package io.raftkv.node.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.raftkv.api.client.BlockingRaftKvClient;
import io.raftkv.api.client.Endpoint;
import io.raftkv.api.client.RaftKvClient;
import io.raftkv.api.v1.GetRequest;
import io.raftkv.api.v1.ReadConsistency;
import io.raftkv.api.v1.StatusRequest;
import io.raftkv.api.v1.StatusResponse;
import io.raftkv.node.metrics.PrometheusTextParser;
import io.vertx.core.Future;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Crashes with real processes: SIGKILL of the leader, restart and catch-up from the log, and a
 * follower that was down while the log was compacted past it and must catch up by InstallSnapshot.
 * Small snapshot thresholds make compaction happen within a few hundred writes.
 */
@ExtendWith(DumpLogsOnFailure.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class FailoverTest {
    private static final int SNAPSHOT_THRESHOLD = 200;
    private static final int RETAIN = 50;
    private static LocalCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = LocalCluster.start(
                "failover",
                3,
                List.of(
                        "--snapshot-threshold-entries",
                        Integer.toString(SNAPSHOT_THRESHOLD),
                        "--snapshot-retain-entries",
                        Integer.toString(RETAIN)));
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void sigkillOfTheLeaderElectsANewOneWritesContinueAndTheOldLeaderCatchesUp() throws Exception {
        NodeProcess oldLeader = cluster.awaitLeader();
        BlockingRaftKvClient kv = cluster.client().blocking();
        for (int i = 0; i < 20; i++) {
            kv.put("before-kill-" + i, "v" + i);
        }

        oldLeader.kill();
        NodeProcess newLeader = cluster.awaitLeaderOtherThan(oldLeader);
        assertThat(newLeader.isAlive()).isTrue();
        BlockingRaftKvClient survivors = cluster.client(cluster.running()).blocking();
        for (int i = 0; i < 20; i++) {
            survivors.put("after-kill-" + i, "v" + i);
        }
        assertThat(survivors.get("before-kill-19").getKv().getValue().toStringUtf8())
                .as("acknowledged writes survive the crash")
                .isEqualTo("v19");

        oldLeader.start();
        long target = cluster.status(newLeader).orElseThrow().getAppliedIndex();
        cluster.awaitApplied(oldLeader, target);
        GetRequest serializable = GetRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("after-kill-19"))
                .setConsistency(ReadConsistency.SERIALIZABLE)
                .build();
        assertThat(cluster.client(List.of(oldLeader))
                        .blocking()
                        .get(serializable)
                        .getKv()
                        .getValue()
                        .toStringUtf8())
                .as("restarted node has the writes made while it was down, in its own state")
                .isEqualTo("v19");
        assertSameStateEverywhere();
    }

    @Test
    @Order(2)
    void aNodeDownWhileTheLogWasCompactedCatchesUpByInstallSnapshot() throws Exception {
        NodeProcess leader = cluster.awaitLeader();
        NodeProcess lagging =
                cluster.running().stream().filter(n -> n != leader).findFirst().orElseThrow();
        long laggingLast = cluster.status(lagging).orElseThrow().getLastIndex();
        lagging.kill();

        RaftKvClient client = cluster.client(cluster.running());
        int writes = 3 * SNAPSHOT_THRESHOLD + RETAIN;
        writeConcurrently(client, "compacted-", writes, 32);
        await("the leader's log compacted past the stopped node's last index " + laggingLast)
                .atMost(LocalCluster.WAIT)
                .pollInterval(Duration.ofMillis(200))
                .until(
                        () -> cluster.status(cluster.awaitLeader())
                                .map(StatusResponse::getFirstIndex)
                                .orElse(0L),
                        first -> first > laggingLast + 1);

        lagging.start();
        NodeProcess currentLeader = cluster.awaitLeader();
        cluster.awaitApplied(
                lagging, cluster.status(currentLeader).orElseThrow().getAppliedIndex());
        PrometheusTextParser.Exposition m = metrics(lagging);
        assertThat(m.value("raftkv_peer_snapshots_total", Map.of("direction", "received", "outcome", "ok")))
                .as("the restarted node installed a snapshot streamed by the leader")
                .isGreaterThanOrEqualTo(1.0);
        GetRequest last = GetRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("compacted-" + (writes - 1)))
                .setConsistency(ReadConsistency.SERIALIZABLE)
                .build();
        assertThat(cluster.client(List.of(lagging))
                        .blocking()
                        .get(last)
                        .getKv()
                        .getValue()
                        .toStringUtf8())
                .isEqualTo("v" + (writes - 1));
        assertSameStateEverywhere();
    }

    /** {@code count} puts with at most {@code inFlight} outstanding; every one must succeed. */
    private static void writeConcurrently(RaftKvClient client, String prefix, int count, int inFlight)
            throws Exception {
        List<Future<?>> window = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            window.add(client.put(prefix + i, "v" + i));
            if (window.size() == inFlight || i == count - 1) {
                Future.all(window).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
                window.clear();
            }
        }
    }

    /** Once writes stop, every running node reaches the same applied index with the same state hash. */
    private static void assertSameStateEverywhere() {
        RaftKvClient client = cluster.client();
        await("identical state on every node")
                .atMost(LocalCluster.WAIT)
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    Set<String> views = new HashSet<>();
                    for (NodeProcess n : cluster.running()) {
                        StatusResponse s = client.blocking()
                                .status(
                                        new Endpoint("127.0.0.1", n.clientPort),
                                        StatusRequest.newBuilder()
                                                .setIncludeStateHash(true)
                                                .build());
                        views.add(s.getStateHashIndex() + "/" + Long.toHexString(s.getStateHash()));
                    }
                    assertThat(views)
                            .as("(applied index / state hash) per node")
                            .hasSize(1);
                });
    }

    private static PrometheusTextParser.Exposition metrics(NodeProcess n) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://" + n.clientAddress() + "/metrics"))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return PrometheusTextParser.parse(r.body());
    }
}
