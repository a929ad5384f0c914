package io.raftkv.node.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.raftkv.api.ErrorReason;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.client.BlockingRaftKvClient;
import io.raftkv.api.client.Endpoint;
import io.raftkv.api.client.RaftKvClient;
import io.raftkv.api.client.RetryPolicy;
import io.raftkv.api.v1.AlarmType;
import io.raftkv.api.v1.GetRequest;
import io.raftkv.api.v1.ReadConsistency;
import io.raftkv.api.v1.StatusResponse;
import io.raftkv.node.metrics.PrometheusTextParser;
import io.raftkv.node.storage.StateTampering;
import io.vertx.grpc.common.GrpcStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
 * The corruption check on three real node processes: the members' start-up checks find equal
 * state hashes; then a follower is stopped and one value in its RocksDB state machine is changed
 * behind Raft's back (the record re-sealed, so no checksum notices); when it starts again, its
 * start-up check makes the leader compare every member's hash at one hash point, and the leader
 * raises the replicated CORRUPT alarm naming that follower: every member lists it, writes fail
 * DATA_LOSS with reason CORRUPT naming the member, reads still work on the other members while the
 * named one refuses them (RaftKV and etcd API, UNAVAILABLE) and its snapshot, the leader's log and
 * metrics name the member.
 */
