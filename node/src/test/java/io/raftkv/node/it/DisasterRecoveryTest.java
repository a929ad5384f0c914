package io.raftkv.node.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.raftkv.api.RaftKvException;
import io.raftkv.api.client.BlockingRaftKvClient;
import io.raftkv.api.client.Endpoint;
import io.raftkv.api.client.SnapshotInfo;
import io.raftkv.api.v1.AddLearnerRequest;
import io.raftkv.api.v1.MemberRole;
import io.raftkv.api.v1.PutResponse;
import io.raftkv.api.v1.Role;
import io.raftkv.api.v1.StatusRequest;
import io.raftkv.api.v1.StatusResponse;
import io.raftkv.node.storage.SnapshotRestore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Disaster recovery with real node processes: a backup taken from a follower under write load is
 * restored into a new cluster (fresh member id) that holds every write acknowledged at or below the
 * backup's index and grows back to three members; a cluster that lost two of three volumes is
 * rebuilt from the survivor with {@code --force-new-cluster} and grows back to three members with
 * every acknowledged write. Run by {@code make dr-test} (~2 min; not part of {@code make test}).
 */
@Tag("disaster-recovery")
class DisasterRecoveryTest {
    private static final List<String> ARGS =
            List.of("--snapshot-threshold-entries", "300", "--snapshot-retain-entries", "50");
    private LocalCluster source;
    private LocalCluster target;

    @AfterEach
    void tearDown() throws InterruptedException {
        if (target != null) {
            target.close();
        }
        if (source != null) {
            source.close();
        }
    }

    /**
     * Writes {@code <prefix><i>} = {@code v<i>} until stopped, recording each acknowledged key with its
     * log index (also used by DisasterRecoveryFiguresTest).
     */
    static final class Writer extends Thread {
        final Map<String, Long> acknowledged = new ConcurrentHashMap<>();
        final AtomicBoolean stop = new AtomicBoolean();
        private final BlockingRaftKvClient kv;
        private final String prefix;

        Writer(BlockingRaftKvClient kv, String prefix) {
            super("dr-writer-" + prefix);
            this.kv = kv;
            this.prefix = prefix;
        }

        @Override
        public void run() {
            for (int i = 0; !stop.get(); i++) {
                String key = prefix + i;
                try {
                    PutResponse r = kv.put(key, "v" + i);
                    acknowledged.put(key, r.getHeader().getRaftIndex());
                } catch (RaftKvException e) {
                    // not acknowledged: may or may not be applied, never checked
                }
            }
        }

        Map<String, Long> stopAndGet() throws InterruptedException {
            stop.set(true);
            join(60_000);
            return Map.copyOf(acknowledged);
        }
    }

    static StatusResponse hashed(LocalCluster c, NodeProcess n) {
        return c.client()
                .blocking()
                .status(
                        new Endpoint("127.0.0.1", n.clientPort),
                        StatusRequest.newBuilder().setIncludeStateHash(true).build());
    }

    private static void growToThree(LocalCluster c, long first, long... joiners) throws IOException {
        BlockingRaftKvClient kv = c.client().blocking();
        for (long id : joiners) {
            NodeProcess j = c.startJoiner(id);
            kv.addLearner(AddLearnerRequest.newBuilder()
                    .setId(id)
                    .setPeerAddress(j.peerAddress())
                    .setClientAddress(j.clientAddress())
                    .build());
            long applied = c.status(c.node(first)).orElseThrow().getAppliedIndex();
            c.awaitApplied(j, applied);
            await("promote " + id)
                    .atMost(LocalCluster.WAIT)
                    .ignoreException(RaftKvException.class)
                    .until(() -> kv.promoteMember(id) != null);
        }
        await("three voters")
                .atMost(LocalCluster.WAIT)
                .untilAsserted(
                        () -> assertThat(c.status(c.awaitLeader()).orElseThrow().getMembersList())
                                .filteredOn(m -> m.getRole() == MemberRole.VOTER)
                                .hasSize(3));
    }

    static void assertPresent(LocalCluster c, Map<String, Long> writes) {
        BlockingRaftKvClient kv = c.client().blocking();
        for (Map.Entry<String, Long> w : writes.entrySet()) {
            assertThat(kv.get(w.getKey()).getKv().getValue().toStringUtf8())
                    .as(w.getKey() + " acknowledged at index " + w.getValue())
                    .isEqualTo("v" + w.getKey().replaceAll("^[a-z]+", ""));
        }
    }

    private static void assertReplicasAgree(LocalCluster c) {
        NodeProcess leader = c.awaitLeader();
        long index = c.status(leader).orElseThrow().getAppliedIndex();
        for (NodeProcess n : c.running()) {
            c.awaitApplied(n, index);
        }
        await("equal state hashes at equal applied indexes")
                .atMost(LocalCluster.WAIT)
                .untilAsserted(() -> {
                    List<StatusResponse> all =
                            c.running().stream().map(n -> hashed(c, n)).toList();
                    assertThat(all.stream()
                                    .map(StatusResponse::getStateHashIndex)
                                    .distinct())
                            .hasSize(1);
                    assertThat(all.stream().map(StatusResponse::getStateHash).distinct())
                            .hasSize(1);
                });
    }

