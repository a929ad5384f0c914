package io.raftkv.api.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.api.ErrorReason;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.fake.FakeCluster;
import io.raftkv.api.fake.FakeNode;
import io.raftkv.api.v1.Compare;
import io.raftkv.api.v1.CompareAndSetRequest;
import io.raftkv.api.v1.CompareAndSetResponse;
import io.raftkv.api.v1.GetRequest;
import io.raftkv.api.v1.PutRequest;
import io.raftkv.api.v1.RangeRequest;
import io.raftkv.api.v1.RangeResponse;
import io.raftkv.api.v1.ReadConsistency;
import io.raftkv.api.v1.Role;
import io.raftkv.api.v1.Session;
import io.raftkv.api.v1.StatusRequest;
import io.raftkv.api.v1.StatusResponse;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.grpc.common.GrpcStatus;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client against an in-process scripted cluster ({@link FakeCluster}): real gRPC over loopback,
 * scripted failures. Jitter is fixed (random = 0) so backoffs are exact. KV calls travel pipelined
 * (the default); {@link UnaryRaftKvClientTest} runs every test again with unary calls.
 */
class RaftKvClientTest {
    private FakeCluster cluster;
    private final List<RaftKvClient> clients = new ArrayList<>();

    @BeforeEach
    void startCluster() throws Exception {
        cluster = FakeCluster.start(3);
    }

    @AfterEach
    void stop() throws Exception {
        for (RaftKvClient c : clients) {
            c.close();
        }
        cluster.close();
    }

    /** The builder every test starts from; {@link UnaryRaftKvClientTest} turns pipelining off. */
    RaftKvClientBuilder builder(FakeNode... order) {
        return RaftKvClient.builder()
                .endpoints(cluster.endpoints(order))
                .random(() -> 0.0)
                .retryPolicy(new RetryPolicy(6, Duration.ofMillis(5), Duration.ofMillis(40), 0));
    }

    private RaftKvClient client(RaftKvClientBuilder b) {
        RaftKvClient c = b.build();
        clients.add(c);
        return c;
    }

    private FakeNode node(int id) {
        return cluster.node(id);
    }

    @Test
    void followsNotLeaderHintToTheLeaderAndStaysThere() {
        cluster.makeLeader(node(2));
        BlockingRaftKvClient kv = client(builder(node(1), node(2), node(3))).blocking();

        kv.put("a", "1");
        kv.put("b", "2");

        assertThat(node(1).received("Put", PutRequest.class)).hasSize(1);
        assertThat(node(2).received("Put", PutRequest.class)).hasSize(2);
        assertThat(node(3).received()).isEmpty();
        assertThat(cluster.store().peek("b").getValue().toStringUtf8()).isEqualTo("2");
    }

    @Test
    void notLeaderErrorCarriesTheLeaderHintThroughTrailers() {
        cluster.makeLeader(node(3));
        BlockingRaftKvClient kv =
                client(builder(node(1)).retryPolicy(RetryPolicy.NONE)).blocking();

        assertThatThrownBy(() -> kv.put("k", "v")).isInstanceOfSatisfying(RaftKvException.class, e -> {
            assertThat(e.status()).isEqualTo(GrpcStatus.FAILED_PRECONDITION);
            assertThat(e.isNotLeader()).isTrue();
            assertThat(e.leaderId()).isEqualTo(3);
            assertThat(e.leaderAddress()).isEqualTo(node(3).endpoint().toString());
            assertThat(e.isOutcomeUnknown()).isFalse();
        });
    }

    @Test
    void droppedResponseIsRetriedWithTheSameSessionAndAppliedOnce() {
        node(1).script("Put", new FakeNode.Drop(true));
        BlockingRaftKvClient kv =
                client(builder(node(1)).attemptTimeout(Duration.ofMillis(300))).blocking();

        kv.put("k", "v1");
        kv.put("k", "v2");

        List<PutRequest> puts = node(1).received("Put", PutRequest.class);
        assertThat(puts).hasSize(3);
        Session first = puts.get(0).getSession();
        assertThat(first.getClientId()).isNotZero();
        assertThat(puts.get(1).getSession()).isEqualTo(first);
        assertThat(puts.get(2).getSession().getClientId()).isEqualTo(first.getClientId());
        assertThat(puts.get(2).getSession().getSeq()).isEqualTo(first.getSeq() + 1);
        assertThat(cluster.store().writesApplied()).isEqualTo(2);
        assertThat(cluster.store().peek("k").getVersion()).isEqualTo(2);
    }

    @Test
    void aCallLostWithItsConnectionIsRetriedUnderItsSessionAndAppliedOnce() {
        node(1).script("Put", new FakeNode.Reset(true));
        BlockingRaftKvClient kv = client(builder(node(1))).blocking();

        kv.put("k", "v");

        List<PutRequest> puts = node(1).received("Put", PutRequest.class);
        assertThat(puts).hasSize(2);
        assertThat(puts.get(1).getSession()).isEqualTo(puts.get(0).getSession());
        assertThat(cluster.store().writesApplied()).isEqualTo(1);
    }

