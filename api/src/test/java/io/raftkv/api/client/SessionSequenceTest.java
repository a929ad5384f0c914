package io.raftkv.api.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.api.ErrorReason;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.fake.FakeCluster;
import io.raftkv.api.fake.FakeNode;
import io.raftkv.api.v1.PutRequest;
import io.raftkv.api.v1.Session;
import io.vertx.grpc.common.GrpcStatus;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * When a session's sequence number is used up. The fake store applies the node's rules (an unknown
 * session is accepted only at sequence 1, an older number is refused), so a client that burns a
 * number on a write that was never proposed fails its next write with SESSION_SEQUENCE_STALE.
 * One lane is used throughout ({@code maxConcurrentWrites(1)}), so consecutive writes share it.
 */
class SessionSequenceTest {
    private FakeCluster cluster;
    private RaftKvClient client;

    @BeforeEach
    void start() throws Exception {
        cluster = FakeCluster.start(1);
    }

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        cluster.close();
    }

    /** A one-lane client of the single node; attempts are cut short only where a test drops an answer. */
    private BlockingRaftKvClient client(RetryPolicy retries, Duration attemptTimeout) {
        client = RaftKvClient.builder()
                .endpoints(cluster.endpoints(cluster.node(1)))
                .random(() -> 0.0)
                .retryPolicy(retries)
                .maxConcurrentWrites(1)
                .attemptTimeout(attemptTimeout)
                .build();
        return client.blocking();
    }

    private BlockingRaftKvClient client(RetryPolicy retries) {
        return client(retries, RaftKvClientBuilder.DEFAULT_ATTEMPT_TIMEOUT);
    }

    private List<Session> sessionsSeenBy(long nodeId) {
        return cluster.node(nodeId).received("Put", PutRequest.class).stream()
                .map(PutRequest::getSession)
                .toList();
    }

    @Test
    void aWriteRefusedAsInvalidDoesNotUseUpTheNumber() {
        BlockingRaftKvClient kv = client(RetryPolicy.DEFAULT);
        assertThatThrownBy(() -> kv.put("", "v"))
                .isInstanceOfSatisfying(
                        RaftKvException.class, e -> assertThat(e.status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT));

        kv.put("k", "v1");
        kv.put("k", "v2");

        List<Session> seen = sessionsSeenBy(1);
        assertThat(seen).extracting(Session::getSeq).containsExactly(1L, 1L, 2L);
        assertThat(seen)
                .extracting(Session::getClientId)
                .containsOnly(seen.get(0).getClientId());
        assertThat(cluster.store().writesApplied()).isEqualTo(2);
    }

    @Test
    void aWriteRefusedAsNotLeaderOrOverloadedDoesNotUseUpTheNumber() {
        BlockingRaftKvClient kv = client(RetryPolicy.NONE);
        cluster.node(1)
                .script(
                        "Put",
                        new FakeNode.Fail(RaftKvException.notLeader(
                                1, cluster.node(1).endpoint().toString())));
        assertThatThrownBy(() -> kv.put("k", "v"))
                .isInstanceOfSatisfying(
                        RaftKvException.class, e -> assertThat(e.isNotLeader()).isTrue());
        cluster.node(1).script("Put", new FakeNode.Fail(RaftKvException.of(ErrorReason.OVERLOADED, "busy")));
        assertThatThrownBy(() -> kv.put("k", "v"))
                .isInstanceOfSatisfying(
                        RaftKvException.class, e -> assertThat(e.status()).isEqualTo(GrpcStatus.RESOURCE_EXHAUSTED));

        kv.put("k", "v");

        assertThat(sessionsSeenBy(1)).extracting(Session::getSeq).containsExactly(1L, 1L, 1L);
        assertThat(cluster.store().writesApplied()).isEqualTo(1);
    }

    @Test
    void aWriteThatMayHaveBeenProposedUsesUpTheNumberEvenIfItFailed() {
        BlockingRaftKvClient kv = client(RetryPolicy.NONE);
        kv.put("k", "v1");
        cluster.node(1)
                .script(
                        "Put",
                        new FakeNode.Fail(RaftKvException.of(
                                GrpcStatus.UNAVAILABLE, "leadership lost with the proposal in flight")));
        assertThatThrownBy(() -> kv.put("k", "v2")).isInstanceOf(RaftKvException.class);

        kv.put("k", "v3");

        assertThat(sessionsSeenBy(1)).extracting(Session::getSeq).containsExactly(1L, 2L, 3L);
    }

    @Test
    void anExpiredSessionIsRenewedAndTheWriteSentAgainOnceSinceItCertainlyDidNotApply() {
        BlockingRaftKvClient kv = client(RetryPolicy.DEFAULT);
        kv.put("k", "v1");
        cluster.store().expireSessions();

        kv.put("k", "v2");
        kv.put("k", "v3");

        List<Session> seen = sessionsSeenBy(1);
        assertThat(seen).hasSize(4);
        assertThat(seen.get(1).getSeq()).isEqualTo(2);
        assertThat(seen.get(1).getClientId()).isEqualTo(seen.get(0).getClientId());
        assertThat(seen.get(2).getClientId())
                .as("renewed lane")
                .isNotEqualTo(seen.get(0).getClientId());
        assertThat(seen.get(2).getSeq()).isEqualTo(1);
        assertThat(seen.get(3)).isEqualTo(seen.get(2).toBuilder().setSeq(2).build());
        assertThat(cluster.store().writesApplied()).isEqualTo(3);
        assertThat(cluster.store().peek("k").getValue().toStringUtf8()).isEqualTo("v3");
    }

    @Test
    void aStaleAnswerAfterAnAttemptThatMayHaveAppliedIsNotResentAndReportsAnUnknownOutcome() {
        BlockingRaftKvClient kv = client(RetryPolicy.DEFAULT, Duration.ofMillis(500));
        // Attempt 1 is applied but its answer is lost; by the retry the node has expired the session.
        cluster.node(1)
                .script(
                        "Put",
                        new FakeNode.Drop(true),
                        new FakeNode.Fail(
                                RaftKvException.of(ErrorReason.SESSION_SEQUENCE_STALE, "session unknown or expired")));

        assertThatThrownBy(() -> kv.put("k", "once")).isInstanceOfSatisfying(RaftKvException.class, e -> {
            assertThat(e.reason()).contains(ErrorReason.SESSION_SEQUENCE_STALE);
            assertThat(e.isOutcomeUnknown()).isTrue();
        });
        assertThat(cluster.store().writesApplied()).isEqualTo(1);

        kv.put("k", "next");
        List<Session> seen = sessionsSeenBy(1);
        assertThat(seen).hasSize(3);
        assertThat(seen.get(1)).isEqualTo(seen.get(0));
        assertThat(seen.get(2).getClientId())
                .as("lane renewed")
                .isNotEqualTo(seen.get(0).getClientId());
        assertThat(seen.get(2).getSeq()).isEqualTo(1);
    }

    @Test
    void aPlainUnavailableEndsASessionlessWriteAsUnknownButNoLeaderIsRetried() {
        client = RaftKvClient.builder()
                .endpoints(cluster.endpoints(cluster.node(1)))
                .random(() -> 0.0)
                .retryPolicy(new RetryPolicy(4, Duration.ofMillis(1), Duration.ofMillis(2), 0))
                .sessions(false)
                .build();
        BlockingRaftKvClient kv = client.blocking();
        cluster.node(1)
                .script(
                        "Put",
                        new FakeNode.Fail(
                                RaftKvException.of(GrpcStatus.UNAVAILABLE, "outcome of proposal at index 7 unknown")));
        assertThatThrownBy(() -> kv.put("k", "v")).isInstanceOfSatisfying(RaftKvException.class, e -> {
            assertThat(e.status()).isEqualTo(GrpcStatus.UNAVAILABLE);
            assertThat(e.isOutcomeUnknown()).isTrue();
        });
        assertThat(sessionsSeenBy(1)).hasSize(1);

        cluster.node(1).script("Put", new FakeNode.Fail(RaftKvException.of(ErrorReason.NO_LEADER, "election")));
        kv.put("k", "v");
        assertThat(sessionsSeenBy(1)).hasSize(3);
        assertThat(cluster.store().writesApplied()).isEqualTo(1);
    }
}