@ExtendWith(DumpLogsOnFailure.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CorruptionCheckTest {
    private static LocalCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        // No periodic check: only the start-up checks run, so the test sees exactly the one that finds it.
        cluster = LocalCluster.start("corrupt", 3, List.of("--corrupt-check-interval-seconds", "0"));
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aTamperedFollowerIsFoundByItsStartUpCheckAndTheClusterRefusesWrites() throws Exception {
        BlockingRaftKvClient kv = cluster.client().blocking();
        long index = 0;
        for (int i = 0; i < 20; i++) {
            index = Math.max(index, kv.put("key-" + i, "value-" + i).getHeader().getRaftIndex());
        }
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        await("a start-up check found equal hashes")
                .atMost(LocalCluster.WAIT)
                .until(() -> sum(http, "raftkv_corruption_checks_total", Map.of("result", "equal")) >= 1);
        assertThat(kv.alarmList().getAlarmsList()).isEmpty();

        NodeProcess leader = cluster.awaitLeader();
        NodeProcess follower =
                cluster.running().stream().filter(n -> n != leader).findFirst().orElseThrow();
        for (NodeProcess n : cluster.running()) {
            cluster.awaitApplied(n, index);
        }
        follower.stop();
        StateTampering.flipLastValueByte(follower.dataDir(), "key-3".getBytes(StandardCharsets.UTF_8));
        long started = System.nanoTime();
        follower.start();

        await("CORRUPT raised for member " + follower.id)
                .atMost(LocalCluster.WAIT)
                .untilAsserted(() -> assertThat(kv.alarmList().getAlarmsList())
                        .singleElement()
                        .satisfies(a -> {
                            assertThat(a.getType()).isEqualTo(AlarmType.CORRUPT);
                            assertThat(a.getMemberId()).isEqualTo(follower.id);
                        }));
        System.out.printf(
                "CorruptionCheckTest: CORRUPT for member %d %d ms after its restart%n",
                follower.id, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        await("every member applied the alarm").atMost(LocalCluster.WAIT).untilAsserted(() -> {
            for (NodeProcess n : cluster.running()) {
                StatusResponse s = cluster.status(n).orElseThrow();
                assertThat(s.getAlarmsList())
                        .as("alarms on " + n)
                        .anySatisfy(a -> assertThat(a.getType()).isEqualTo(AlarmType.CORRUPT));
                assertThat(PrometheusTextParser.parse(scrape(http, n))
                                .value("raftkv_alarm_active", Map.of("type", "corrupt")))
                        .isEqualTo(1.0);
                // the corrupt member is not ready (out of the client Service); the others are
                HttpResponse<String> ready = http.send(
                        HttpRequest.newBuilder(URI.create("http://" + n.clientAddress() + "/ready"))
                                .timeout(Duration.ofSeconds(10))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (n == follower) {
                    assertThat(ready.statusCode())
                            .as("/ready of the corrupt " + n)
                            .isEqualTo(503);
                    assertThat(ready.body()).contains("CORRUPT alarm names this member");
                } else {
                    assertThat(ready.statusCode()).as("/ready of " + n).isEqualTo(200);
                }
            }
        });

        RaftKvException refused = catchThrowableOfType(RaftKvException.class, () -> kv.put("more", "data"));
        assertThat(refused).as("a write under CORRUPT").isNotNull();
        assertThat(refused.status()).isEqualTo(GrpcStatus.DATA_LOSS);
        assertThat(refused.reason()).contains(ErrorReason.CORRUPT);
        assertThat(refused.getMessage()).contains("member " + follower.id);
        RaftKvException deleteRefused = catchThrowableOfType(RaftKvException.class, () -> kv.delete("key-1"));
        assertThat(deleteRefused.status()).isEqualTo(GrpcStatus.DATA_LOSS);
        assertThat(kv.get("key-3").getKv().getValue().toStringUtf8())
                .as("reads still work")
                .isEqualTo("value-3");
        theCorruptMemberRefusesReadsTheOthersServeThem(follower);

        NodeProcess checker = cluster.awaitLeader();
        assertThat(Files.readString(checker.logFile())).contains("raising the CORRUPT alarm for member " + follower.id);
        assertThat(sum(http, "raftkv_corruption_mismatches_total", Map.of("member", Long.toString(follower.id))))
                .isGreaterThanOrEqualTo(1.0);
    }

    /**
     * The member the alarm names refuses reads of its state on both APIs (UNAVAILABLE, so clients
     * read from another member) and snapshot downloads; the other members serve the right value.
     */
    private static void theCorruptMemberRefusesReadsTheOthersServeThem(NodeProcess corrupt) throws Exception {
        RaftKvClient once = cluster.client(List.of(corrupt), new RetryPolicy(1, Duration.ZERO, Duration.ZERO, 0));
        for (ReadConsistency c : List.of(ReadConsistency.LINEARIZABLE, ReadConsistency.SERIALIZABLE)) {
            RaftKvException refused = catchThrowableOfType(
                    RaftKvException.class,
                    () -> once.blocking()
                            .get(GetRequest.newBuilder()
                                    .setKey(ByteString.copyFromUtf8("key-3"))
                                    .setConsistency(c)
                                    .build()));
            assertThat(refused).as(c + " read on the corrupt member").isNotNull();
            assertThat(refused.status()).isEqualTo(GrpcStatus.UNAVAILABLE);
            assertThat(refused.reason()).contains(ErrorReason.CORRUPT_MEMBER);
            assertThat(refused.getMessage()).contains("CORRUPT alarm names member " + corrupt.id);
        }
        RaftKvException download = catchThrowableOfType(
                RaftKvException.class,
                () -> once.blocking()
                        .downloadSnapshot(
                                new Endpoint("127.0.0.1", corrupt.clientPort),
                                cluster.root.resolve("from-corrupt.snap"),
                                Duration.ofSeconds(30)));
        assertThat(download).as("a snapshot of the corrupt member").isNotNull();
        assertThat(download.reason()).contains(ErrorReason.CORRUPT_MEMBER);
        for (NodeProcess n : cluster.running()) {
            if (n != corrupt) {
                assertThat(cluster.client(List.of(n))
                                .blocking()
                                .get("key-3")
                                .getKv()
                                .getValue()
                                .toStringUtf8())
                        .as("read on " + n)
                        .isEqualTo("value-3");
            }
        }
        // etcd's API, with etcd's own client: alone, the corrupt member's refusal; with a healthy member
        // listed after it, etcdctl retries the UNAVAILABLE read there and gets the right value.
        NodeProcess healthy =
                cluster.running().stream().filter(n -> n != corrupt).findFirst().orElseThrow();
        Etcdctl.Result alone = Etcdctl.run(List.of(corrupt.clientAddress()), List.of("get", "key-3"), null);
        assertThat(alone.exitCode())
                .as("etcdctl get on the corrupt member: " + alone)
                .isNotZero();
        assertThat(alone.err()).contains("etcdserver: corrupt cluster: ").contains("member " + corrupt.id);
        Etcdctl.Result both = Etcdctl.run(
                List.of(corrupt.clientAddress(), healthy.clientAddress()),
                List.of("get", "key-3", "--print-value-only"),
                null);
        assertThat(both.exitCode())
                .as("etcdctl get, corrupt member first: " + both)
                .isZero();
        assertThat(both.out().strip()).isEqualTo("value-3");
    }

    /** The sum of one series over every running member. */
    private static double sum(HttpClient http, String name, Map<String, String> labels) throws Exception {
        double total = 0;
        for (NodeProcess n : cluster.running()) {
            total += PrometheusTextParser.parse(scrape(http, n)).samples(name).stream()
                    .filter(x -> x.labels().entrySet().containsAll(labels.entrySet()))
                    .mapToDouble(PrometheusTextParser.Sample::value)
                    .sum();
        }
        return total;
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
}