    @Test
    void abortedSessionWriteIsRetriedButWithoutSessionItReportsAnUnknownOutcome() {
        RaftKvException aborted = RaftKvException.of(ErrorReason.PROPOSAL_ABORTED, "leader changed");
        node(1).script("Put", new FakeNode.Fail(aborted));
        client(builder(node(1))).blocking().put("with-session", "x");
        List<PutRequest> puts = node(1).received("Put", PutRequest.class);
        assertThat(puts).hasSize(2);
        assertThat(puts.get(1).getSession()).isEqualTo(puts.get(0).getSession());

        node(1).script("Put", new FakeNode.Fail(aborted));
        BlockingRaftKvClient noSession =
                client(builder(node(1)).sessions(false)).blocking();
        assertThatThrownBy(() -> noSession.put("no-session", "y")).isInstanceOfSatisfying(RaftKvException.class, e -> {
            assertThat(e.status()).isEqualTo(GrpcStatus.ABORTED);
            assertThat(e.reason()).contains(ErrorReason.PROPOSAL_ABORTED);
            assertThat(e.isOutcomeUnknown()).isTrue();
        });
        assertThat(node(1).received("Put", PutRequest.class)).hasSize(3);
    }

    @Test
    void invalidArgumentFailsAtOnceWithTheServersMessage() {
        BlockingRaftKvClient kv = client(builder(node(1))).blocking();

        assertThatThrownBy(() -> kv.put("", "v")).isInstanceOfSatisfying(RaftKvException.class, e -> {
            assertThat(e.status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT);
            assertThat(e.getMessage()).isEqualTo("key must not be empty");
            assertThat(e.reason()).contains(ErrorReason.INVALID_REQUEST);
        });
        assertThat(node(1).received("Put", PutRequest.class)).hasSize(1);
    }

    @Test
    void unavailableNodeIsLeftForTheNextEndpoint() {
        cluster.makeLeader(node(2));
        node(1).script("Get", new FakeNode.Fail(RaftKvException.of(GrpcStatus.UNAVAILABLE, "node shutting down")));
        BlockingRaftKvClient kv = client(builder(node(1), node(2))).blocking();
        kv.put("k", "v");

        assertThat(kv.get("k").getKv().getValue().toStringUtf8()).isEqualTo("v");
        // Put: node1 said NOT_LEADER (hint to node2); Get: preferred is node2 now, node1 unused.
        assertThat(node(1).received("Get", GetRequest.class)).isEmpty();

        RaftKvClient fresh = client(builder(node(1), node(2)));
        assertThat(fresh.blocking().get("k").getKv().getValue().toStringUtf8()).isEqualTo("v");
        assertThat(node(1).received("Get", GetRequest.class)).hasSize(1);
        assertThat(fresh.preferredEndpoint()).isEqualTo(node(2).endpoint());
    }

    @Test
    void unreachableEndpointIsSkipped() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        RaftKvClient c = client(RaftKvClient.builder()
                .endpoints("127.0.0.1:" + closedPort + "," + node(1).endpoint())
                .random(() -> 0.0));

        c.blocking().put("k", "v");

