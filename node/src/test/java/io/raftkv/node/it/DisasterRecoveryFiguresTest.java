package io.raftkv.node.it;

import static io.raftkv.node.it.DisasterRecoveryTest.assertPresent;
import static io.raftkv.node.it.DisasterRecoveryTest.deleteRecursively;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.client.BlockingRaftKvClient;
import io.raftkv.api.client.Endpoint;
import io.raftkv.api.client.RaftKvClient;
import io.raftkv.api.client.SnapshotInfo;
import io.raftkv.api.v1.AddLearnerRequest;
import io.raftkv.api.v1.MemberRole;
import io.raftkv.api.v1.PutRequest;
import io.raftkv.api.v1.Role;
import io.raftkv.api.v1.StatusRequest;
import io.raftkv.api.v1.StatusResponse;
import io.raftkv.node.storage.SnapshotRestore;
import io.vertx.core.Future;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The figures of docs/operations.md's disaster-recovery section, from real processes, for a data set
 * of {@code -Draftkv.dr.mib} MiB (default 1024) of 256 KiB values:
 *
 * <ul>
 *   <li>one member: a backup (download into a file), {@code snapshot status}, a restore, and the
 *       restored member's first leadership;
 *   <li>three members: single-member replacement (a follower's data directory lost, the member removed,
 *       a fresh member with a new id added, caught up by an installed snapshot and promoted, under a
 *       light write load), then quorum loss (two of three data directories lost, {@code
 *       --force-new-cluster} on the survivor, two fresh members added until three voters are caught
 *       up). Every acknowledged small write and a sample of the large values are read back and the
 *       replicas' state hashes compared at the end.
 * </ul>
 *
 * Not the correctness tests of these procedures (DisasterRecoveryTest is): run it with {@code make
 * dr-figures}. The space quota is off ({@code --quota-backend-bytes 0}), so a DR_MIB above the 2 GiB
 * default quota fits too.
 */
@Tag("dr-figures")
class DisasterRecoveryFiguresTest {
    private static final int VALUE_BYTES = 256 * 1024;
    /** Bound of one step with a data set of up to a few GiB on a loaded 2-core machine. */
    private static final Duration LONG = Duration.ofMinutes(20);

    private static int mib() {
        return Integer.getInteger("raftkv.dr.mib", 1024);
    }

    @Test
    void backupAndRestore() throws Exception {
        int mib = mib();
        int count = mib * 4;
        Path sourceRoot;
        Path targetRoot;
        try (LocalCluster source = LocalCluster.start("dr-fig", 1, List.of("--quota-backend-bytes", "0"))) {
            sourceRoot = source.root;
            RaftKvClient client = source.client();
            long loadMs = load(client, count);
            NodeProcess n = source.node(1);
            Path file = source.root.resolve("backup.snap");
            long t1 = System.nanoTime();
            SnapshotInfo info = client.blocking()
                    .downloadSnapshot(new Endpoint("127.0.0.1", n.clientPort), file, Duration.ofMinutes(30));
            long backupMs = ms(t1);
            long t2 = System.nanoTime();
            SnapshotRestore.SnapshotFileInfo status = SnapshotRestore.inspect(file, source.root.resolve("scratch"));
            long statusMs = ms(t2);
            Path restored = source.root.resolve("restored");
            long t3 = System.nanoTime();
            SnapshotRestore.Restored r = SnapshotRestore.restore(file, restored, 2);
            long restoreMs = ms(t3);
            assertThat(r.sourceHash()).isEqualTo(status.stateHash());
            source.close();
            deleteRecursively(n.dataDir()); // room on the disk for the restored copy
            long t4 = System.nanoTime();
            try (LocalCluster target =
                    LocalCluster.startPrepared("dr-fig-restored", 2, List.of("--quota-backend-bytes", "0"), dir -> {
                        Files.createDirectories(dir.getParent());
                        Files.move(restored, dir);
                    })) {
                targetRoot = target.root;
                long firstLeaderMs = ms(t4);
                StatusResponse s = target.client()
                        .blocking()
                        .status(
                                new Endpoint("127.0.0.1", target.node(2).clientPort),
                                StatusRequest.getDefaultInstance());
                assertThat(s.getAppliedIndex())
                        .isGreaterThanOrEqualTo(info.metadata().getIndex());
                assertSample(target.client().blocking(), count);
                System.out.printf(
                        "DR figures: %d MiB of values (%d keys) loaded in %d ms; backup %d bytes in %d ms"
                                + " (%.0f MiB/s); snapshot status %d ms; restore %d ms; restored member leads %d ms after"
                                + " starting%n",
                        mib,
                        count,
                        loadMs,
                        info.bytes(),
                        backupMs,
                        info.bytes() / 1048576.0 / (backupMs / 1000.0),
                        statusMs,
                        restoreMs,
                        firstLeaderMs);
            }
        }
        deleteRecursively(sourceRoot);
        deleteRecursively(targetRoot);
    }

