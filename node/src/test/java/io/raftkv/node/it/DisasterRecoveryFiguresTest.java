package io.raftkv.node.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.api.client.Endpoint;
import io.raftkv.api.client.RaftKvClient;
import io.raftkv.api.client.SnapshotInfo;
import io.raftkv.api.v1.PutRequest;
import io.raftkv.api.v1.StatusRequest;
import io.raftkv.api.v1.StatusResponse;
import io.raftkv.node.storage.SnapshotRestore;
import io.vertx.core.Future;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The figures of docs/operations.md's disaster-recovery section, from real processes: a one-member
 * cluster filled with {@code -Draftkv.dr.mib} MiB (default 1024) of 256 KiB values, then a backup
 * (download into a file), {@code snapshot status}, a restore, and the restored member's first
 * leadership. Not a test of correctness (DisasterRecoveryTest is): run it with
 * {@code make dr-figures}.
 */
@Tag("dr-figures")
class DisasterRecoveryFiguresTest {
    @Test
    void oneGibBackupAndRestore() throws Exception {
        int mib = Integer.getInteger("raftkv.dr.mib", 1024);
        int valueBytes = 256 * 1024;
        int count = mib * 4;
        try (LocalCluster source = LocalCluster.start("dr-fig", 1, List.of())) {
            RaftKvClient client = source.client();
            byte[] value = new byte[valueBytes];
            new java.util.Random(42).nextBytes(value);
            long t0 = System.nanoTime();
            int window = 8;
            for (int i = 0; i < count; i += window) {
                List<Future<?>> batch = new ArrayList<>();
                for (int j = i; j < Math.min(count, i + window); j++) {
                    batch.add(client.put(PutRequest.newBuilder()
                            .setKey(com.google.protobuf.ByteString.copyFromUtf8("fig/" + j))
                            .setValue(com.google.protobuf.ByteString.copyFrom(value))
                            .build()));
                }
                Future.all(batch).toCompletionStage().toCompletableFuture().get(5, TimeUnit.MINUTES);
            }
            long loadMs = ms(t0);
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
            long t4 = System.nanoTime();
            try (LocalCluster target = LocalCluster.startPrepared("dr-fig-restored", 2, List.of(), dir -> {
                Files.createDirectories(dir.getParent());
                Files.move(restored, dir);
            })) {
                long firstLeaderMs = ms(t4);
                StatusResponse s = target.client()
                        .blocking()
                        .status(
                                new Endpoint("127.0.0.1", target.node(2).clientPort),
                                StatusRequest.getDefaultInstance());
                assertThat(s.getAppliedIndex())
                        .isGreaterThanOrEqualTo(info.metadata().getIndex());
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
    }

    private static long ms(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }
}