        assertThat(c.preferredEndpoint()).isEqualTo(node(1).endpoint());
        assertThat(cluster.store().writesApplied()).isEqualTo(1);
    }

    @Test
    void deadlineEndsTheCallWhenNoNodeAnswers() {
        for (int i = 0; i < 10; i++) {
            node(1).script("Get", new FakeNode.Drop(false));
        }
        BlockingRaftKvClient kv = client(
                        builder(node(1)).deadline(Duration.ofMillis(500)).attemptTimeout(Duration.ofMillis(200)))
                .blocking();

        long start = System.nanoTime();
        assertThatThrownBy(() -> kv.get("k"))
                .isInstanceOfSatisfying(
                        RaftKvException.class, e -> assertThat(e.status()).isEqualTo(GrpcStatus.DEADLINE_EXCEEDED));
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(elapsedMillis).isBetween(450L, 3_000L);
        assertThat(node(1).received("Get", GetRequest.class)).hasSizeBetween(2, 3);
    }

    @Test
    void attemptsAreBoundedWhenThereIsNoLeader() {
        cluster.makeLeader(null);
        BlockingRaftKvClient kv = client(builder(node(1), node(2), node(3))
                        .retryPolicy(new RetryPolicy(4, Duration.ofMillis(1), Duration.ofMillis(2), 0)))
                .blocking();

        assertThatThrownBy(() -> kv.put("k", "v")).isInstanceOfSatisfying(RaftKvException.class, e -> {
            assertThat(e.status()).isEqualTo(GrpcStatus.UNAVAILABLE);
            assertThat(e.reason()).contains(ErrorReason.NO_LEADER);
        });
        int attempts = cluster.nodes().stream()
                .mapToInt(n -> n.received("Put", PutRequest.class).size())
                .sum();
        assertThat(attempts).isEqualTo(4);
        assertThat(cluster.store().writesApplied()).isZero();
    }

    @Test
    void concurrentWritesUseDistinctSessionsAndSequentialWritesAdvanceOne() {
        RaftKvClient c = client(builder(node(1)));
        List<Future<?>> inFlight = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            inFlight.add(c.put("k" + i, "v"));
        }
        BlockingRaftKvClient.await(Future.all(inFlight), 10_000);

        Set<Session> sessions = new HashSet<>();
        for (PutRequest p : node(1).received("Put", PutRequest.class)) {
            assertThat(sessions.add(p.getSession()))
                    .as("session reused: %s", p.getSession())
                    .isTrue();
        }
        assertThat(cluster.store().writesApplied()).isEqualTo(50);
    }

    @Test
    void followerServesSerializableReadsButRedirectsLinearizableOnes() {
        cluster.makeLeader(node(2));
        BlockingRaftKvClient kv = client(builder(node(1), node(2))).blocking();
        kv.put("k", "v");
        RaftKvClient pinned = client(builder(node(1)));

        assertThat(pinned.blocking()
                        .get(GetRequest.newBuilder()
                                .setKey(RaftKvClient.utf8("k"))
                                .setConsistency(ReadConsistency.SERIALIZABLE)
                                .build())
                        .getHeader()
                        .getMemberId())
                .isEqualTo(1);
        assertThat(pinned.blocking().get("k").getHeader().getMemberId()).isEqualTo(2);
    }

    @Test
    void compareAndSetAndRangeRoundTrip() {
        BlockingRaftKvClient kv = client(builder(node(1))).blocking();
        kv.put("app/a", "1");
        kv.put("app/b", "2");
        kv.put("other", "3");

        CompareAndSetResponse lost = kv.compareAndSet(CompareAndSetRequest.newBuilder()
                .setCompare(Compare.newBuilder()
                        .setKey(RaftKvClient.utf8("app/a"))
                        .setTarget(Compare.Target.VALUE)
                        .setValue(RaftKvClient.utf8("wrong")))
                .setValue(RaftKvClient.utf8("9"))
                .build());
        assertThat(lost.getSucceeded()).isFalse();
        assertThat(lost.getKv().getValue().toStringUtf8()).isEqualTo("1");

        CompareAndSetResponse won = kv.compareAndSet(CompareAndSetRequest.newBuilder()
                .setCompare(Compare.newBuilder()
                        .setKey(RaftKvClient.utf8("app/a"))
                        .setTarget(Compare.Target.MOD_INDEX)
                        .setModIndex(lost.getKv().getModIndex()))
                .setValue(RaftKvClient.utf8("9"))
                .build());
        assertThat(won.getSucceeded()).isTrue();
        assertThat(won.getKv().getValue().toStringUtf8()).isEqualTo("9");

        RangeResponse r = kv.range(RangeRequest.newBuilder()
                .setPrefix(RaftKvClient.utf8("app/"))
                .setLimit(1)
                .build());
        assertThat(r.getKvsList()).extracting(x -> x.getKey().toStringUtf8()).containsExactly("app/a");
        assertThat(r.getMore()).isTrue();
    }

    @Test
    void statusOfAPinnedNodeDoesNotFailOver() {
        cluster.makeLeader(node(2));
        RaftKvClient c = client(builder(node(1), node(2), node(3)));

        StatusResponse s3 = c.blocking().status(node(3).endpoint(), StatusRequest.getDefaultInstance());

        assertThat(s3.getId()).isEqualTo(3);
        assertThat(s3.getRole()).isEqualTo(Role.FOLLOWER);
        assertThat(s3.getLeaderId()).isEqualTo(2);
        assertThat(node(1).received()).isEmpty();
    }

    @Test
    void callsAreSpreadOverTheConfiguredNumberOfConnections() {
        RaftKvClient c = client(builder(node(1)).connections(3));
        for (int i = 0; i < 9; i++) {
            c.blocking().get("k" + i);
        }
        Set<String> remotes = new HashSet<>();
        node(1).received().forEach(r -> remotes.add(r.remoteAddress()));
        assertThat(remotes).hasSize(3);
    }

    @Test
    void blockingCallOnAnEventLoopIsRefused() throws Exception {
        RaftKvClient c = client(builder(node(1)));
        Promise<Throwable> seen = Promise.promise();
        c.vertx().runOnContext(v -> {
            try {
                c.blocking().get("k");
                seen.complete(null);
            } catch (Throwable t) {
                seen.complete(t);
            }
        });
        Throwable t = seen.future().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(t).isInstanceOf(IllegalStateException.class).hasMessageContaining("event loop");
    }
}
