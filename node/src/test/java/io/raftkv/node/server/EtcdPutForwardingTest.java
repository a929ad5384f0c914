package io.raftkv.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.raftkv.etcd.api.KVGrpcClient;
import io.raftkv.etcd.api.PutRequest;
import io.raftkv.etcd.api.PutResponse;
import io.raftkv.etcd.api.RangeRequest;
import io.raftkv.etcd.api.RangeResponse;
import io.raftkv.node.driver.NotLeaderException;
import io.raftkv.node.driver.UnavailableException;
import io.raftkv.node.kv.KvReader;
import io.raftkv.node.metrics.PrometheusMetrics;
import io.raftkv.node.metrics.RaftKvMeters;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientResponse;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd Puts sent to a follower's client port reach the leader (a real client port over a real
 * state machine) over the follower's pipelined stream, not as unary calls: answered with the
 * follower's header and the leader's revision, applied once each; a leader change under a Put that
 * was not proposed yet is ridden out on the new leader; one whose outcome the old leader lost is
 * etcd's {@code leader changed}.
 */
class EtcdPutForwardingTest {
    @TempDir
    Path dir;

    private final Vertx vertx = Vertx.vertx();
    private final GrpcClient grpc = GrpcClient.client(vertx);
    private final PrometheusMetrics.Registry leaderMetrics = PrometheusMetrics.create();
    private final PrometheusMetrics.Registry followerMetrics = PrometheusMetrics.create();
    private final PrometheusMetrics.Registry otherMetrics = PrometheusMetrics.create();
    private final FakeRaftNode leaderNode = new FakeRaftNode();
    private final FakeRaftNode followerNode = new FakeRaftNode();
    private SingleNodeLog log;
    private ClientServer leader;
    private ClientServer follower;

    @BeforeEach
    void setUp() {
        log = new SingleNodeLog(dir.resolve("data"));
        leaderNode.onPropose = log::apply;
        leader = ClientServerFixture.await(
                ClientServer.builder(vertx, leaderNode, ServerLimits.defaults(), leaderMetrics.prometheus())
                        .reader(KvReader.of(log::stateMachine))
                        .start("127.0.0.1", 0));
        followerNode.status = FakeRaftNode.follower(1, 5, "127.0.0.1:" + leader.port());
        followerNode.onPropose = c -> Future.failedFuture(new NotLeaderException(1, "127.0.0.1:" + leader.port()));
        follower = ClientServerFixture.await(
                ClientServer.builder(vertx, followerNode, ServerLimits.defaults(), followerMetrics.prometheus())
                        .reader(KvReader.of(log::stateMachine))
                        .start("127.0.0.1", 0));
    }

    @AfterEach
    void tearDown() {
        ClientServerFixture.await(follower.close());
        ClientServerFixture.await(leader.close());
        ClientServerFixture.await(vertx.close());
        leaderMetrics.close();
        followerMetrics.close();
        otherMetrics.close();
        log.close();
    }