    @Test
    void backupFromAFollowerUnderLoadRestoresIntoANewClusterWithEveryAcknowledgedWrite() throws Exception {
        source = LocalCluster.start("dr-src", 3, ARGS);
        NodeProcess leader = source.awaitLeader();
        NodeProcess follower =
                source.running().stream().filter(n -> n != leader).findFirst().orElseThrow();
        Writer writer = new Writer(source.client().blocking(), "w");
        writer.start();
        await("writes flowing").atMost(LocalCluster.WAIT).until(() -> writer.acknowledged.size() > 200);
        Path file = source.root.resolve("backup.snap");
        SnapshotInfo info = source.client()
                .blocking()
                .downloadSnapshot(new Endpoint("127.0.0.1", follower.clientPort), file, Duration.ofMinutes(5));
        await("writes after the backup").atMost(LocalCluster.WAIT).until(() -> writer.acknowledged.size() > 400);
        Map<String, Long> acknowledged = writer.stopAndGet();
        long backupIndex = info.metadata().getIndex();
        Map<String, Long> covered = acknowledged.entrySet().stream()
                .filter(e -> e.getValue() <= backupIndex)
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        assertThat(covered).as("the backup covers acknowledged writes").isNotEmpty();
        assertThat(covered.size()).as("and not all of them").isLessThan(acknowledged.size());

        SnapshotRestore.SnapshotFileInfo status = SnapshotRestore.inspect(file, source.root.resolve("scratch"));
        long started = System.nanoTime();
        target = LocalCluster.startPrepared("dr-restored", 21, ARGS, dir -> SnapshotRestore.restore(file, dir, 21));
        long restoreMillis = (System.nanoTime() - started) / 1_000_000;
        StatusResponse restored = hashed(target, target.node(21));
        assertThat(restored.getHeader().getClusterId())
                .isNotEqualTo(source.status(leader).orElseThrow().getHeader().getClusterId());
        assertThat(restored.getMembersList()).extracting(m -> m.getId()).containsExactly(21L);
        assertPresent(target, covered);
        for (String key : acknowledged.keySet()) {
            if (!covered.containsKey(key)) {
                assertThat(target.client().blocking().get(key).hasKv())
                        .as(key + " was written after the backup")
                        .isFalse();
            }
        }
        growToThree(target, 21, 22, 23);
        target.client().blocking().put("after-restore", "v");
        assertReplicasAgree(target);
        System.out.printf(
                "backup %d bytes at index %d (state hash %x); restore + first leader in %d ms%n",
                info.bytes(), backupIndex, status.stateHash().hash(), restoreMillis);
    }

    @Test
    void quorumLossIsRecoveredFromTheSurvivorWithEveryAcknowledgedWrite() throws Exception {
        source = LocalCluster.start("dr-quorum", 3, ARGS);
        Writer writer = new Writer(source.client().blocking(), "q");
        writer.start();
        await("writes flowing").atMost(LocalCluster.WAIT).until(() -> writer.acknowledged.size() > 500);
        Map<String, Long> acknowledged = writer.stopAndGet();
        NodeProcess leader = source.awaitLeader();
        long commit = source.status(leader).orElseThrow().getAppliedIndex();
        NodeProcess survivor = source.node(1);
        source.awaitApplied(survivor, commit);
        for (NodeProcess n : source.nodes()) {
            n.kill();
        }
        for (long lost : new long[] {2, 3}) {
            deleteRecursively(source.node(lost).dataDir());
            source.forget(lost);
        }
        long started = System.nanoTime();
        survivor.start(List.of("--force-new-cluster", "1"));
        NodeProcess newLeader = source.awaitLeader();
        long recoveredMillis = (System.nanoTime() - started) / 1_000_000;
        assertThat(newLeader).isSameAs(survivor);
        assertThat(source.status(survivor).orElseThrow().getRole()).isEqualTo(Role.LEADER);
        assertThat(Files.exists(survivor.dataDir().resolve("force-new-cluster.done")))
                .isTrue();
        assertPresent(source, acknowledged);
        growToThree(source, 1, 4, 5);
        long grownMillis = (System.nanoTime() - started) / 1_000_000;
        // A restart with the flag still set does not rebuild again (the new members stay).
        survivor.stop();
        survivor.start(List.of("--force-new-cluster", "1"));
        source.awaitLeader();
        assertThat(source.status(source.awaitLeader()).orElseThrow().getMembersList())
                .hasSize(3);
        assertPresent(source, acknowledged);
        assertReplicasAgree(source);
        System.out.printf(
                "quorum loss: %d acknowledged writes kept; serving again after %d ms, three voters after %d ms%n",
                acknowledged.size(), recoveredMillis, grownMillis);
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
