package io.raftkv.etcdcompat;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Election;
import io.etcd.jetcd.Lock;
import io.etcd.jetcd.election.LeaderKey;
import io.etcd.jetcd.election.LeaderResponse;
import io.etcd.jetcd.election.NoLeaderException;
import io.etcd.jetcd.election.NotLeaderException;
import io.etcd.jetcd.lock.LockResponse;
import io.etcd.jetcd.options.GetOption;
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
 * jetcd's Lock and Election clients, unchanged, against three RaftKV node processes (the shared
 * cluster of {@link RaftKvProcesses#shared()}): both call etcd's server-side {@code v3lockpb} and
 * {@code v3electionpb} services, which RaftKV serves on KV, Lease and Watch; jetcd spreads the
 * calls over every member, so followers forward the recipes' writes.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class JetcdLockElectionTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static Client client;

    @BeforeAll
    static void start() throws Exception {
        client = Client.builder()
                .endpoints(RaftKvProcesses.shared().endpoints().toArray(String[]::new))
                .build();
        // The shared cluster may still be electing its first leader (slow on a loaded machine).
        await("a lease granted through the cluster")
                .atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(200))
                .ignoreExceptions()
                .until(() -> client.getLeaseClient()
                                .grant(5)
                                .get(5, TimeUnit.SECONDS)
                                .getID()
                        > 0);
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, UTF_8);
    }

    private static long lease() throws Exception {
        return client.getLeaseClient().grant(60).get(30, TimeUnit.SECONDS).getID();
    }

    private static long keysUnder(String prefix) throws Exception {
        return client.getKVClient()
                .get(
                        bytes(prefix),
                        GetOption.builder().isPrefix(true).withCountOnly(true).build())
                .get(10, TimeUnit.SECONDS)
                .getCount();
    }

    @Test
    void aLockIsHeldByOneClientAtATimeAndPassesToTheNextOnUnlock() throws Exception {
        Lock lock = client.getLockClient();
        long first = lease();
        long second = lease();
        LockResponse held = lock.lock(bytes("jetcd-lock"), first).get(30, TimeUnit.SECONDS);
        assertThat(held.getKey().toString(UTF_8)).isEqualTo("jetcd-lock/" + Long.toHexString(first));

        CompletableFuture<LockResponse> waiting = lock.lock(bytes("jetcd-lock"), second);
        await().atMost(WAIT).until(() -> keysUnder("jetcd-lock/") == 2);
        assertThat(waiting).isNotDone();

        lock.unlock(held.getKey()).get(30, TimeUnit.SECONDS);
        LockResponse next = waiting.get(30, TimeUnit.SECONDS);
        assertThat(next.getKey().toString(UTF_8)).isEqualTo("jetcd-lock/" + Long.toHexString(second));
        assertThat(next.getHeader().getRevision())
                .isGreaterThan(held.getHeader().getRevision());
        lock.unlock(next.getKey()).get(30, TimeUnit.SECONDS);
        assertThat(keysUnder("jetcd-lock/")).isZero();
    }

    @Test
    void anElectionHasOneLeaderThatObserversFollowThroughProclaimAndResign() throws Exception {
        Election election = client.getElectionClient();
        long first = lease();
        long second = lease();

        assertThatThrownBy(() -> election.leader(bytes("jetcd-election")).get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(NoLeaderException.class);

        LeaderKey one = election.campaign(bytes("jetcd-election"), first, bytes("a"))
                .get(30, TimeUnit.SECONDS)
                .getLeader();
        assertThat(one.getKey().toString(UTF_8)).isEqualTo("jetcd-election/" + Long.toHexString(first));
        assertThat(one.getLease()).isEqualTo(first);

        List<String> observed = new CopyOnWriteArrayList<>();
        election.observe(bytes("jetcd-election"), new Election.Listener() {
            @Override
            public void onNext(LeaderResponse response) {
                observed.add(response.getKv().getValue().toString(UTF_8));
            }

            @Override
            public void onError(Throwable throwable) {
                observed.add("error: " + throwable);
            }

            @Override
            public void onCompleted() {}
        });
        await().atMost(WAIT).until(() -> observed.contains("a"));

        var challenger = election.campaign(bytes("jetcd-election"), second, bytes("b"));
        await().atMost(WAIT).until(() -> keysUnder("jetcd-election/") == 2);
        assertThat(challenger).isNotDone();

        election.proclaim(one, bytes("a2")).get(30, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> observed.contains("a2"));
        assertThat(election.leader(bytes("jetcd-election"))
                        .get(30, TimeUnit.SECONDS)
                        .getKv()
                        .getValue()
                        .toString(UTF_8))
                .isEqualTo("a2");

        election.resign(one).get(30, TimeUnit.SECONDS);
        LeaderKey two = challenger.get(30, TimeUnit.SECONDS).getLeader();
        assertThat(two.getLease()).isEqualTo(second);
        await().atMost(WAIT).until(() -> observed.contains("b"));
        assertThat(observed).containsSubsequence("a", "a2", "b").noneMatch(s -> s.startsWith("error"));

        assertThatThrownBy(() -> election.proclaim(one, bytes("stale")).get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(NotLeaderException.class);
        election.resign(two).get(30, TimeUnit.SECONDS);
    }
}
