package io.raftkv.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.api.ErrorReason;
import io.raftkv.api.RaftKvException;
import io.raftkv.node.driver.NotLeaderException;
import io.raftkv.node.driver.RaftNodeException;
import io.raftkv.node.storage.StorageFailedException;
import io.vertx.grpc.common.GrpcStatus;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every driver code has exactly one wire status; unknown failures are INTERNAL. */
class GrpcErrorsTest {
    @Test
    void everyDriverCodeMapsToItsStatus() {
        Map<RaftNodeException.Code, GrpcStatus> expected = Map.ofEntries(
                Map.entry(RaftNodeException.Code.LEARNER_NOT_CAUGHT_UP, GrpcStatus.FAILED_PRECONDITION),
                Map.entry(RaftNodeException.Code.MEMBERSHIP_CHANGE_IN_PROGRESS, GrpcStatus.FAILED_PRECONDITION),
                Map.entry(RaftNodeException.Code.NOT_LEADER, GrpcStatus.FAILED_PRECONDITION),
                Map.entry(RaftNodeException.Code.UNAVAILABLE, GrpcStatus.UNAVAILABLE),
                Map.entry(RaftNodeException.Code.NO_LEADER, GrpcStatus.UNAVAILABLE),
                Map.entry(RaftNodeException.Code.RESOURCE_EXHAUSTED, GrpcStatus.RESOURCE_EXHAUSTED),
                Map.entry(RaftNodeException.Code.ABORTED, GrpcStatus.ABORTED),
                Map.entry(RaftNodeException.Code.NOT_FOUND, GrpcStatus.NOT_FOUND),
                Map.entry(RaftNodeException.Code.ALREADY_EXISTS, GrpcStatus.ALREADY_EXISTS),
                Map.entry(RaftNodeException.Code.FAILED_PRECONDITION, GrpcStatus.FAILED_PRECONDITION),
                Map.entry(RaftNodeException.Code.INVALID_ARGUMENT, GrpcStatus.INVALID_ARGUMENT),
                Map.entry(RaftNodeException.Code.DEADLINE_EXCEEDED, GrpcStatus.DEADLINE_EXCEEDED),
                Map.entry(RaftNodeException.Code.CORRUPT_MEMBER, GrpcStatus.UNAVAILABLE));
        assertThat(expected).hasSameSizeAs(RaftNodeException.Code.values());
        expected.forEach((code, status) -> {
            RaftKvException e = GrpcErrors.toRaftKvException(new RaftNodeException(code, "because"));
            assertThat(e.status()).as(code.name()).isEqualTo(status);
        });
    }

    @Test
    void notLeaderCarriesTheHintAndUnavailableClaimsNothingAboutTheOutcome() {
        RaftKvException nl = GrpcErrors.toRaftKvException(new NotLeaderException(3, "h:1"));
        assertThat(nl.isNotLeader()).isTrue();
        assertThat(nl.leaderId()).isEqualTo(3);
        assertThat(nl.leaderAddress()).isEqualTo("h:1");
        RaftKvException un =
                GrpcErrors.toRaftKvException(new RaftNodeException(RaftNodeException.Code.UNAVAILABLE, "x"));
        assertThat(un.reason()).isEmpty();
        // Refused before proposing: the client may repeat even a write it must not apply twice.
        RaftKvException noLeader = GrpcErrors.toRaftKvException(
                new io.raftkv.node.driver.NoLeaderException("no leader is known; an election is in progress"));
        assertThat(noLeader.status()).isEqualTo(GrpcStatus.UNAVAILABLE);
        assertThat(noLeader.reason()).contains(ErrorReason.NO_LEADER);
        assertThat(GrpcErrors.metricReason(GrpcErrors.toRaftKvException(
                        new RaftNodeException(RaftNodeException.Code.RESOURCE_EXHAUSTED, "x"))))
                .isEqualTo("overloaded");
        assertThat(GrpcErrors.toRaftKvException(
                                new RaftNodeException(RaftNodeException.Code.CORRUPT_MEMBER, "CORRUPT: member 2"))
                        .reason())
                .contains(ErrorReason.CORRUPT_MEMBER);
        assertThat(GrpcErrors.toRaftKvException(new RaftNodeException(RaftNodeException.Code.NOT_FOUND, "x"))
                        .reason())
                .contains(ErrorReason.UNKNOWN_MEMBER);
        assertThat(GrpcErrors.toRaftKvException(
                                new RaftNodeException(RaftNodeException.Code.LEARNER_NOT_CAUGHT_UP, "x"))
                        .reason())
                .contains(ErrorReason.LEARNER_NOT_CAUGHT_UP);
        assertThat(GrpcErrors.toRaftKvException(
                                new RaftNodeException(RaftNodeException.Code.MEMBERSHIP_CHANGE_IN_PROGRESS, "x"))
                        .reason())
                .contains(ErrorReason.MEMBERSHIP_CHANGE_IN_PROGRESS);
    }

    @Test
    void otherFailuresAreClassified() {
        assertThat(GrpcErrors.toRaftKvException(new IllegalArgumentException("bad"))
                        .status())
                .isEqualTo(GrpcStatus.INVALID_ARGUMENT);
        assertThat(GrpcErrors.toRaftKvException(new StorageFailedException("disk", null))
                        .status())
                .isEqualTo(GrpcStatus.UNAVAILABLE);
        assertThat(GrpcErrors.toRaftKvException(new NullPointerException("bug")).status())
                .isEqualTo(GrpcStatus.INTERNAL);
    }
}
