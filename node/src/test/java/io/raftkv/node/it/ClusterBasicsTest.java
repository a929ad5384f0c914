package io.raftkv.node.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.raftkv.api.ErrorReason;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.client.BlockingRaftKvClient;
import io.raftkv.api.client.RaftKvClient;
import io.raftkv.api.v1.AddLearnerRequest;
import io.raftkv.api.v1.GetRequest;
import io.raftkv.api.v1.GetResponse;
import io.raftkv.api.v1.KeyInterval;
import io.raftkv.api.v1.Member;
import io.raftkv.api.v1.MemberRole;
import io.raftkv.api.v1.PutRequest;
import io.raftkv.api.v1.PutResponse;
import io.raftkv.api.v1.RangeRequest;
import io.raftkv.api.v1.ReadConsistency;
import io.raftkv.api.v1.Role;
import io.raftkv.api.v1.StatusResponse;
import io.raftkv.node.metrics.PrometheusTextParser;
import io.vertx.grpc.common.GrpcStatus;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
 * Three real node processes on loopback: client paths through followers, linearizable reads on
 * every node, input validation end to end, the Prometheus endpoint, and membership changes. The
 * tests share one cluster; the membership test changes it and therefore runs last.
 */
@ExtendWith(DumpLogsOnFailure.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterBasicsTest {
    private static LocalCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = LocalCluster.start("basics", 3, List.of());
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void writeThroughAFollowerThenReadLinearizablyFromEveryNode() {
        NodeProcess leader = cluster.awaitLeader();
        NodeProcess follower =
                cluster.running().stream().filter(n -> n != leader).findFirst().orElseThrow();

        // The client knows only the follower: the follower answers NOT_LEADER with the leader's client
        // address and the client follows the hint.
        long termBefore = cluster.client(List.of(leader))
                .blocking()
                .status(io.raftkv.api.v1.StatusRequest.getDefaultInstance())
                .getTerm();
        PutResponse put = cluster.client(List.of(follower)).blocking().put("through-follower", "v1");
        if (put.getHeader().getMemberId() != leader.id) {
            // Leadership moved while we wrote (a loaded machine): then a later term's leader answered.
            assertThat(put.getHeader().getTerm())
                    .as("answered by a newer leader")
                    .isGreaterThan(termBefore);
        }
        assertThat(put.getHeader().getMemberId()).as("answered by a member").isPositive();

        for (NodeProcess n : cluster.running()) {
            GetResponse got = cluster.client(List.of(n))
                    .blocking()
                    .get(GetRequest.newBuilder()
                            .setKey(ByteString.copyFromUtf8("through-follower"))
                            .setConsistency(ReadConsistency.LINEARIZABLE)
                            .build());
            assertThat(got.getHeader().getMemberId())
                    .as("served by the node asked")
                    .isEqualTo(n.id);
            assertThat(got.getKv().getValue().toStringUtf8())
                    .as("value read on " + n)
                    .isEqualTo("v1");
            assertThat(got.getKv().getModRevision()).isEqualTo(put.getHeader().getRevision());
        }
    }

    @Test
    @Order(2)
    void badInputGetsTheRightCodeAndMessageAndTheClusterKeepsServing() {
        BlockingRaftKvClient kv = cluster.client().blocking();

        assertInvalid(() -> kv.put("", "x"), "empty");
        assertInvalid(() -> kv.put("k".repeat(4097), "x"), "4096");
        byte[] bigValue = new byte[(1 << 20) + 1];
        assertInvalid(
                () -> kv.put(PutRequest.newBuilder()
                        .setKey(ByteString.copyFromUtf8("big"))
                        .setValue(ByteString.copyFrom(bigValue))
                        .build()),
                "1048576");
        assertInvalid(
                () -> kv.range(RangeRequest.newBuilder()
                        .setInterval(KeyInterval.newBuilder()
                                .setStart(ByteString.copyFromUtf8("b"))
                                .setEnd(ByteString.copyFromUtf8("a")))
                        .build()),
                "");

        RaftKvException unknownRemove = catchThrowableOfType(RaftKvException.class, () -> kv.removeMember(777));
        assertThat(unknownRemove.status()).isEqualTo(GrpcStatus.NOT_FOUND);
        assertThat(unknownRemove.reason()).contains(ErrorReason.UNKNOWN_MEMBER);
        assertThat(unknownRemove.getMessage()).contains("777");
        RaftKvException unknownPromote = catchThrowableOfType(RaftKvException.class, () -> kv.promoteMember(778));
        assertThat(unknownPromote.status()).isEqualTo(GrpcStatus.NOT_FOUND);
        RaftKvException unknownTransfer = catchThrowableOfType(RaftKvException.class, () -> kv.transferLeadership(779));
        assertThat(unknownTransfer.status()).isEqualTo(GrpcStatus.NOT_FOUND);

        // A fresh client: the Java client advances a session lane's seq even for a write the node
        // refused before proposing, so the lane's first proposed write carries seq 2 and an unknown
        // session is refused (SESSION_SEQUENCE_STALE) — a client bug reported separately.
        BlockingRaftKvClient after = cluster.client().blocking();
        assertThat(after.put("after-bad-input", "still-serving").getHeader().getRaftIndex())
                .isPositive();
        assertThat(after.get("after-bad-input").getKv().getValue().toStringUtf8())
                .isEqualTo("still-serving");
        assertThat(cluster.running()).as("no node died of bad input").hasSize(3);
    }

    private static void assertInvalid(Runnable call, String messagePart) {
        RaftKvException e = catchThrowableOfType(RaftKvException.class, call::run);
        assertThat(e).as("call must fail").isNotNull();
        assertThat(e.status()).as(e.toString()).isEqualTo(GrpcStatus.INVALID_ARGUMENT);
        assertThat(e.reason()).contains(ErrorReason.INVALID_REQUEST);
        assertThat(e.getMessage()).contains(messagePart);
    }

    @Test
    @Order(3)
    void metricsEndpointParsesAndReportsTheRaftState() throws Exception {
        cluster.client().blocking().put("metrics-probe", "1");
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        for (NodeProcess n : cluster.running()) {
            String body = scrape(http, n);
            PrometheusTextParser.Exposition e = PrometheusTextParser.parse(body);
            assertThat(e.value("raftkv_raft_term", Map.of())).isPositive();
            assertThat(e.samples("raftkv_raft_role")).hasSize(4);
            assertThat(e.value("raftkv_storage_fsyncs_total", Map.of())).isPositive();
            assertThat(e.value("raftkv_storage_rocksdb_size_bytes", Map.of())).isPositive();
            assertThat(e.value("raftkv_storage_fsync_duration_seconds_count", Map.of()))
                    .as("fsyncs timed on " + n)
                    .isPositive();
            assertThat(e.value("raftkv_apply_duration_seconds_count", Map.of()))
                    .as("applies timed on " + n)
                    .isPositive();
            assertThat(e.value("raftkv_raft_has_leader", Map.of())).isEqualTo(1.0);
            assertThat(e.value("raftkv_raft_leader_changes_total", Map.of()))
                    .as("counted by the driver on " + n)
                    .isGreaterThanOrEqualTo(1.0);
            assertThat(e.samples("raftkv_build_info")).hasSize(1);
            assertThat(e.samples("raftkv_peer_rpc_duration_seconds_count"))
                    .as("peer RPC latency on " + n)
                    .isNotEmpty();
            assertThat(e.samples("jvm_memory_used_bytes")).isNotEmpty();
            promtoolCheck(body);
        }
        // The leader's own view: role gauge and one lag series per follower. Retried because on a busy
        // machine leadership may move between the Status call and the scrape.
        await("leader metrics agree with its Status").atMost(LocalCluster.WAIT).untilAsserted(() -> {
            NodeProcess leader = cluster.awaitLeader();
            PrometheusTextParser.Exposition e = PrometheusTextParser.parse(scrape(http, leader));
            StatusResponse s = cluster.status(leader).orElseThrow();
            assertThat(s.getRole()).isEqualTo(Role.LEADER);
            assertThat(e.value("raftkv_raft_role", Map.of("role", "leader"))).isEqualTo(1.0);
            assertThat(e.value("raftkv_raft_term", Map.of())).isEqualTo((double) s.getTerm());
            assertThat(e.samples("raftkv_raft_follower_lag_entries")).hasSize(2);
            assertThat(e.samples("raftkv_peer_round_trip_time_seconds_count"))
                    .as("heartbeat round trips")
                    .hasSize(2)
                    .allSatisfy(sample -> assertThat(sample.value()).isPositive());
        });
    }

    private static String scrape(HttpClient http, NodeProcess n) throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create("http://" + n.clientAddress() + "/metrics"))
                        .timeout(Duration.ofSeconds(10))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type"))
                .hasValueSatisfying(ct -> assertThat(ct).startsWith("text/plain; version=0.0.4"));
        return r.body();
    }

    /** promtool is optional (CI machines may lack it); the strict parser above always runs. */
    private static void promtoolCheck(String body) throws Exception {
        Path promtool = Path.of("/usr/bin/promtool");
        if (!Files.isExecutable(promtool)) {
            System.out.println("ClusterBasicsTest: promtool not installed; strict parser check only");
            return;
        }
        Process p = new ProcessBuilder(promtool.toString(), "check", "metrics")
                .redirectErrorStream(true)
                .start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(body.getBytes(StandardCharsets.UTF_8));
        }
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("promtool finished").isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        // Exit 3 = parsed, lint findings; allowed only for Micrometer's standard JVM meter names.
        assertThat(p.exitValue()).as("promtool: " + out).isIn(0, 3);
        assertThat(out).as("promtool findings").doesNotContain("raftkv_");
    }

    @Test
    @Order(4)
    void addLearnerPromoteTransferLeadershipAndRemoveAreVisibleInStatus() throws Exception {
        NodeProcess leader = cluster.awaitLeader();
        RaftKvClient client = cluster.client();
        BlockingRaftKvClient kv = client.blocking();
        for (int i = 0; i < 20; i++) {
            kv.put("before-join-" + i, "v" + i);
        }

        NodeProcess joiner = cluster.startJoiner(4);
        Member added = kv.addLearner(AddLearnerRequest.newBuilder()
                        .setId(4)
                        .setPeerAddress(joiner.peerAddress())
                        .setClientAddress(joiner.clientAddress())
                        .build())
                .getMember();
        assertThat(added.getId()).isEqualTo(4);
        assertThat(added.getRole()).isEqualTo(MemberRole.LEARNER);
        await("learner 4 visible in the leader's Status")
                .atMost(LocalCluster.WAIT)
                .untilAsserted(() -> assertThat(
                                cluster.status(leader).orElseThrow().getMembersList())
                        .anySatisfy(m -> assertThat(m.getId() == 4 && m.getRole() == MemberRole.LEARNER)
                                .isTrue()));
        long leaderApplied = cluster.status(leader).orElseThrow().getAppliedIndex();
        cluster.awaitApplied(joiner, leaderApplied);
        StatusResponse learnerView = cluster.status(joiner).orElseThrow();
        assertThat(learnerView.getLearner()).isTrue();
        assertThat(cluster.client(List.of(joiner))
                        .blocking()
                        .get(GetRequest.newBuilder()
                                .setKey(ByteString.copyFromUtf8("before-join-19"))
                                .setConsistency(ReadConsistency.SERIALIZABLE)
                                .build())
                        .getKv()
                        .getValue()
                        .toStringUtf8())
                .isEqualTo("v19");

        // Promotion is refused until the learner has caught up; it has, so this succeeds (retrying a
        // FAILED_PRECONDITION that a just-restarted leader may answer while it re-learns progress).
        await("promote 4")
                .atMost(LocalCluster.WAIT)
                .ignoreException(RaftKvException.class)
                .until(() -> kv.promoteMember(4) != null);
        await("4 is a voter in its own Status")
                .atMost(LocalCluster.WAIT)
                .untilAsserted(
                        () -> assertThat(cluster.status(joiner).orElseThrow().getMembersList())
                                .filteredOn(m -> m.getId() == 4)
                                .extracting(Member::getRole)
                                .containsExactly(MemberRole.VOTER));

        // A transfer may time out (DEADLINE_EXCEEDED after two election timeouts) or lose to another
        // candidate (ABORTED) on a busy machine; both leave the cluster healthy, so it is retried.
        await("4 leads after TransferLeadership(4)")
                .atMost(LocalCluster.WAIT)
                .ignoreException(RaftKvException.class)
                .until(() -> {
                    if (cluster.status(joiner)
                            .map(s -> s.getRole() == Role.LEADER)
                            .orElse(false)) {
                        return true;
                    }
                    kv.transferLeadership(4);
                    return cluster.status(joiner)
                            .map(s -> s.getRole() == Role.LEADER)
                            .orElse(false);
                });
        assertThat(cluster.awaitLeader()).isSameAs(joiner);

        NodeProcess removed = cluster.nodes().stream()
                .filter(n -> n != joiner && n.isAlive())
                .findFirst()
                .orElseThrow();
        kv.removeMember(removed.id);
        await("member " + removed.id + " gone from Status")
                .atMost(LocalCluster.WAIT)
                .untilAsserted(
                        () -> assertThat(cluster.status(joiner).orElseThrow().getMembersList())
                                .extracting(Member::getId)
                                .doesNotContain(removed.id)
                                .hasSize(3));
        removed.stop();

        assertThat(kv.put("after-membership-changes", "ok").getHeader().getMemberId())
                .isEqualTo(4);
        for (NodeProcess n : cluster.running()) {
            assertThat(cluster.client(List.of(n))
                            .blocking()
                            .get("after-membership-changes")
                            .getKv()
                            .getValue()
                            .toStringUtf8())
                    .isEqualTo("ok");
        }
    }
}
