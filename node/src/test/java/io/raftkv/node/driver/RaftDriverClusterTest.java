package io.raftkv.node.driver;

import static io.raftkv.node.driver.InProcessCluster.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.raftkv.node.kv.ApplyResult;
import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.kv.KeyValue;
import io.raftkv.node.storage.StorageOptions;
import io.raftkv.raft.StateType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver with the real core, RocksDB storage and gRPC transport, three or four nodes in one JVM:
 * replication and apply, proposal results, NOT_LEADER, follower reads, membership changes, leadership
 * transfer and catch-up by snapshot.
 */
@Timeout(120)
class RaftDriverClusterTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private InProcessCluster cluster;

    private InProcessCluster start(StorageOptions storage) throws Exception {
        // Election timeout 0.5-1 s: the shared test machine is often heavily loaded.
        cluster = new InProcessCluster(dir, storage, DriverOptions.defaults().withTiming(10, 50, 5));
        return cluster.startVoters(1, 2, 3);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static byte[] put(String k, String v) {
        return CommandCodec.encode(Command.of(new Command.Put(bytes(k), bytes(v))));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Poll often and from the start: the snapshot test waits on hundreds of single writes. */
    @org.junit.jupiter.api.BeforeAll
    static void pollEagerly() {
        org.awaitility.Awaitility.setDefaultPollDelay(java.time.Duration.ZERO);
        org.awaitility.Awaitility.setDefaultPollInterval(java.time.Duration.ofMillis(10));
    }

    @org.junit.jupiter.api.AfterAll
    static void restorePolling() {
        org.awaitility.Awaitility.reset();
    }

    private InProcessCluster.Node awaitLeader() {
        await().atMost(WAIT).until(() -> cluster.leader().isPresent());
        return cluster.leader().orElseThrow();
    }

    /**
     * Proposes through whichever node leads until one attempt is applied (a leader change may abort
     * or leave unknown the outcome of an attempt; Puts are idempotent, so retrying is safe here).
     */
    private InProcessCluster.Node proposeUntilApplied(byte[] command) {
        InProcessCluster.Node[] by = new InProcessCluster.Node[1];
        await().atMost(WAIT).ignoreExceptions().until(() -> {
            InProcessCluster.Node l = awaitLeader();
            await(l.driver().propose(command));
            by[0] = l;
            return true;
        });
        return by[0];
    }

    private static String valueOn(InProcessCluster.Node n, String key) {
        return n.driver()
                .stateMachine()
                .get(bytes(key))
                .map(KeyValue::value)
                .map(v -> new String(v, StandardCharsets.UTF_8))
                .orElse(null);
    }

    @Test
    void replicatesProposalsToEveryNodeAndAnswersWithTheApplyResult() throws Exception {
        start(StorageOptions.defaults());
        InProcessCluster.Node leader = proposeUntilApplied(put("warm", "up"));
        List<io.vertx.core.Future<ApplyResult>> results = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            results.add(leader.driver().propose(put("k" + i, "v" + i)));
        }
        for (int i = 0; i < 200; i++) {
            ApplyResult r = await(results.get(i));
            assertThat(r.status()).isEqualTo(ApplyResult.Status.APPLIED);
            assertThat(new String(r.keyValue().key(), StandardCharsets.UTF_8)).isEqualTo("k" + i);
        }
        assertThat(valueOn(leader, "k199")).isEqualTo("v199");
        for (InProcessCluster.Node n : cluster.nodes()) {
            await().atMost(WAIT).until(() -> "v199".equals(valueOn(n, "k199")));
        }
        // Leadership may move on a loaded machine: ask whoever leads now.
        await().atMost(WAIT).until(() -> {
            NodeStatus st = awaitLeader().driver().status();
            return st.role() == StateType.LEADER
                    && st.members().stream().map(NodeStatus.Member::id).toList().equals(List.of(1L, 2L, 3L))
                    && st.progress().size() == 2
                    && st.progress().stream().allMatch(p -> p.lag() == 0);
        });
    }

    @Test
    void followerRefusesWritesWithTheLeaderHintAndServesLinearizableReads() throws Exception {
        start(StorageOptions.defaults());
        proposeUntilApplied(put("a", "1"));
        // Retried as a whole: on a loaded machine leadership may move between the steps.
        await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
            InProcessCluster.Node leader = awaitLeader();
            InProcessCluster.Node f = followerOf(leader);
            assertThat(f.driver().status().leaderId()).isEqualTo(leader.id());
            assertThatThrownBy(() -> await(f.driver().propose(put("b", "2"))))
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOfSatisfying(NotLeaderException.class, e -> {
                        assertThat(e.leaderId()).isEqualTo(leader.id());
                        assertThat(e.leaderClientAddress()).isEqualTo("client-of-" + leader.id() + ":1");
                    });
        });
        proposeUntilApplied(put("a", "2"));
        // ReadIndex on a follower: after the barrier, the write acknowledged above is visible there.
        await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
            InProcessCluster.Node f = followerOf(awaitLeader());
            await(f.driver().readBarrier(ReadConsistency.LINEARIZABLE));
            assertThat(valueOn(f, "a")).isEqualTo("2");
            await(f.driver().readBarrier(ReadConsistency.LEASE));
        });
        for (InProcessCluster.Node n : cluster.nodes()) {
            await(n.driver().readBarrier(ReadConsistency.SERIALIZABLE));
        }
    }

    /** Counts LEASE reads by path, as the metrics do. */
    private static final class LeaseCounter implements DriverObserver {
        final java.util.concurrent.atomic.AtomicLong fromLease = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong fallback = new java.util.concurrent.atomic.AtomicLong();

        @Override
        public void leaderChanged(long newLeaderId) {}

        @Override
        public void readIndexServed(long nanos) {}

        @Override
        public void leaseReads(int reads, boolean lease) {
            (lease ? fromLease : fallback).addAndGet(reads);
        }
    }

    @Test
    void leaseReadsOnTheLeaderUseItsLeaseAndFollowersFallBackToReadIndex() throws Exception {
        start(StorageOptions.defaults());
        java.util.Map<Long, LeaseCounter> counters = new java.util.TreeMap<>();
        for (InProcessCluster.Node n : cluster.nodes()) {
            LeaseCounter c = new LeaseCounter();
            counters.put(n.id(), c);
            n.driver().setObserver(c);
        }
        proposeUntilApplied(put("l", "1"));
        // Retried as a whole: on a loaded machine leadership may move between the steps.
        await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
            InProcessCluster.Node leader = awaitLeader();
            await(leader.driver().propose(put("l", "2")));
            long before = counters.get(leader.id()).fromLease.get();
            await(leader.driver().readBarrier(ReadConsistency.LEASE));
            assertThat(valueOn(leader, "l")).isEqualTo("2");
            assertThat(counters.get(leader.id()).fromLease.get())
                    .as("served from the lease")
                    .isGreaterThan(before);
        });
        await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
            InProcessCluster.Node f = followerOf(awaitLeader());
            long before = counters.get(f.id()).fallback.get();
            await(f.driver().readBarrier(ReadConsistency.LEASE));
            assertThat(valueOn(f, "l")).isEqualTo("2");
            assertThat(counters.get(f.id()).fallback.get())
                    .as("a follower holds no lease")
                    .isGreaterThan(before);
        });
    }

    @Test
    void addsPromotesTransfersToAndRemovesAMember() throws Exception {
        start(StorageOptions.defaults());
        proposeUntilApplied(put("before", "join"));
        String addr4 = cluster.peerAddress(4);
        InProcessCluster.Node four = cluster.start(4, true);
        await().atMost(WAIT).ignoreExceptions().until(() -> {
            try {
                assertThat(await(awaitLeader().driver().addLearner(4, addr4, "127.0.0.1:9999")))
                        .isEqualTo(4);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RaftNodeException r
                        && r.code() == RaftNodeException.Code.ALREADY_EXISTS)) {
                    throw e;
                }
            }
            return true;
        });
        await().atMost(WAIT)
                .ignoreExceptions()
                .untilAsserted(() -> assertThatThrownBy(
                                () -> await(awaitLeader().driver().addLearner(4, addr4, "")))
                        .cause()
                        .isInstanceOfSatisfying(
                                RaftNodeException.class,
                                e -> assertThat(e.code()).isEqualTo(RaftNodeException.Code.ALREADY_EXISTS)));
        await().atMost(WAIT).until(() -> "join".equals(valueOn(four, "before")));
        // The value precedes the configuration change that made 4 a learner in the log, and the two
        // may reach 4 in different appends: wait for the change to be applied there too.
        await().atMost(WAIT).until(() -> four.driver().status().learner());
        await().atMost(WAIT).ignoreExceptions().until(() -> {
            await(awaitLeader().driver().promote(4));
            return true;
        });
        await().atMost(WAIT)
                .until(() -> four.driver().status().members().stream().anyMatch(m -> m.id() == 4 && !m.learner()));
        await().atMost(WAIT).ignoreExceptions().until(() -> {
            await(awaitLeader().driver().transferLeadership(4));
            return four.driver().status().isLeader();
        });
        long removed = four.driver().status().members().stream()
                .mapToLong(NodeStatus.Member::id)
                .filter(id -> id != 4)
                .min()
                .orElseThrow();
        await().atMost(WAIT).ignoreExceptions().until(() -> {
            await(awaitLeader().driver().remove(removed));
            return true;
        });
        await().atMost(WAIT)
                .until(() -> four.driver().status().members().stream().noneMatch(m -> m.id() == removed));
        await().atMost(WAIT)
                .ignoreExceptions()
                .untilAsserted(() -> assertThatThrownBy(
                                () -> await(awaitLeader().driver().remove(12345)))
                        .cause()
                        .isInstanceOfSatisfying(
                                RaftNodeException.class,
                                e -> assertThat(e.code()).isEqualTo(RaftNodeException.Code.NOT_FOUND)));
        InProcessCluster.Node writer = proposeUntilApplied(put("after", "removal"));
        assertThat(valueOn(writer, "after")).isEqualTo("removal");
    }

    private InProcessCluster.Node followerOf(InProcessCluster.Node leader) {
        for (InProcessCluster.Node n : cluster.nodes()) {
            if (n.id() != leader.id()) {
                return n;
            }
        }
        throw new AssertionError("no follower running");
    }

    @Test
    void aNodeThatMissedCompactedEntriesCatchesUpBySnapshot() throws Exception {
        start(StorageOptions.defaults().withSnapshotThresholdEntries(100).withLogEntriesRetainedAfterSnapshot(10));
        InProcessCluster.Node leader = proposeUntilApplied(put("warm", "up"));
        long lagging = leader.id() == 3 ? 2 : 3;
        cluster.stop(lagging);
        for (int i = 0; i < 500; i++) {
            proposeUntilApplied(put("s" + i, "x" + i));
        }
        await().atMost(WAIT).until(() -> awaitLeader().driver().status().firstIndex() > 100);
        InProcessCluster.Node back = cluster.start(lagging, false);
        await().atMost(WAIT).until(() -> "x499".equals(valueOn(back, "s499")));
        assertThat(back.transport().stats().snapshotsReceived.sum()).isGreaterThanOrEqualTo(1);
        assertThat(valueOn(back, "s0")).isEqualTo("x0");
    }
}