    @Test
    void memberReplacementAndQuorumLoss() throws Exception {
        int mib = mib();
        int count = mib * 4;
        // Snapshots every quarter of the data set, so the log a fresh member would need is gone:
        // it must be caught up by an installed snapshot, as after any long-running cluster.
        int threshold = Math.max(32, count / 4);
        List<String> args = List.of(
                "--quota-backend-bytes",
                "0",
                "--snapshot-threshold-entries",
                String.valueOf(threshold),
                "--snapshot-retain-entries",
                String.valueOf(threshold / 16));
        Path root;
        try (LocalCluster c = LocalCluster.start("dr-fig-3", 3, args)) {
            root = c.root;
            long loadMs = load(c.client(), count);

            // (a) a follower's data directory is lost: remove it, add a fresh member, under writes.
            NodeProcess leader = c.awaitLeader();
            NodeProcess lost = c.running().stream()
                    .filter(n -> n != leader && n.id != 1)
                    .findFirst()
                    .orElseThrow();
            List<NodeProcess> staying =
                    c.running().stream().filter(n -> n != lost).toList();
            DisasterRecoveryTest.Writer writer =
                    new DisasterRecoveryTest.Writer(c.client(staying).blocking(), "s");
            writer.start();
            await("writes flowing").atMost(LocalCluster.WAIT).until(() -> writer.acknowledged.size() > 50);
            long t0 = System.nanoTime();
            lost.kill();
            deleteRecursively(lost.dataDir());
            c.forget(lost.id);
            BlockingRaftKvClient admin = c.client().blocking();
            admin.removeMember(lost.id);
            long removedMs = ms(t0);
            Added replacement = addFresh(c, admin, 4, t0);
            long duringReplacement = writer.acknowledged.size();
            Map<String, Long> acknowledged = writer.stopAndGet();

            // (b) two of three data directories are lost: rebuild from the survivor, grow back.
            NodeProcess survivor = c.node(1);
            long commit = c.status(c.awaitLeader()).orElseThrow().getAppliedIndex();
            c.awaitApplied(survivor, commit);
            for (NodeProcess n : c.nodes()) {
                n.kill();
            }
            for (NodeProcess n : c.nodes()) {
                if (n != survivor) {
                    deleteRecursively(n.dataDir());
                    c.forget(n.id);
                }
            }
            long t1 = System.nanoTime();
            survivor.start(List.of("--force-new-cluster", "1"));
            BlockingRaftKvClient kv = c.client().blocking();
            await("the survivor serving writes")
                    .atMost(LONG)
                    .pollInterval(Duration.ofMillis(100))
                    .ignoreException(RaftKvException.class)
                    .until(() -> kv.put("after-force-new-cluster", "v") != null);
            long servingMs = ms(t1);
            assertThat(c.status(survivor).orElseThrow().getRole()).isEqualTo(Role.LEADER);
            Added second = addFresh(c, kv, 5, t1);
            Added third = addFresh(c, kv, 6, t1);

            assertPresent(c, acknowledged);
            assertSample(kv, count);
            long hashMs = assertReplicasAgree(c);
            System.out.printf(
                    "DR recovery figures: %d MiB of values (%d keys) on 3 members loaded in %d ms;"
                            + " member replacement: removed %d ms, fresh member caught up (snapshot) %d ms,"
                            + " voter %d ms after the loss (%d writes acknowledged meanwhile);"
                            + " quorum loss: survivor serving %d ms after its --force-new-cluster start,"
                            + " second member caught up %d ms / voter %d ms, third caught up %d ms / voter %d ms;"
                            + " %d acknowledged small writes and %d large values read back; equal state hashes (%d ms)%n",
                    mib,
                    count,
                    loadMs,
                    removedMs,
                    replacement.caughtUpMs,
                    replacement.voterMs,
                    duringReplacement,
                    servingMs,
                    second.caughtUpMs,
                    second.voterMs,
                    third.caughtUpMs,
                    third.voterMs,
                    acknowledged.size(),
                    sampleSize(count),
                    hashMs);
        }
        deleteRecursively(root);
    }

