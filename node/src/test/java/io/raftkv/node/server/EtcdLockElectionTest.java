package io.raftkv.node.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.raftkv.etcd.api.CampaignRequest;
import io.raftkv.etcd.api.CampaignResponse;
import io.raftkv.etcd.api.ElectionGrpcClient;
import io.raftkv.etcd.api.KVGrpcClient;
import io.raftkv.etcd.api.LeaderKey;
import io.raftkv.etcd.api.LeaderRequest;
import io.raftkv.etcd.api.LeaderResponse;
import io.raftkv.etcd.api.ProclaimRequest;
import io.raftkv.etcd.api.RangeRequest;
import io.raftkv.etcd.api.ResignRequest;
import io.raftkv.etcd.api.lock.LockGrpcClient;
import io.raftkv.etcd.api.lock.LockRequest;
import io.raftkv.etcd.api.lock.LockResponse;
import io.raftkv.etcd.api.lock.UnlockRequest;
import io.raftkv.node.kv.Command;
import io.vertx.grpc.common.GrpcStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's server-side lock ({@code v3lockpb}) and election ({@code v3electionpb}) on the client port,
 * against a real state machine whose changes feed the server's watch hub: mutual exclusion in create
 * order, the wait on the predecessor's deletion, the caller's deadline, leases, and etcd's errors.
 */
class EtcdLockElectionTest {
    @TempDir
    Path dir;

    private SingleNodeLog log;
    private ClientServerFixture f;

    @BeforeEach
    void start() {
        log = new SingleNodeLog(dir);
        f = new ClientServerFixture(ServerLimits.defaults(), log.stateMachine());
        f.node.onPropose = log::apply;
        for (long lease = 1; lease <= 3; lease++) {
            log.apply(Command.of(new Command.LeaseGrant(lease, 600)));
        }
    }

    @AfterEach
    void stop() {
        f.close();
        log.close();
    }

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private boolean exists(String key) {
        return f.call(
                                KVGrpcClient.Range,
                                RangeRequest.newBuilder().setKey(b(key)).build())
                        .body()
                        .getKvsCount()
                == 1;
    }

    @Test
    void aLockIsHeldByOneSessionAtATimeInCreateOrderAndPassesOnUnlock() {
        LockResponse first = f.call(
                        LockGrpcClient.Lock,
                        LockRequest.newBuilder().setName(b("jobs")).setLease(1).build())
                .body();
        assertThat(first.getKey().toStringUtf8()).isEqualTo("jobs/1");

        var second = f.callAsync(
                LockGrpcClient.Lock,
                LockRequest.newBuilder().setName(b("jobs")).setLease(2).build(),
                20_000,
                m -> {});
        // The second contender has queued (its key exists) and waits on the holder's deletion.
        await().atMost(Duration.ofSeconds(10)).until(() -> exists("jobs/2"));
        assertThat(second.isComplete()).isFalse();

        long unlockedAt = f.call(
                        LockGrpcClient.Unlock,
                        UnlockRequest.newBuilder().setKey(first.getKey()).build())
                .body()
                .getHeader()
                .getRevision();
        LockResponse next = ClientServerFixture.await(second).body();
        assertThat(next.getKey().toStringUtf8()).isEqualTo("jobs/2");
        assertThat(next.getHeader().getRevision()).isGreaterThanOrEqualTo(unlockedAt);
        assertThat(exists("jobs/1")).isFalse();
    }

    @Test
    void aWaitingLockEndsByTheCallersDeadlineAndLeavesTheQueue() {
        f.call(
                        LockGrpcClient.Lock,
                        LockRequest.newBuilder().setName(b("l")).setLease(1).build())
                .body();
        var waited = f.call(
                LockGrpcClient.Lock,
                LockRequest.newBuilder().setName(b("l")).setLease(2).build(),
                1_000);
        assertThat(waited.status()).isEqualTo(GrpcStatus.DEADLINE_EXCEEDED);
        await().atMost(Duration.ofSeconds(10)).until(() -> !exists("l/2"));
        assertThat(exists("l/1")).isTrue();
    }