    @Test
    void concurrentPutsAtAFollowerTravelOverOnePipelinedStreamAndApplyOnceEach() {
        int n = 300;
        List<Future<Reply<PutResponse>>> puts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            puts.add(call(follower.port(), KVGrpcClient.Put, put("k" + (i % 100), "v" + i, i >= 200)));
        }
        Set<Long> revisions = new HashSet<>();
        for (int i = 0; i < n; i++) {
            Reply<PutResponse> r = ClientServerFixture.await(puts.get(i));
            assertThat(r.status).as(r.text).isEqualTo(GrpcStatus.OK);
            PutResponse p = r.message();
            assertThat(p.getHeader().getMemberId()).as("the follower answers").isEqualTo(2);
            assertThat(revisions.add(p.getHeader().getRevision())).isTrue();
            if (i >= 200) {
                assertThat(p.hasPrevKv())
                        .as("the key was written by an earlier put")
                        .isTrue();
                assertThat(p.getPrevKv().getKey().toStringUtf8()).isEqualTo("k" + (i % 100));
                assertThat(p.getPrevKv().getModRevision())
                        .isLessThan(p.getHeader().getRevision());
            }
        }
        assertThat(followerNode.proposed).isEmpty();
        assertThat(leaderNode.proposed).hasSize(n);
        assertThat(revisions).hasSize(n);
        // Served on the leader as pipelined RaftKV Puts, none as a unary etcd Put.
        assertThat(leaderRequests("raftkv.v1.KV/Put")).isEqualTo(n);
        assertThat(leaderRequests("etcdserverpb.KV/Put")).isZero();
        assertThat(leader.pipelineStreams()).isBetween(1, 16);
        RangeResponse all = ClientServerFixture.await(call(
                        leader.port(),
                        KVGrpcClient.Range,
                        RangeRequest.newBuilder()
                                .setKey(ByteString.copyFromUtf8("k"))
                                .setRangeEnd(ByteString.copyFromUtf8("l"))
                                .build()))
                .message();
        assertThat(all.getCount()).isEqualTo(100);
    }

    @Test
    void aPutTheOldLeaderRefusedGoesToTheNewOneAndOneWhoseOutcomeWasLostIsLeaderChanged() {
        FakeRaftNode otherNode = new FakeRaftNode();
        otherNode.onPropose = log::apply;
        ClientServer other = ClientServerFixture.await(
                ClientServer.builder(vertx, otherNode, ServerLimits.defaults(), otherMetrics.prometheus())
                        .reader(KvReader.of(log::stateMachine))
                        .start("127.0.0.1", 0));
        try {
            // Warm the stream to the first leader.
            assertThat(ClientServerFixture.await(call(follower.port(), KVGrpcClient.Put, put("a", "1", false))).status)
                    .isEqualTo(GrpcStatus.OK);
            // The leader steps down under the next Put: it refuses it unproposed, and the follower
            // learns of the new leader meanwhile.
            AtomicBoolean first = new AtomicBoolean(true);
            leaderNode.onPropose = c -> {
                if (first.getAndSet(false)) {
                    followerNode.status = FakeRaftNode.follower(3, 6, "127.0.0.1:" + other.port());
                }
                return Future.failedFuture(new NotLeaderException(3, "127.0.0.1:" + other.port()));
            };
            Reply<PutResponse> moved =
                    ClientServerFixture.await(call(follower.port(), KVGrpcClient.Put, put("b", "2", false)));
            assertThat(moved.status).as(moved.text).isEqualTo(GrpcStatus.OK);
            assertThat(otherNode.proposed).hasSize(1);
            assertThat(leaderRequests("raftkv.v1.KV/Put", "FAILED_PRECONDITION"))
                    .as("the old leader refused it: not proposed")
                    .isEqualTo(1);

            // The new leader loses leadership after proposing: the outcome is unknown.
            otherNode.onPropose =
                    c -> Future.failedFuture(new UnavailableException("leadership lost; outcome unknown"));
            Reply<PutResponse> lost =
                    ClientServerFixture.await(call(follower.port(), KVGrpcClient.Put, put("c", "3", false)));
            assertThat(lost.status).isEqualTo(GrpcStatus.UNAVAILABLE);
            assertThat(lost.text).isEqualTo("etcdserver: leader changed");
        } finally {
            ClientServerFixture.await(other.close());
        }
    }

    // ------------------------------------------------------------------ helpers

    private double leaderRequests(String method) {
        return leaderRequests(method, "OK");
    }

    private double leaderRequests(String method, String code) {
        return leaderMetrics
                .prometheus()
                .find(RaftKvMeters.CLIENT_REQUESTS.name())
                .tags("method", method, "code", code)
                .timers()
                .stream()
                .mapToDouble(t -> t.count())
                .sum();
    }

    private static PutRequest put(String key, String value, boolean prevKv) {
        return PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(key))
                .setValue(ByteString.copyFromUtf8(value))
                .setPrevKv(prevKv)
                .build();
    }

    record Reply<T>(GrpcStatus status, String text, T message) {}

    private <Req, Resp> Future<Reply<Resp>> call(int port, ServiceMethod<Resp, Req> method, Req request) {
        Promise<Reply<Resp>> done = Promise.promise();
        grpc.request(SocketAddress.inetSocketAddress(port, "127.0.0.1"), method)
                .compose(req -> req.send(request))
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
                    resp.exceptionHandler(
                            err -> done.tryComplete(new Reply<>(resp.status(), resp.statusMessage(), null)));
                });
        return done.future();
    }
}
