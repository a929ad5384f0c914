package io.raftkv.node.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.raftkv.etcd.api.KVGrpcClient;
import io.raftkv.etcd.api.KeyValue;
import io.raftkv.etcd.api.PutRequest;
import io.raftkv.etcd.api.PutResponse;
import io.raftkv.etcd.api.RangeRequest;
import io.raftkv.etcd.api.RangeResponse;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientResponse;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * etcd Puts spread over the three members of a real cluster (as etcd's clients spread them), so
 * two thirds reach followers and travel to the leader over their pipelined streams, while
 * leadership is transferred under them: every acknowledged Put is in the store with its value at
 * exactly the revision it was answered with, every failure is one of etcd's retryable UNAVAILABLE
 * errors, and no Put is applied twice (each key written once has version 1), so a Put tried again
 * after its leader refused it unproposed never doubles. Puts at the old leader after the transfer
 * are forwarded too.
 */
@ExtendWith(DumpLogsOnFailure.class)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class EtcdPutForwardingClusterTest {
    private static final int LANES = 16;
    private static final int PUTS_PER_LANE = 50;
    private static final Set<String> LEADER_CHANGE_ERRORS =
            Set.of("etcdserver: leader changed", "etcdserver: no leader", "etcdserver: request timed out");

    /** What a Put was answered: OK at a revision, or an error; and whether it was sent after the transfer. */
    private record Outcome(GrpcStatus status, String message, long revision, boolean afterTransfer, long node) {}

    @Test
    void forwardedPutsAcrossALeadershipTransferAreAppliedOnceAndAnsweredTruthfully() throws Exception {
        try (LocalCluster cluster = LocalCluster.start("etcd-put-forwarding", 3, List.of())) {
            NodeProcess oldLeader = cluster.awaitLeader();
            List<NodeProcess> nodes = cluster.running();
            Vertx vertx = Vertx.vertx();
            GrpcClient grpc = GrpcClient.client(vertx);
            try {
                Map<String, Outcome> outcomes = new ConcurrentHashMap<>();
                AtomicInteger answered = new AtomicInteger();
                AtomicBoolean transferred = new AtomicBoolean();
                CountDownLatch done = new CountDownLatch(LANES);
                for (int lane = 0; lane < LANES; lane++) {
                    putChain(grpc, nodes, lane, 0, outcomes, answered, transferred, done);
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> answered.get() >= LANES * PUTS_PER_LANE / 3);
                cluster.client().blocking().transferLeadership(0);
                transferred.set(true);
                assertThat(done.await(150, TimeUnit.SECONDS))
                        .as("every Put answered")
                        .isTrue();
                NodeProcess newLeader = cluster.awaitLeader();
                assertThat(newLeader.id).as("leadership moved").isNotEqualTo(oldLeader.id);

                Map<String, KeyValue> stored = new HashMap<>();
                RangeResponse all = result(call(
                                grpc,
                                newLeader,
                                KVGrpcClient.Range,
                                RangeRequest.newBuilder()
                                        .setKey(ByteString.copyFromUtf8("fw/"))
                                        .setRangeEnd(ByteString.copyFromUtf8("fw0"))
                                        .build()))
                        .message();
                all.getKvsList().forEach(kv -> stored.put(kv.getKey().toStringUtf8(), kv));

                int ok = 0;
                int okAtOldLeaderAfterTransfer = 0;
                for (Map.Entry<String, Outcome> e : outcomes.entrySet()) {
                    Outcome o = e.getValue();
                    KeyValue kv = stored.get(e.getKey());
                    if (o.status() == GrpcStatus.OK) {
                        ok++;
                        if (o.afterTransfer() && o.node() == oldLeader.id) {
                            okAtOldLeaderAfterTransfer++;
                        }
                        assertThat(kv).as("acknowledged %s", e.getKey()).isNotNull();
                        assertThat(kv.getValue().toStringUtf8()).isEqualTo("v-" + e.getKey());
                        assertThat(kv.getModRevision())
                                .as("answered at the revision it applied at: %s", e.getKey())
                                .isEqualTo(o.revision());
                    } else {
                        assertThat(o.status()).as(o.message()).isEqualTo(GrpcStatus.UNAVAILABLE);
                        assertThat(LEADER_CHANGE_ERRORS).contains(o.message());
                    }
                    if (kv != null) {
                        assertThat(kv.getVersion())
                                .as("applied once: %s", e.getKey())
                                .isEqualTo(1);
                    }
                }
                assertThat(outcomes).hasSize(LANES * PUTS_PER_LANE);
                assertThat(ok).as("most Puts acknowledged").isGreaterThan(LANES * PUTS_PER_LANE / 2);
                assertThat(okAtOldLeaderAfterTransfer)
                        .as("the old leader forwards once it follows")
                        .isPositive();
                System.out.printf(
                        "etcd-put-forwarding: %d Puts, %d acknowledged, %d failed retryably, leader %d -> %d%n",
                        outcomes.size(), ok, outcomes.size() - ok, oldLeader.id, newLeader.id);
            } finally {
                grpc.close();
                vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Put {@code i} of {@code lane}, at member (lane + i) mod 3; then the next, until the lane's last. */
    private static void putChain(
            GrpcClient grpc,
            List<NodeProcess> nodes,
            int lane,
            int i,
            Map<String, Outcome> outcomes,
            AtomicInteger answered,
            AtomicBoolean transferred,
            CountDownLatch done) {
        if (i == PUTS_PER_LANE) {
            done.countDown();
            return;
        }
        String key = "fw/" + lane + "/" + i;
        NodeProcess to = nodes.get((lane + i) % nodes.size());
        boolean after = transferred.get();
        PutRequest put = PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(key))
                .setValue(ByteString.copyFromUtf8("v-" + key))
                .build();
        call(grpc, to, KVGrpcClient.Put, put).onComplete(ar -> {
            Reply<PutResponse> r = ar.succeeded()
                    ? ar.result()
                    : new Reply<>(GrpcStatus.UNAVAILABLE, String.valueOf(ar.cause()), null);
            outcomes.put(
                    key,
                    new Outcome(
                            r.status(),
                            r.text(),
                            r.message() == null ? 0 : r.message().getHeader().getRevision(),
                            after,
                            to.id));
            answered.incrementAndGet();
            putChain(grpc, nodes, lane, i + 1, outcomes, answered, transferred, done);
        });
    }

    private record Reply<T>(GrpcStatus status, String text, T message) {}

    private static <Req, Resp> Future<Reply<Resp>> call(
            GrpcClient grpc, NodeProcess node, ServiceMethod<Resp, Req> method, Req request) {
        Promise<Reply<Resp>> done = Promise.promise();
        grpc.request(SocketAddress.inetSocketAddress(node.clientPort, "127.0.0.1"), method)
                .compose(req -> {
                    req.timeout(30, TimeUnit.SECONDS);
                    return req.send(request);
                })
                .onComplete(ar -> {
                    if (ar.failed()) {
                        done.fail(ar.cause());
                        return;
                    }
                    GrpcClientResponse<Req, Resp> resp = ar.result();
                    List<Resp> messages = new ArrayList<>();
                    resp.handler(messages::add);
                    resp.endHandler(v -> done.tryComplete(new Reply<>(
                            resp.status(), resp.statusMessage(), messages.isEmpty() ? null : messages.get(0))));
                    resp.exceptionHandler(err -> done.tryComplete(new Reply<>(
                            resp.status() == null ? GrpcStatus.UNAVAILABLE : resp.status(),
                            String.valueOf(err),
                            null)));
                });
        return done.future();
    }

    private static <T> T result(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
