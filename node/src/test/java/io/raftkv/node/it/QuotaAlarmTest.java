package io.raftkv.node.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.raftkv.api.ErrorReason;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.client.BlockingRaftKvClient;
import io.raftkv.api.v1.AlarmDisarmRequest;
import io.raftkv.api.v1.AlarmDisarmResponse;
import io.raftkv.api.v1.AlarmType;
import io.raftkv.api.v1.StatusResponse;
import io.raftkv.node.metrics.PrometheusTextParser;
import io.vertx.grpc.common.GrpcStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The space quota end to end on three real node processes with a 2 MiB quota: writes fill it until
 * the leader refuses them RESOURCE_EXHAUSTED NO_SPACE; the NOSPACE alarm is replicated (every
 * member's Status and metrics show it); reads and deletes keep working; a disarm is refused while
 * the data is still above the quota and accepted once keys were deleted; then writes work again.
 * Then a follower restarted with a quota of its own, smaller than the data the leader is about to
 * hold, gets NOSPACE raised for it by the leader (followers do not propose: it asks over the peer
 * port), while the leader is still within its own quota.
 */
@ExtendWith(DumpLogsOnFailure.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class QuotaAlarmTest {
    private static final long QUOTA = 2L << 20;
    private static LocalCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = LocalCluster.start("quota", 3, List.of("--quota-backend-bytes", Long.toString(QUOTA)));
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @org.junit.jupiter.api.Order(1)
    void writesFailNoSpaceAboveTheQuotaUntilSpaceIsFreedAndAnAdminDisarms() throws Exception {
        BlockingRaftKvClient kv = cluster.client().blocking();
        // Incompressible, so the quota counts what the disk holds also after compaction.
        byte[] random = new byte[256 * 1024];
        new java.util.Random(18).nextBytes(random);
        com.google.protobuf.ByteString value = com.google.protobuf.ByteString.copyFrom(random);
        int written = 0;
        RaftKvException refused = null;
        for (int i = 0; i < 200 && refused == null; i++) {
            try {
                kv.put(io.raftkv.api.v1.PutRequest.newBuilder()
                        .setKey(com.google.protobuf.ByteString.copyFromUtf8("big-" + i))
                        .setValue(value)
                        .build());
                written++;
            } catch (RaftKvException e) {
                refused = e;
            }
        }
        assertThat(refused)
                .as("a write refused after " + written + " puts of 256 KiB")
                .isNotNull();
        assertThat(refused.status()).isEqualTo(GrpcStatus.RESOURCE_EXHAUSTED);
        assertThat(refused.reason()).contains(ErrorReason.NO_SPACE);
        assertThat(refused.getMessage()).contains("NO_SPACE");
        System.out.println("QuotaAlarmTest: " + written + " puts of 256 KiB before NO_SPACE; " + refused.getMessage());

        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        await("every member applied the NOSPACE alarm")
                .atMost(LocalCluster.WAIT)
                .untilAsserted(() -> {
                    for (NodeProcess n : cluster.running()) {
                        StatusResponse s = cluster.status(n).orElseThrow();
                        assertThat(s.getAlarmsList())
                                .as("alarms on " + n)
                                .isNotEmpty()
                                .allSatisfy(a -> assertThat(a.getType()).isEqualTo(AlarmType.NOSPACE));
                        assertThat(s.getQuotaBackendBytes()).isEqualTo(QUOTA);
                        PrometheusTextParser.Exposition e = PrometheusTextParser.parse(scrape(http, n));
                        assertThat(e.value("raftkv_alarm_active", Map.of("type", "nospace")))
                                .isGreaterThanOrEqualTo(1.0);
                        assertThat(e.value("raftkv_quota_backend_bytes", Map.of()))
                                .isEqualTo((double) QUOTA);
                    }
                });
        assertThat(kv.alarmList().getAlarmsList()).isNotEmpty();

        // Reads work, and the refusal does not stick to reads of existing keys.
        assertThat(kv.get("big-0").getKv().getValue()).isEqualTo(value);
        // Still above the quota: the disarm is refused and names the sizes, or (when a follower
        // raised the alarm first and the leader's own data compacts under its quota) a member still
        // above its quota raises it again.
        RaftKvException early = catchThrowableOfType(
                RaftKvException.class, () -> kv.alarmDisarm(AlarmDisarmRequest.getDefaultInstance()));
        if (early != null) {
            assertThat(early.status()).isEqualTo(GrpcStatus.FAILED_PRECONDITION);
            assertThat(early.getMessage()).contains("above its quota");
        } else {
            await("NOSPACE raised again by a member still above its quota")
                    .atMost(LocalCluster.WAIT)
                    .until(() -> !kv.alarmList().getAlarmsList().isEmpty());
        }
        // Deletes work under the alarm.
        long revision = 0;
        for (int i = 0; i < written; i++) {
            revision = kv.delete("big-" + i).getHeader().getRevision();
        }
        // Deleted values stay in the MVCC history until it is compacted (as in etcd): compact, then disarm.
        compact(cluster.awaitLeader(), revision);
        AlarmDisarmResponse disarmed = await("the disarm once compaction freed the space")
                .atMost(LocalCluster.WAIT)
                .ignoreException(RaftKvException.class)
                .until(
                        () -> kv.alarmDisarm(AlarmDisarmRequest.newBuilder()
                                .setType(AlarmType.NOSPACE)
                                .build()),
                        r -> r != null);
        assertThat(disarmed.getDisarmedList()).isNotEmpty();
        await("the alarm is cleared everywhere and writes work again")
                .atMost(LocalCluster.WAIT)
                .untilAsserted(() -> {
                    for (NodeProcess n : cluster.running()) {
                        assertThat(cluster.status(n).orElseThrow().getAlarmsList())
                                .as("alarms on " + n)
                                .isEmpty();
                    }
                    kv.put("after", "small");
                });
        assertThat(kv.get("after").getKv().getValue().toStringUtf8()).isEqualTo("small");
    }

    @Test
    @org.junit.jupiter.api.Order(2)
    void aFollowerAboveItsOwnQuotaGetsNoSpaceRaisedByTheLeader() throws Exception {
        NodeProcess leader = cluster.awaitLeader();
        NodeProcess follower =
                cluster.running().stream().filter(n -> n != leader).findFirst().orElseThrow();
        follower.kill();
        follower.start(List.of("--quota-backend-bytes", Long.toString(QUOTA / 2)));
        BlockingRaftKvClient kv = cluster.client().blocking();
        if (cluster.awaitLeader() == follower) { // an election on a loaded machine: give it back
            kv.transferLeadership(leader.id);
        }
        NodeProcess current = cluster.awaitLeaderOtherThan(follower);

        // Up to 5 × 256 KiB: above the follower's 1 MiB, below the leader's 2 MiB.
        byte[] random = new byte[256 * 1024];
        new java.util.Random(1818).nextBytes(random);
        for (int i = 0; i < 5; i++) {
            try {
                kv.put(io.raftkv.api.v1.PutRequest.newBuilder()
                        .setKey(com.google.protobuf.ByteString.copyFromUtf8("follower-" + i))
                        .setValue(com.google.protobuf.ByteString.copyFrom(random))
                        .build());
            } catch (RaftKvException e) {
                assertThat(e.reason()).contains(ErrorReason.NO_SPACE); // the follower's alarm came first
                break;
            }
        }
        await("NOSPACE raised for follower " + follower.id)
                .atMost(LocalCluster.WAIT)
                .untilAsserted(() -> assertThat(kv.alarmList().getAlarmsList()).anySatisfy(a -> {
                    assertThat(a.getType()).isEqualTo(AlarmType.NOSPACE);
                    assertThat(a.getMemberId()).isEqualTo(follower.id);
                }));
        RaftKvException refused = catchThrowableOfType(RaftKvException.class, () -> kv.put("more", "data"));
        assertThat(refused.status()).isEqualTo(GrpcStatus.RESOURCE_EXHAUSTED);
        assertThat(refused.getMessage())
                .as("the refusal names the follower among the members above their quota")
                .containsPattern("members? ([0-9]+, )*" + follower.id + "\\b");
        assertThat(Files.readString(current.logFile()))
                .as("the leader proposed it at the follower's request")
                .contains("raising the NOSPACE alarm for member " + follower.id + " at its request");
    }

    private static String scrape(HttpClient http, NodeProcess n) throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create("http://" + n.clientAddress() + "/metrics"))
                        .timeout(Duration.ofSeconds(10))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return r.body();
    }

    /** KV.Compact at {@code revision} on {@code leader}, over a plain gRPC call (the Java client has no compact yet). */
    private static void compact(NodeProcess leader, long revision) throws Exception {
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
        try {
            io.vertx.grpc.client.GrpcClient grpc = io.vertx.grpc.client.GrpcClient.client(vertx);
            io.raftkv.api.v1.CompactResponse r = grpc.request(
                            io.vertx.core.net.SocketAddress.inetSocketAddress(leader.clientPort, "127.0.0.1"),
                            io.raftkv.api.v1.KVGrpcClient.Compact)
                    .compose(req -> req.send(io.raftkv.api.v1.CompactRequest.newBuilder()
                            .setRevision(revision)
                            .build()))
                    .compose(resp -> resp.last())
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
            System.out.println("QuotaAlarmTest: compacted at revision " + revision + ": " + r.getHeader());
        } finally {
            vertx.close();
        }
    }
}
