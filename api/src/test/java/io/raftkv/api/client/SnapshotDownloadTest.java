package io.raftkv.api.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.raftkv.api.RaftKvException;
import io.raftkv.api.fake.FakeCluster;
import io.vertx.grpc.common.GrpcStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotDownloadTest {
    @TempDir
    Path dir;

    private FakeCluster cluster;
    private RaftKvClient client;

    @BeforeEach
    void start() throws Exception {
        cluster = FakeCluster.start(1);
        client = RaftKvClient.builder().endpoints(cluster.endpoints()).build();
        for (int i = 0; i < 20; i++) {
            client.blocking().put("key-" + i, "value-" + i);
        }
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        cluster.close();
    }

    @Test
    void downloadsVerifiesAndRenamesIntoPlace() throws Exception {
        Path file = dir.resolve("backup.bin");

        SnapshotInfo info = client.blocking().downloadSnapshot(null, file, Duration.ofSeconds(10));

        byte[] data = Files.readAllBytes(file);
        CRC32C crc = new CRC32C();
        crc.update(data);
        assertThat(data.length).isGreaterThan(16 * 3); // several chunks
        assertThat(info.bytes()).isEqualTo(data.length);
        assertThat(info.crc32c()).isEqualTo((int) crc.getValue());
        assertThat(info.metadata().getFormat()).isEqualTo("fake-dump/1");
        assertThat(info.metadata().getIndex()).isEqualTo(20);
        assertThat(dir.resolve("backup.bin.part")).doesNotExist();
    }

    @Test
    void corruptChunkFailsAndLeavesNoFileBehind() {
        cluster.node(1).corruptSnapshot(true);
        Path file = dir.resolve("backup.bin");

        assertThatThrownBy(() -> client.blocking().downloadSnapshot(null, file, Duration.ofSeconds(10)))
                .isInstanceOfSatisfying(RaftKvException.class, e -> {
                    assertThat(e.status()).isEqualTo(GrpcStatus.DATA_LOSS);
                    assertThat(e.getMessage()).contains("CRC-32C mismatch in chunk at offset 16");
                });
        await().atMost(Duration.ofSeconds(5)).until(() -> !Files.exists(dir.resolve("backup.bin.part")));
        assertThat(file).doesNotExist();
    }
}