    /** When a fresh member had applied what the cluster had applied when it was added, and was a voter. */
    private record Added(long caughtUpMs, long voterMs) {}

    /**
     * Starts an empty member {@code id}, adds it as a learner, waits until it has applied the index
     * member 1 had applied when it was added (the leader's log no longer reaches back to index 1, so
     * only a snapshot can bring it there), promotes it and waits until it is a voter; times from
     * {@code since}.
     */
    private static Added addFresh(LocalCluster c, BlockingRaftKvClient kv, long id, long since) throws IOException {
        NodeProcess j = c.startJoiner(id);
        kv.addLearner(AddLearnerRequest.newBuilder()
                .setId(id)
                .setPeerAddress(j.peerAddress())
                .setClientAddress(j.clientAddress())
                .build());
        StatusResponse first = c.status(c.node(1)).orElseThrow();
        assertThat(first.getFirstIndex())
                .as("member 1's log was compacted: member " + id + " needs a snapshot")
                .isGreaterThan(1);
        long applied = first.getAppliedIndex();
        await(j + " caught up to " + applied)
                .atMost(LONG)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> c.status(j).map(StatusResponse::getAppliedIndex).orElse(0L), i -> i >= applied);
        long caughtUp = ms(since);
        assertThat(c.status(j).orElseThrow().getSnapshotIndex())
                .as("member " + id + " installed a snapshot")
                .isPositive();
        await("promote " + id)
                .atMost(LONG)
                .ignoreException(RaftKvException.class)
                .until(() -> kv.promoteMember(id) != null);
        await(id + " a voter")
                .atMost(LONG)
                .ignoreExceptions()
                .until(() -> c.status(c.node(1)).orElseThrow().getMembersList().stream()
                        .anyMatch(m -> m.getId() == id && m.getRole() == MemberRole.VOTER));
        return new Added(caughtUp, ms(since));
    }

    /** Waits until every running member reports the same state hash at the same index; its time. */
    private static long assertReplicasAgree(LocalCluster c) {
        long t = System.nanoTime();
        await("equal state hashes at equal applied indexes")
                .atMost(LONG)
                .pollInterval(Duration.ofSeconds(1))
                .ignoreExceptions()
                .untilAsserted(() -> {
                    List<StatusResponse> all = c.running().stream()
                            .map(n -> DisasterRecoveryTest.hashed(c, n))
                            .toList();
                    assertThat(all).hasSize(3);
                    assertThat(all.stream()
                                    .map(StatusResponse::getStateHashIndex)
                                    .distinct())
                            .hasSize(1);
                    assertThat(all.stream().map(StatusResponse::getStateHash).distinct())
                            .hasSize(1);
                });
        return ms(t);
    }

    /** Puts {@code count} distinct 256 KiB values {@code fig/<i>}, 8 in flight; its time. */
    private static long load(RaftKvClient client, int count) throws Exception {
        long t0 = System.nanoTime();
        int window = 8;
        for (int i = 0; i < count; i += window) {
            List<Future<?>> batch = new ArrayList<>();
            for (int j = i; j < Math.min(count, i + window); j++) {
                batch.add(client.put(PutRequest.newBuilder()
                        .setKey(ByteString.copyFromUtf8("fig/" + j))
                        .setValue(value(j))
                        .build()));
            }
            Future.all(batch).toCompletionStage().toCompletableFuture().get(5, TimeUnit.MINUTES);
        }
        return ms(t0);
    }

    /** The value of {@code fig/<i>}: random bytes (incompressible) with {@code i} in the first four. */
    private static ByteString value(int i) {
        byte[] v = new byte[VALUE_BYTES];
        new Random(42).nextBytes(v);
        ByteBuffer.wrap(v).putInt(i);
        return ByteString.copyFrom(v);
    }

    private static int sampleSize(int count) {
        return Math.min(count, 64);
    }

    /** Reads back 64 of the large values (evenly spread, the last one included) byte for byte. */
    private static void assertSample(BlockingRaftKvClient kv, int count) {
        int n = sampleSize(count);
        for (int s = 0; s < n; s++) {
            int i = s == n - 1 ? count - 1 : (int) ((long) s * count / n);
            assertThat(kv.get("fig/" + i).getKv().getValue()).as("fig/" + i).isEqualTo(value(i));
        }
    }

    private static long ms(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }
}
