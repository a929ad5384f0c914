package io.raftkv.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.api.ErrorTrailers;
import io.raftkv.api.v1.AddLearnerRequest;
import io.raftkv.api.v1.ClusterGrpcClient;
import io.raftkv.api.v1.MemberListRequest;
import io.raftkv.api.v1.MemberRole;
import io.raftkv.api.v1.PromoteMemberRequest;
import io.raftkv.api.v1.RemoveMemberRequest;
import io.raftkv.api.v1.Role;
import io.raftkv.api.v1.SnapshotRequest;
import io.raftkv.api.v1.StatusRequest;
import io.raftkv.api.v1.StatusResponse;
import io.raftkv.api.v1.TransferLeadershipRequest;
import io.raftkv.node.driver.NodeStatus;
import io.raftkv.node.driver.NotLeaderException;
import io.raftkv.node.driver.RaftNodeException;
import io.raftkv.node.metrics.SnapshotMetrics;
import io.raftkv.raft.ProgressState;
import io.raftkv.raft.StateType;
import io.vertx.core.Future;
import io.vertx.grpc.common.GrpcStatus;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Cluster over the wire: status fields, validation of membership requests, error mapping. */
class ClusterServiceTest {
    private ClientServerFixture f;

    @BeforeEach
    void start() {
        f = new ClientServerFixture();
    }

    @AfterEach
    void stop() {
        f.close();
    }

    @Test
    void statusReportsTheNodesViewIncludingFollowerProgressClusterIdSizeAndTheHashWithItsIndex() {
        NodeStatus s = FakeRaftNode.leader(1, 5);
        f.node.status = new NodeStatus(
                1,
                StateType.LEADER,
                false,
                5,
                1,
                FakeRaftNode.LEADER_ADDRESS,
                120,
                118,
                1,
                121,
                50,
                s.members(),
                List.of(new NodeStatus.FollowerLag(2, 119, 120, 2, ProgressState.REPLICATE, true, false)),
                true,
                true,
                0xFEEDL,
                123_456);
        // The hash describes the state at its own index, which may trail the status's applied index.
        f.reader.stateHash = new io.raftkv.node.kv.StateHash(117, 0xC0FFEEL);
        StatusResponse r = f.call(
                        ClusterGrpcClient.Status,
                        StatusRequest.newBuilder().setIncludeStateHash(true).build())
                .body();
        assertThat(r.getId()).isEqualTo(1);
        assertThat(r.getRole()).isEqualTo(Role.LEADER);
        assertThat(r.getTerm()).isEqualTo(5);
        assertThat(r.getLeaderAddress()).isEqualTo(FakeRaftNode.LEADER_ADDRESS);
        assertThat(r.getCommitIndex()).isEqualTo(120);
        assertThat(r.getAppliedIndex()).isEqualTo(118);
        assertThat(r.getSnapshotIndex()).isEqualTo(50);
        assertThat(r.getMembersList()).extracting(m -> m.getId()).containsExactly(1L, 2L, 3L);
        assertThat(r.getProgress(0).getState()).isEqualTo("replicate");
        assertThat(r.getProgress(0).getLag()).isEqualTo(2);
        assertThat(r.getStateHash()).isEqualTo(0xC0FFEEL);
        assertThat(r.getStateHashIndex()).isEqualTo(117);
        assertThat(r.getHeader().getClusterId()).isEqualTo(0xFEEDL);
        assertThat(r.getHeader().getRaftIndex()).isEqualTo(118);
        assertThat(r.getDbSizeBytes()).isEqualTo(123_456);
    }

    @Test
    void memberListComesFromTheAppliedConfiguration() {
        var r = f.call(ClusterGrpcClient.MemberList, MemberListRequest.getDefaultInstance())
                .body();
        assertThat(r.getMembersList())
                .extracting(m -> m.getPeerAddress())
                .containsExactly("10.0.0.1:9091", "10.0.0.2:9091", "10.0.0.3:9091");
        assertThat(r.getMembersList()).allSatisfy(m -> assertThat(m.getRole()).isEqualTo(MemberRole.VOTER));
    }

    @Test
    void membershipRequestsAreValidatedBeforeReachingTheDriver() {
        List<String> calls = new ArrayList<>();
        f.node.onMembership = (op, id) -> {
            calls.add(op + " " + id);
            return Future.succeededFuture();
        };
        var zero = f.call(
                ClusterGrpcClient.PromoteMember,
                PromoteMemberRequest.newBuilder().setId(0).build());
        assertThat(zero.status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT);
        assertThat(zero.message()).isEqualTo("id is required (member ids are never 0)");

        var unknown = f.call(
                ClusterGrpcClient.RemoveMember,
                RemoveMemberRequest.newBuilder().setId(9).build());
        assertThat(unknown.status()).isEqualTo(GrpcStatus.NOT_FOUND);
        assertThat(unknown.meta(ErrorTrailers.REASON)).isEqualTo("UNKNOWN_MEMBER");
        assertThat(unknown.message()).isEqualTo("no member has id 9; members are [1, 2, 3]");

        var badAddress = f.call(
                ClusterGrpcClient.AddLearner,
                AddLearnerRequest.newBuilder().setPeerAddress("nohost").build());
        assertThat(badAddress.status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT);
        assertThat(badAddress.message()).startsWith("peer_address is not a valid host:port");

        var noAddress = f.call(ClusterGrpcClient.AddLearner, AddLearnerRequest.getDefaultInstance());
        assertThat(noAddress.message()).isEqualTo("peer_address is required (host:port)");

        assertThat(calls).isEmpty();
        var ok = f.call(
                ClusterGrpcClient.TransferLeadership,
                TransferLeadershipRequest.newBuilder().setTargetId(3).build());
        assertThat(ok.body().getLeaderId()).isEqualTo(1);
        f.call(
                        ClusterGrpcClient.PromoteMember,
                        PromoteMemberRequest.newBuilder().setId(2).build())
                .body();
        assertThat(calls).containsExactly("transfer 3", "promote 2");
    }

