package io.raftkv.api.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.api.ErrorReason;
import io.raftkv.api.RaftKvException;
import io.vertx.grpc.common.GrpcStatus;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Pure units of the client: endpoint parsing, backoff, leader tracking, session lanes. */
class ClientPartsTest {

    @Test
    void endpointsParseAndRejectBadInputWithClearMessages() {
        assertThat(Endpoint.parse("10.0.0.1:9090")).isEqualTo(new Endpoint("10.0.0.1", 9090));
        assertThat(Endpoint.parse("[::1]:9090")).isEqualTo(new Endpoint("::1", 9090));
        assertThat(Endpoint.parse("[::1]:9090").toString()).isEqualTo("[::1]:9090");
        assertThat(Endpoint.parseList("a:1, b:2,a:1")).containsExactly(new Endpoint("a", 1), new Endpoint("b", 2));

        assertThatThrownBy(() -> Endpoint.parse("host")).hasMessage("endpoint 'host' is not host:port");
        assertThatThrownBy(() -> Endpoint.parse("host:x")).hasMessage("endpoint 'host:x' has a non-numeric port");
        assertThatThrownBy(() -> Endpoint.parse("host:70000")).hasMessage("endpoint port 70000 is outside 1..65535");
        assertThatThrownBy(() -> Endpoint.parse("::1:9090")).hasMessageContaining("write IPv6 hosts as [addr]:port");
        assertThatThrownBy(() -> Endpoint.parseList("a:1,,b:2")).hasMessageContaining("has an empty item");
    }

    @Test
    void backoffDoublesUpToTheCapAndJitterOnlyShortensIt() {
        RetryPolicy p = new RetryPolicy(10, Duration.ofMillis(10), Duration.ofMillis(70), 0.5);
        assertThat(p.backoffMillis(1, 0)).isZero();
        assertThat(p.backoffMillis(2, 0)).isEqualTo(10);
        assertThat(p.backoffMillis(3, 0)).isEqualTo(20);
        assertThat(p.backoffMillis(4, 0)).isEqualTo(40);
        assertThat(p.backoffMillis(5, 0)).isEqualTo(70);
        assertThat(p.backoffMillis(60, 0)).isEqualTo(70);
        assertThat(p.backoffMillis(4, 0.999)).isEqualTo(20);
        assertThatThrownBy(() -> new RetryPolicy(0, Duration.ZERO, Duration.ZERO, 0))
                .hasMessage("maxAttempts 0 is outside 1..100");
        assertThatThrownBy(() -> new RetryPolicy(3, Duration.ofMillis(5), Duration.ofMillis(1), 0))
                .hasMessageContaining("0 <= initial");
    }

    @Test
    void leaderTrackerFollowsHintsAndCyclesOnFailures() {
        Endpoint a = new Endpoint("a", 1);
        Endpoint b = new Endpoint("b", 1);
        Endpoint c = new Endpoint("c", 1);
        LeaderTracker t = new LeaderTracker(List.of(a, b));

        assertThat(t.current()).isEqualTo(a);
        assertThat(t.onNotLeader(a, "c:1")).isTrue();
        assertThat(t.current()).isEqualTo(c);
        assertThat(t.known()).containsExactly(a, b, c);

        t.onUnreachable(b); // stale report: c is preferred, nothing moves
        assertThat(t.current()).isEqualTo(c);
        t.onUnreachable(c);
        assertThat(t.current()).isEqualTo(a);

        assertThat(t.onNotLeader(a, "not an address")).isTrue(); // malformed hint = no hint
        assertThat(t.current()).isEqualTo(b);
    }

    @Test
    void leaderTrackerBoundsLearnedAddresses() {
        Endpoint seed = new Endpoint("seed", 1);
        LeaderTracker t = new LeaderTracker(List.of(seed));
        for (int i = 0; i < 40; i++) {
            t.onNotLeader(t.current(), "h" + i + ":1");
        }
        assertThat(t.known()).hasSize(1 + LeaderTracker.MAX_LEARNED).startsWith(seed);
        assertThat(t.current()).isEqualTo(new Endpoint("h39", 1));
    }

    @Test
    void sessionLanesAreExclusiveAdvanceOnlyWhenTheirNumberWasUsedAndAreBounded() {
        AtomicLong ids = new AtomicLong(0); // first id 0 must be skipped: 0 means "no session"
        SessionPool pool = new SessionPool(2, ids::getAndIncrement);

        SessionPool.Lane l1 = pool.acquire();
        SessionPool.Lane l2 = pool.acquire();
        assertThat(l1.session().getClientId()).isEqualTo(1);
        assertThat(l2.session().getClientId()).isEqualTo(2);
        assertThat(l1.session().getSeq()).isEqualTo(1);
        assertThatThrownBy(pool::acquire)
                .isInstanceOf(RaftKvException.class)
                .hasMessageContaining("2 session writes in flight");

        pool.release(l1, false);
        SessionPool.Lane again = pool.acquire();
        assertThat(again).isSameAs(l1);
        assertThat(again.session().getSeq())
                .as("refused before proposal: number kept")
                .isEqualTo(1);
        pool.release(again, true);
        assertThat(pool.acquire().session().getSeq()).isEqualTo(2);
        assertThat(pool.lanesCreated()).isEqualTo(2);

        pool.renew(l2);
        assertThat(l2.session().getClientId()).isEqualTo(3);
        assertThat(l2.session().getSeq()).isEqualTo(1);
    }

    @Test
    void onlyRefusalsMadeBeforeProposingCountAsCertainlyNotProposed() {
        for (RaftKvException notProposed : List.of(
                RaftKvException.invalidArgument("empty key"),
                RaftKvException.notLeader(2, "b:1"),
                RaftKvException.of(ErrorReason.OVERLOADED, "busy"),
                RaftKvException.of(ErrorReason.NO_LEADER, "election"),
                RaftKvException.of(ErrorReason.UNKNOWN_MEMBER, "no 9"),
                RaftKvException.of(ErrorReason.MEMBERSHIP_CHANGE_IN_PROGRESS, "one at a time"),
                RaftKvException.of(GrpcStatus.UNIMPLEMENTED, "old server"))) {
            assertThat(RetryingCaller.serverMayHaveProposed(notProposed))
                    .as("%s", notProposed)
                    .isFalse();
        }
        for (RaftKvException maybe : List.of(
                RaftKvException.of(GrpcStatus.UNAVAILABLE, "leadership lost"),
                RaftKvException.of(ErrorReason.PROPOSAL_ABORTED, "aborted"),
                RaftKvException.of(ErrorReason.SESSION_SEQUENCE_STALE, "committed, refused"),
                RaftKvException.of(GrpcStatus.FAILED_PRECONDITION, "txn reads too large"),
                RaftKvException.of(GrpcStatus.DEADLINE_EXCEEDED, "late"),
                RaftKvException.of(GrpcStatus.INTERNAL, "bug"))) {
            assertThat(RetryingCaller.serverMayHaveProposed(maybe))
                    .as("%s", maybe)
                    .isTrue();
        }
    }
}