    @Test
    void aWaiterWhoseLeaseEndsIsToldItsSessionExpiredOnceTheHolderGoes() {
        LockResponse held = f.call(
                        LockGrpcClient.Lock,
                        LockRequest.newBuilder().setName(b("s")).setLease(1).build())
                .body();
        var waiting = f.callAsync(
                LockGrpcClient.Lock,
                LockRequest.newBuilder().setName(b("s")).setLease(2).build(),
                20_000,
                m -> {});
        await().atMost(Duration.ofSeconds(10)).until(() -> exists("s/2"));
        log.apply(Command.of(new Command.LeaseRevoke(2, true))); // the waiter's lease expires: its key goes
        assertThat(exists("s/2")).isFalse();
        f.call(
                        LockGrpcClient.Unlock,
                        UnlockRequest.newBuilder().setKey(held.getKey()).build())
                .body();
        var expired = ClientServerFixture.await(waiting);
        assertThat(expired.status()).isEqualTo(GrpcStatus.UNKNOWN);
        assertThat(expired.message()).isEqualTo("mutex: session is expired");
    }

    @Test
    void aLockWithAnUnknownLeaseOrNoneIsRefusedWithEtcdsErrors() {
        var unknown = f.call(
                LockGrpcClient.Lock,
                LockRequest.newBuilder().setName(b("l")).setLease(99).build());
        assertThat(unknown.status()).isEqualTo(GrpcStatus.NOT_FOUND);
        assertThat(unknown.message()).isEqualTo("etcdserver: requested lease not found");
        var none = f.call(
                LockGrpcClient.Lock, LockRequest.newBuilder().setName(b("l")).build());
        assertThat(none.status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT);
        assertThat(none.message()).contains("needs a lease");
    }

    @Test
    void anElectionHasOneLeaderObservedThroughProclaimsAndResignation() {
        var noLeader = f.call(
                ElectionGrpcClient.Leader,
                LeaderRequest.newBuilder().setName(b("e")).build());
        assertThat(noLeader.status()).isEqualTo(GrpcStatus.UNKNOWN);
        assertThat(noLeader.message()).isEqualTo("election: no leader");

        CampaignResponse won = f.call(
                        ElectionGrpcClient.Campaign,
                        CampaignRequest.newBuilder()
                                .setName(b("e"))
                                .setLease(1)
                                .setValue(b("a"))
                                .build())
                .body();
        LeaderKey one = won.getLeader();
        assertThat(one.getKey().toStringUtf8()).isEqualTo("e/1");
        assertThat(one.getLease()).isEqualTo(1);

        List<LeaderResponse> observed = new CopyOnWriteArrayList<>();
        f.callAsync(
                ElectionGrpcClient.Observe,
                LeaderRequest.newBuilder().setName(b("e")).build(),
                0,
                observed::add);
        await().atMost(Duration.ofSeconds(10)).until(() -> observed.size() == 1);
        assertThat(observed.get(0).getKv().getValue().toStringUtf8()).isEqualTo("a");

        var challenger = f.callAsync(
                ElectionGrpcClient.Campaign,
                CampaignRequest.newBuilder()
                        .setName(b("e"))
                        .setLease(2)
                        .setValue(b("b"))
                        .build(),
                20_000,
                m -> {});
        await().atMost(Duration.ofSeconds(10)).until(() -> exists("e/2"));

        f.call(
                        ElectionGrpcClient.Proclaim,
                        ProclaimRequest.newBuilder()
                                .setLeader(one)
                                .setValue(b("a2"))
                                .build())
                .body();
        await().atMost(Duration.ofSeconds(10)).until(() -> observed.size() == 2);
        assertThat(observed.get(1).getKv().getValue().toStringUtf8()).isEqualTo("a2");
        assertThat(f.call(
                                ElectionGrpcClient.Leader,
                                LeaderRequest.newBuilder().setName(b("e")).build())
                        .body()
                        .getKv()
                        .getValue()
                        .toStringUtf8())
                .isEqualTo("a2");
        assertThat(challenger.isComplete()).isFalse();

        f.call(
                        ElectionGrpcClient.Resign,
                        ResignRequest.newBuilder().setLeader(one).build())
                .body();
        LeaderKey two = ClientServerFixture.await(challenger).body().getLeader();
        assertThat(two.getKey().toStringUtf8()).isEqualTo("e/2");
        await().atMost(Duration.ofSeconds(10)).until(() -> observed.size() == 3);
        assertThat(observed.get(2).getKv().getKey().toStringUtf8()).isEqualTo("e/2");
        assertThat(observed.get(2).getKv().getValue().toStringUtf8()).isEqualTo("b");

        var stale = f.call(
                ElectionGrpcClient.Proclaim,
                ProclaimRequest.newBuilder().setLeader(one).setValue(b("x")).build());
        assertThat(stale.status()).isEqualTo(GrpcStatus.UNKNOWN);
        assertThat(stale.message()).isEqualTo("election: not leader");
    }
}
