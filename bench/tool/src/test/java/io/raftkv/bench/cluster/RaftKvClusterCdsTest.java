package io.raftkv.bench.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RaftKvClusterCdsTest {
    private static final List<String> OPTS = List.of("-Xmx192m");

    @Test
    void aFreshArchiveNextToTheJarIsMapped(@TempDir Path dir) throws Exception {
        Path jar = Files.writeString(dir.resolve("raftkv-node.jar"), "jar");
        Path jsa = Files.writeString(dir.resolve("raftkv-node.jsa"), "archive");
        Files.setLastModifiedTime(jar, FileTime.fromMillis(1_000_000));
        Files.setLastModifiedTime(jsa, FileTime.fromMillis(2_000_000));

        assertThat(RaftKvCluster.withCds(OPTS, jar)).containsExactly("-Xmx192m", "-XX:SharedArchiveFile=" + jsa);
    }

    @Test
    void aStaleOrMissingArchiveOrAnExplicitChoiceIsLeftAlone(@TempDir Path dir) throws Exception {
        Path jar = Files.writeString(dir.resolve("raftkv-node.jar"), "jar");
        assertThat(RaftKvCluster.withCds(OPTS, jar)).isEqualTo(OPTS);

        Path jsa = Files.writeString(dir.resolve("raftkv-node.jsa"), "archive");
        Files.setLastModifiedTime(jsa, FileTime.fromMillis(1_000_000));
        Files.setLastModifiedTime(jar, FileTime.fromMillis(2_000_000));
        assertThat(RaftKvCluster.withCds(OPTS, jar)).isEqualTo(OPTS);

        Files.setLastModifiedTime(jsa, FileTime.fromMillis(3_000_000));
        assertThat(RaftKvCluster.withCds(List.of("-Xshare:off"), jar)).containsExactly("-Xshare:off");
    }
}