    @Test
    void addLearnerAnswersWithTheNewMember() {
        var r = f.call(
                        ClusterGrpcClient.AddLearner,
                        AddLearnerRequest.newBuilder()
                                .setPeerAddress("10.0.0.4:9091")
                                .setClientAddress("10.0.0.4:9090")
                                .build())
                .body();
        assertThat(r.getMember().getId()).isEqualTo(4);
        assertThat(r.getMember().getRole()).isEqualTo(MemberRole.LEARNER);
        assertThat(r.getMember().getPeerAddress()).isEqualTo("10.0.0.4:9091");
    }

    @Test
    void driverRefusalsKeepTheirCodes() {
        f.node.onMembership = (op, id) -> Future.failedFuture(
                new RaftNodeException(RaftNodeException.Code.FAILED_PRECONDITION, "learner 2 lags by 500 entries"));
        var lagging = f.call(
                ClusterGrpcClient.PromoteMember,
                PromoteMemberRequest.newBuilder().setId(2).build());
        assertThat(lagging.status()).isEqualTo(GrpcStatus.FAILED_PRECONDITION);
        assertThat(lagging.message()).isEqualTo("learner 2 lags by 500 entries");

        f.node.onMembership = (op, id) -> Future.failedFuture(new NotLeaderException(3, "10.0.0.3:9090"));
        var notLeader = f.call(
                ClusterGrpcClient.RemoveMember,
                RemoveMemberRequest.newBuilder().setId(2).build());
        assertThat(notLeader.status()).isEqualTo(GrpcStatus.FAILED_PRECONDITION);
        assertThat(notLeader.meta(ErrorTrailers.LEADER_ADDRESS)).isEqualTo("10.0.0.3:9090");

        f.node.onMembership = (op, id) -> Future.failedFuture(
                new RaftNodeException(RaftNodeException.Code.DEADLINE_EXCEEDED, "transfer did not finish in 600 ms"));
        var slow = f.call(ClusterGrpcClient.TransferLeadership, TransferLeadershipRequest.getDefaultInstance());
        assertThat(slow.status()).isEqualTo(GrpcStatus.DEADLINE_EXCEEDED);

        f.node.onAddLearner = Future.failedFuture(new RaftNodeException(
                RaftNodeException.Code.ALREADY_EXISTS, "address 10.0.0.2:9091 belongs to member 2"));
        var exists = f.call(
                ClusterGrpcClient.AddLearner,
                AddLearnerRequest.newBuilder().setPeerAddress("10.0.0.2:9091").build());
        assertThat(exists.status()).isEqualTo(GrpcStatus.ALREADY_EXISTS);
    }

    @Test
    void aSnapshotDownloadThatCannotOpenFailsWithItsStatusAndIsCounted() {
        var r = f.call(ClusterGrpcClient.Snapshot, SnapshotRequest.getDefaultInstance());
        assertThat(r.status()).isEqualTo(GrpcStatus.UNAVAILABLE);
        assertThat(r.message()).isEqualTo("no snapshot");
        assertThat(r.messages()).isEmpty();
        assertThat(f.server.snapshotMetrics().count(SnapshotMetrics.Kind.DOWNLOADED, false))
                .isEqualTo(1);
        assertThat(f.server.inFlightCalls()).isZero();
    }

    /** The server ends a download at its cap even when the client allows longer, or sets no deadline. */
    @Test
    void aSnapshotDownloadRunsAtMostTheServersCapWhateverTheClientsDeadline() throws Exception {
        try (ClientServerFixture capped = new ClientServerFixture(
                ServerLimits.defaults().withMaxSnapshotDownload(java.time.Duration.ofMillis(300)))) {
            capped.node.onSnapshot = io.vertx.core.Promise.<io.raftkv.node.driver.SnapshotDownload>promise()
                    .future();
            long start = System.nanoTime();
            var longDeadline = capped.call(ClusterGrpcClient.Snapshot, SnapshotRequest.getDefaultInstance(), 30_000);
            assertThat(longDeadline.status()).isEqualTo(GrpcStatus.DEADLINE_EXCEEDED);
            assertThat(longDeadline.message()).contains("within its deadline of 300 ms");
            assertThat(System.nanoTime() - start).isLessThan(java.util.concurrent.TimeUnit.SECONDS.toNanos(10));
            var noDeadline = capped.call(ClusterGrpcClient.Snapshot, SnapshotRequest.getDefaultInstance());
            assertThat(noDeadline.status()).isEqualTo(GrpcStatus.DEADLINE_EXCEEDED);
            assertThat(noDeadline.message()).contains("within its deadline of 300 ms");
            assertThat(capped.server.inFlightCalls()).isZero();
        }
    }
}
