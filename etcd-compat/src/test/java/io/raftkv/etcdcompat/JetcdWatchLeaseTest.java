package io.raftkv.etcdcompat;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.support.CloseableClient;
import io.etcd.jetcd.watch.WatchEvent;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * jetcd's Watch and Lease clients, unchanged, against three RaftKV node processes (the shared
 * cluster of {@link RaftKvProcesses#shared()}). The watches and lease calls go through a client
 * that knows only a follower: watches are served from the follower's own state, lease calls and
 * keep-alive streams are forwarded to the leader.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class JetcdWatchLeaseTest {
    private static RaftKvProcesses cluster;
    /** Every endpoint. */
    private static Client client;
    /** One follower only. */
    private static Client follower;

    @BeforeAll
    static void start() throws Exception {
        cluster = RaftKvProcesses.shared();
        client = Client.builder()
                .endpoints(cluster.endpoints().toArray(String[]::new))
                .build();
        String[] followerEndpoint = new String[1];
        await("one leader all members agree on, and a follower's endpoint")
                .atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(200))
                .ignoreExceptions()
                .until(() -> (followerEndpoint[0] = followerEndpoint()) != null);
        follower = Client.builder().endpoints(followerEndpoint[0]).build();
    }

    private static String followerEndpoint() throws Exception {
        java.util.Set<Long> leaders = new java.util.HashSet<>();
        String found = null;
        for (String endpoint : cluster.endpoints()) {
            StatusResponse s =
                    client.getMaintenanceClient().statusMember(endpoint).get(2, TimeUnit.SECONDS);
            leaders.add(s.getLeader());
            if (s.getLeader() != s.getHeader().getMemberId()) {
                found = endpoint;
            }
        }
        return leaders.size() == 1 && !leaders.contains(0L) ? found : null;
    }

    @AfterAll
    static void stop() {
        if (follower != null) {
            follower.close();
        }
        if (client != null) {
            client.close();
        }
    }

    private static ByteSequence b(String s) {
        return ByteSequence.from(s, UTF_8);
    }

    private static String s(ByteSequence b) {
        return b.toString(UTF_8);
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    @Test
    void watchFromARevisionWithPrevKvOnAFollower() throws Exception {
        KV kv = client.getKVClient();
        PutResponse first = get(kv.put(b("jw/a"), b("1")));
        get(kv.put(b("jw/a"), b("2")));
        get(kv.put(b("jx/other"), b("not watched")));
        get(kv.delete(b("jw/a")));
        long rev = first.getHeader().getRevision();

        List<WatchEvent> events = new CopyOnWriteArrayList<>();
        List<Long> revisions = new CopyOnWriteArrayList<>();
        try (Watch.Watcher w = follower.getWatchClient()
                .watch(
                        b("jw/"),
                        WatchOption.builder()
                                .isPrefix(true)
                                .withRevision(rev)
                                .withPrevKV(true)
                                .build(),
                        r -> r.getEvents().forEach(e -> {
                            events.add(e);
                            revisions.add(e.getKeyValue().getModRevision());
                        }))) {
            await("the history from revision " + rev + " and a live put")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> events.size() >= 3);
            PutResponse live = get(kv.put(b("jw/b"), b("live")));
            await("the live put").atMost(Duration.ofSeconds(30)).until(() -> events.size() >= 4);

            assertThat(events)
                    .extracting(WatchEvent::getEventType)
                    .containsExactly(
                            WatchEvent.EventType.PUT,
                            WatchEvent.EventType.PUT,
                            WatchEvent.EventType.DELETE,
                            WatchEvent.EventType.PUT);
            assertThat(events)
                    .extracting(e -> s(e.getKeyValue().getKey()))
                    .containsExactly("jw/a", "jw/a", "jw/a", "jw/b");
            assertThat(s(events.get(1).getPrevKV().getValue())).isEqualTo("1");
            assertThat(s(events.get(2).getPrevKV().getValue())).isEqualTo("2");
            assertThat(events.get(2).getKeyValue().getVersion())
                    .as("a deletion's kv is etcd's")
                    .isZero();
            assertThat(revisions)
                    .containsExactly(rev, rev + 1, rev + 3, live.getHeader().getRevision());
        }
    }

    @Test
    void aWatchFromACompactedRevisionFailsWithTheCompactRevision() throws Exception {
        KV kv = client.getKVClient();
        long old = get(kv.put(b("jc/a"), b("1"))).getHeader().getRevision();
        long now = get(kv.put(b("jc/a"), b("2"))).getHeader().getRevision();
        get(kv.compact(now));
        CompletableFuture<Throwable> failed = new CompletableFuture<>();
        try (Watch.Watcher w = follower.getWatchClient()
                .watch(
                        b("jc/a"),
                        WatchOption.builder().withRevision(old).build(),
                        Watch.listener(r -> {}, failed::complete))) {
            Throwable t = failed.get(30, TimeUnit.SECONDS);
            assertThat(t).isInstanceOf(CompactedException.class);
            assertThat(((CompactedException) t).getCompactedRevision()).isEqualTo(now);
        }
    }

    @Test
    void leasesThroughAFollower() throws Exception {
        io.etcd.jetcd.Lease leases = follower.getLeaseClient();
        long id = get(leases.grant(30)).getID();
        get(follower.getKVClient()
                .put(b("jl/k"), b("v"), PutOption.builder().withLeaseId(id).build()));

        assertThat(get(leases.keepAliveOnce(id)).getTTL()).isEqualTo(30);
        LeaseTimeToLiveResponse ttl = get(
                leases.timeToLive(id, LeaseOption.builder().withAttachedKeys().build()));
        assertThat(ttl.getGrantedTTL()).isEqualTo(30);
        assertThat(ttl.getTTL()).isBetween(1L, 30L);
        assertThat(ttl.getKeys()).extracting(JetcdWatchLeaseTest::s).containsExactly("jl/k");

        // A keep-alive stream relayed by the follower to the leader answers every renewal.
        List<LeaseKeepAliveResponse> renewals = new CopyOnWriteArrayList<>();
        try (CloseableClient stream = leases.keepAlive(id, new StreamObserver<>() {
            @Override
            public void onNext(LeaseKeepAliveResponse r) {
                renewals.add(r);
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
        })) {
            await("a renewal through the follower")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> !renewals.isEmpty());
        }
        assertThat(renewals.get(0).getID()).isEqualTo(id);
        assertThat(renewals.get(0).getTTL()).isEqualTo(30);

        get(leases.revoke(id));
        assertThat(get(client.getKVClient().get(b("jl/k"))).getKvs())
                .as("revoked with its key")
                .isEmpty();
        assertThat(get(leases.timeToLive(id, LeaseOption.DEFAULT)).getTTL()).isEqualTo(-1);
        assertThatThrownBy(() -> get(leases.revoke(id)))
                .isInstanceOf(ExecutionException.class)
                .hasMessageContaining("etcdserver: requested lease not found");
    }

    @Test
    void anExpiredLeaseTakesItsKeysAndWatchersSeeTheDeletion() throws Exception {
        io.etcd.jetcd.Lease leases = client.getLeaseClient();
        long id = get(leases.grant(1)).getID(); // raised to the minimum TTL, as etcd does
        long put = get(client.getKVClient()
                        .put(
                                b("je/k"),
                                b("v"),
                                PutOption.builder().withLeaseId(id).build()))
                .getHeader()
                .getRevision();
        List<WatchEvent> events = new CopyOnWriteArrayList<>();
        try (Watch.Watcher w = follower.getWatchClient()
                .watch(
                        b("je/k"),
                        WatchOption.builder().withRevision(put).withNoPut(true).build(),
                        r -> events.addAll(r.getEvents()))) {
            await("the lease expires and its key is deleted")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> !events.isEmpty());
        }
        assertThat(events).extracting(WatchEvent::getEventType).containsExactly(WatchEvent.EventType.DELETE);
        assertThat(get(leases.timeToLive(id, LeaseOption.DEFAULT)).getTTL()).isEqualTo(-1);
    }
}
