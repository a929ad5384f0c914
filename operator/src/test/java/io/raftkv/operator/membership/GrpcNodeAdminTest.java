package io.raftkv.operator.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.raftkv.api.v1.AddLearnerRequest;
import io.raftkv.api.v1.AddLearnerResponse;
import io.raftkv.api.v1.ClusterGrpc;
import io.raftkv.api.v1.FollowerProgress;
import io.raftkv.api.v1.Member;
import io.raftkv.api.v1.MemberRole;
import io.raftkv.api.v1.PromoteMemberRequest;
import io.raftkv.api.v1.PromoteMemberResponse;
import io.raftkv.api.v1.RemoveMemberRequest;
import io.raftkv.api.v1.RemoveMemberResponse;
import io.raftkv.api.v1.Role;
import io.raftkv.api.v1.StatusRequest;
import io.raftkv.api.v1.StatusResponse;
import io.raftkv.api.v1.TransferLeadershipRequest;
import io.raftkv.api.v1.TransferLeadershipResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link GrpcNodeAdmin} against a grpc-java server of {@code raftkv.v1.Cluster} over the
 * in-process transport: request fields reach the server, responses and RaftKV error trailers
 * come back decoded, and deadlines are enforced.
 */
class GrpcNodeAdminTest {

    private static final Metadata.Key<String> REASON =
            Metadata.Key.of("raftkv-error-reason", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> LEADER_ID =
            Metadata.Key.of("raftkv-leader-id", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> LEADER_ADDRESS =
            Metadata.Key.of("raftkv-leader-address", Metadata.ASCII_STRING_MARSHALLER);

    private final List<Object> requests = new CopyOnWriteArrayList<>();
    private final CountDownLatch releaseSlowCall = new CountDownLatch(1);
    private Server server;
    private GrpcNodeAdmin admin;

    @BeforeEach
    void start() throws Exception {
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name)
                .addService(new ScriptedNode())
                .build()
                .start();
        admin = new GrpcNodeAdmin(
                Duration.ofMillis(500),
                Duration.ofMillis(500),
                target -> InProcessChannelBuilder.forName(name).build());
    }

    @AfterEach
    void stop() {
        releaseSlowCall.countDown();
        admin.close();
        server.shutdownNow();
    }

    @Test
    void statusCarriesRoleMembersAndFollowerProgress() {
        NodeStatusView status = admin.status("leader:9090");
        assertThat(status.id()).isEqualTo(1);
        assertThat(status.leader()).isTrue();
        assertThat(status.term()).isEqualTo(7);
        assertThat(status.commitIndex()).isEqualTo(420);
        assertThat(status.lastIndex()).isEqualTo(421);
        assertThat(status.members())
                .containsExactly(
                        new MemberView(1, true, "kv-0.kv-peers.ns.svc:9091", "kv-0.kv-peers.ns.svc:9090"),
                        new MemberView(1L << 40, false, "kv-3.kv-peers.ns.svc:9091", ""));
        assertThat(status.followers()).containsEntry(1L << 40, new NodeStatusView.FollowerProgress(400, true));
        assertThat(status.isEmpty()).isFalse();
    }

    @Test
    void addLearnerSendsIdAndBothAddresses() {
        List<MemberView> after =
                admin.addLearner("leader:9090", 1L << 40, "kv-3.kv-peers.ns.svc:9091", "kv-3.kv-peers.ns.svc:9090");
        assertThat(requests)
                .containsExactly(AddLearnerRequest.newBuilder()
                        .setId(1L << 40)
                        .setPeerAddress("kv-3.kv-peers.ns.svc:9091")
                        .setClientAddress("kv-3.kv-peers.ns.svc:9090")
                        .build());
        assertThat(after).extracting(MemberView::id).contains(1L << 40);
    }

    @Test
    void notLeaderCarriesTheLeaderHint() {
        assertThatThrownBy(() -> admin.remove("follower:9090", 3))
                .isInstanceOfSatisfying(NodeAdminException.class, e -> {
                    assertThat(e.reason()).isEqualTo(NodeAdminException.Reason.NOT_LEADER);
                    assertThat(e.leaderId()).isEqualTo(2);
                    assertThat(e.leaderAddress()).isEqualTo("kv-1.kv-peers.ns.svc:9090");
                });
        assertThat(requests)
                .containsExactly(RemoveMemberRequest.newBuilder().setId(3).build());
    }

    @Test
    void refusalsAreDecodedFromTheReasonTrailer() {
        assertThatThrownBy(() -> admin.promote("leader:9090", 5))
                .isInstanceOfSatisfying(
                        NodeAdminException.class,
                        e -> assertThat(e.reason()).isEqualTo(NodeAdminException.Reason.LEARNER_NOT_CAUGHT_UP));
        assertThatThrownBy(() -> admin.promote("leader:9090", 6))
                .isInstanceOfSatisfying(
                        NodeAdminException.class,
                        e -> assertThat(e.reason()).isEqualTo(NodeAdminException.Reason.CHANGE_IN_PROGRESS));
        assertThatThrownBy(() -> admin.promote("leader:9090", 404))
                .isInstanceOfSatisfying(
                        NodeAdminException.class,
                        e -> assertThat(e.reason()).isEqualTo(NodeAdminException.Reason.UNKNOWN_MEMBER));
    }

    @Test
    void transferReturnsTheNewLeaderAndEveryCallHasADeadline() {
        assertThat(admin.transferLeadership("leader:9090", 2)).isEqualTo(2);
        long started = System.nanoTime();
        assertThatThrownBy(() -> admin.transferLeadership("leader:9090", 99))
                .isInstanceOfSatisfying(
                        NodeAdminException.class,
                        e -> assertThat(e.reason()).isEqualTo(NodeAdminException.Reason.OUTCOME_UNKNOWN));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void badArgumentsFailBeforeAnyCall() {
        assertThatThrownBy(() -> admin.addLearner("leader:9090", 0, "x:1", ""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("positive id");
        assertThatThrownBy(() -> admin.status(" "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("target");
        assertThat(requests).isEmpty();
    }

    /** A node whose answers are scripted by the request. */
    private final class ScriptedNode extends ClusterGrpc.ClusterImplBase {

        @Override
        public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
            out.onNext(StatusResponse.newBuilder()
                    .setId(1)
                    .setRole(Role.LEADER)
                    .setTerm(7)
                    .setLeaderId(1)
                    .setCommitIndex(420)
                    .setLastIndex(421)
                    .addMembers(Member.newBuilder()
                            .setId(1)
                            .setRole(MemberRole.VOTER)
                            .setPeerAddress("kv-0.kv-peers.ns.svc:9091")
                            .setClientAddress("kv-0.kv-peers.ns.svc:9090"))
                    .addMembers(Member.newBuilder()
                            .setId(1L << 40)
                            .setRole(MemberRole.LEARNER)
                            .setPeerAddress("kv-3.kv-peers.ns.svc:9091"))
                    .addProgress(FollowerProgress.newBuilder()
                            .setId(1L << 40)
                            .setMatchIndex(400)
                            .setLag(21)
                            .setRecentActive(true)
                            .setLearner(true))
                    .build());
            out.onCompleted();
        }

        @Override
        public void addLearner(AddLearnerRequest request, StreamObserver<AddLearnerResponse> out) {
            requests.add(request);
            out.onNext(AddLearnerResponse.newBuilder()
                    .addMembers(Member.newBuilder()
                            .setId(request.getId())
                            .setRole(MemberRole.LEARNER)
                            .setPeerAddress(request.getPeerAddress()))
                    .build());
            out.onCompleted();
        }

        @Override
        public void promoteMember(PromoteMemberRequest request, StreamObserver<PromoteMemberResponse> out) {
            Metadata trailers = new Metadata();
            if (request.getId() == 5) {
                trailers.put(REASON, "LEARNER_NOT_CAUGHT_UP");
                out.onError(Status.FAILED_PRECONDITION.withDescription("lags").asRuntimeException(trailers));
            } else if (request.getId() == 6) {
                trailers.put(REASON, "MEMBERSHIP_CHANGE_IN_PROGRESS");
                out.onError(Status.FAILED_PRECONDITION.asRuntimeException(trailers));
            } else {
                trailers.put(REASON, "UNKNOWN_MEMBER");
                out.onError(Status.NOT_FOUND.asRuntimeException(trailers));
            }
        }

        @Override
        public void removeMember(RemoveMemberRequest request, StreamObserver<RemoveMemberResponse> out) {
            requests.add(request);
            Metadata trailers = new Metadata();
            trailers.put(REASON, "NOT_LEADER");
            trailers.put(LEADER_ID, "2");
            trailers.put(LEADER_ADDRESS, "kv-1.kv-peers.ns.svc:9090");
            out.onError(
                    Status.FAILED_PRECONDITION.withDescription("not the leader").asRuntimeException(trailers));
        }

        @Override
        public void transferLeadership(
                TransferLeadershipRequest request, StreamObserver<TransferLeadershipResponse> out) {
            if (request.getTargetId() == 99) {
                try {
                    // Never answers before the client's deadline; released when the test ends.
                    releaseSlowCall.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                out.onError(Status.CANCELLED.asRuntimeException());
                return;
            }
            out.onNext(TransferLeadershipResponse.newBuilder()
                    .setLeaderId(request.getTargetId())
                    .build());
            out.onCompleted();
        }
    }
}
