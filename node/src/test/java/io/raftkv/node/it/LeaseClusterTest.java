package io.raftkv.node.it;

import static io.raftkv.node.it.LeaseKeys.exists;
import static io.raftkv.node.it.LeaseKeys.putWithLease;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.raftkv.api.ErrorReason;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.client.BlockingRaftKvClient;
import io.raftkv.api.client.LeaseKeepAlive;
import io.raftkv.api.client.RaftKvClient;
import io.raftkv.api.v1.LeaseGrantResponse;
import io.raftkv.api.v1.LeaseTimeToLiveResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Leases on three real node processes: a lease's keys vanish only after its TTL has run out on the
 * leader's clock (never before: the client's clock reading before the grant is a lower bound of
 * the leader's deadline), and a kept-alive lease survives a leadership transfer and a SIGKILL of
 * the leader. The slower failover cases (a lease orphaned by a killed leader, the lock across a
 * transfer and a crashed holder) are in {@link LeaseFailoverTest} ({@code make lease-test}).
 */
@ExtendWith(DumpLogsOnFailure.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LeaseClusterTest {
    private static final long TTL = 2;

    private static LocalCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = LocalCluster.start("leases", 3, List.of());
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void grantAttachListTimeToLiveAndRevoke() {
        BlockingRaftKvClient kv = cluster.client().blocking();
        LeaseGrantResponse g = kv.leaseGrant(60);
        assertThat(g.getId()).isPositive();
        assertThat(g.getTtl()).isEqualTo(60);
        putWithLease(kv, "lease/a", g.getId());
        putWithLease(kv, "lease/b", g.getId());
        assertThat(kv.leases().getLeasesList()).anyMatch(l -> l.getId() == g.getId() && l.getGrantedTtl() == 60);
        LeaseTimeToLiveResponse ttl = kv.leaseTimeToLive(g.getId(), true);
        assertThat(ttl.getGrantedTtl()).isEqualTo(60);
        assertThat(ttl.getTtl()).isBetween(1L, 60L);
        assertThat(ttl.getKeysList()).extracting(b -> b.toStringUtf8()).containsExactly("lease/a", "lease/b");

        assertThat(kv.leaseRevoke(g.getId()).getDeleted()).isEqualTo(2);
        assertThat(exists(kv, "lease/a")).isFalse();
        assertThat(kv.leaseTimeToLive(g.getId(), false).getTtl()).isEqualTo(-1);
        assertThatThrownBy(() -> kv.leaseRevoke(g.getId()))
                .isInstanceOfSatisfying(
                        RaftKvException.class, e -> assertThat(e.reason()).contains(ErrorReason.LEASE_NOT_FOUND));
        assertThatThrownBy(() -> putWithLease(kv, "lease/c", g.getId()))
                .isInstanceOfSatisfying(RaftKvException.class, e -> {
                    assertThat(e.reason()).contains(ErrorReason.LEASE_NOT_FOUND);
                    assertThat(e.getMessage()).contains("requested lease not found");
                });
        assertThat(exists(kv, "lease/c")).isFalse();
    }

    @Test
    @Order(2)
    void aLeaseExpiresOnlyAfterItsTtlOnTheLeader() {
        BlockingRaftKvClient kv = cluster.client().blocking();
        long before = System.nanoTime();
        LeaseGrantResponse g = kv.leaseGrant(TTL);
        putWithLease(kv, "expiring", g.getId());
        await("the lease's key to vanish")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> !exists(kv, "expiring"));
        long gone = System.nanoTime();
        // The leader starts the deadline once it applied the grant, after `before`.
        assertThat(gone - before).isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(TTL));
        System.out.printf(
                "lease-expiry-steady ttl=%ds key gone %.0f ms after the grant was sent%n", TTL, (gone - before) / 1e6);
    }

    @Test
    @Order(3)
    void aKeptAliveLeaseSurvivesATransferAndALeaderKill() throws Exception {
        RaftKvClient client = cluster.client();
        BlockingRaftKvClient kv = client.blocking();
        long before = System.nanoTime();
        LeaseGrantResponse g = kv.leaseGrant(TTL);
        LeaseKeepAlive keep = client.keepAlive(g.getId(), g.getTtl(), before);
        putWithLease(kv, "kept", g.getId());

        NodeProcess leader = cluster.awaitLeader();
        kv.transferLeadership(0);
        NodeProcess second = cluster.awaitLeaderOtherThan(leader);
        await("the key to stay through two TTLs after a transfer")
                .during(Duration.ofSeconds(2 * TTL))
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> exists(kv, "kept"));

        second.kill();
        cluster.awaitLeaderOtherThan(second);
        await("the key to stay through two TTLs after the leader was killed")
                .during(Duration.ofSeconds(2 * TTL))
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> exists(kv, "kept"));
        assertThat(keep.lost().isComplete())
                .as("keep-alive lost: %s", keep.lost().result())
                .isFalse();

        keep.stop();
        long stopped = System.nanoTime();
        await("the key to vanish once nobody renews it")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> !exists(kv, "kept"));
        assertThat(System.nanoTime() - stopped).isLessThan(TimeUnit.SECONDS.toNanos(TTL + 10));
        second.start();
    }
}
