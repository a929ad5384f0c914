package io.raftkv.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeConfigTest {
    private static final String PEERS = "1=127.0.0.1:9191,2=127.0.0.1:9193,3=[::1]:9195";

    @Test
    void flagsWinOverEnvironmentWhichWinsOverTheFileWhichWinsOverDefaults(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("node.properties");
        Files.writeString(file, "tick-ms=20\nelection-ticks=40\nheartbeat-ticks=4\n");
        NodeConfig c = NodeConfig.load(
                new String[] {"--id", "1", "--peers", PEERS, "--config", file.toString(), "--election-ticks=30"},
                Map.of("RAFTKV_TICK_MS", "25", "RAFTKV_DATA_DIR", "/data/x"));
        assertThat(c.electionTicks()).isEqualTo(30);
        assertThat(c.tickMs()).isEqualTo(25);
        assertThat(c.heartbeatTicks()).isEqualTo(4);
        assertThat(c.dataDir()).isEqualTo(Path.of("/data/x"));
        assertThat(c.peers()).containsEntry(3L, "[::1]:9195").hasSize(3);
        assertThat(c.clientBind().port()).isEqualTo(9090);
        assertThat(c.peerBind().port()).isEqualTo(9091);
        assertThat(c.join()).isFalse();
    }

    @Test
    void autoCompactionAndWatchBoundsAreFlags() {
        NodeConfig d = NodeConfig.load(new String[] {"--id", "1", "--peers", PEERS}, Map.of());
        assertThat(d.autoCompaction().enabled()).isFalse();
        assertThat(d.watchOptions()).isEqualTo(io.raftkv.node.watch.WatchOptions.defaults());
        NodeConfig c = NodeConfig.load(
                new String[] {
                    "--id",
                    "1",
                    "--peers",
                    PEERS,
                    "--auto-compaction-retention=1h30m",
                    "--watch-stream-buffer-bytes=1024"
                },
                Map.of("RAFTKV_AUTO_COMPACTION_MODE", "periodic", "RAFTKV_WATCH_PROGRESS_INTERVAL_MS", "500"));
        assertThat(c.autoCompaction().describe()).isEqualTo("periodic, keeping PT1H30M of history");
        assertThat(c.watchOptions().streamBufferBytes()).isEqualTo(1024);
        assertThat(c.watchOptions().progressIntervalMillis()).isEqualTo(500);
        assertThatThrownBy(() -> NodeConfig.load(
                        new String[] {"--id", "1", "--peers", PEERS, "--auto-compaction-mode", "revision"},
                        Map.of("RAFTKV_AUTO_COMPACTION_RETENTION", "1h")))
                .hasMessageContaining("--auto-compaction-mode/--auto-compaction-retention")
                .hasMessageContaining("whole number of revisions, got '1h'")
                .hasMessageContaining("environment RAFTKV_AUTO_COMPACTION_RETENTION");
        assertThatThrownBy(() -> NodeConfig.load(
                        new String[] {"--id", "1", "--peers", PEERS, "--watch-max-watchers-per-stream", "0"}, Map.of()))
                .hasMessageContaining("--watch-max-watchers-per-stream must be > 0");
    }

    @Test
    void clusterIdIsANumberOrAStableHashOfAName() {
        assertThat(NodeConfig.clusterIdOf("42")).isEqualTo(42);
        assertThat(NodeConfig.clusterIdOf("prod"))
                .isEqualTo(NodeConfig.clusterIdOf("prod"))
                .isPositive()
                .isNotEqualTo(NodeConfig.clusterIdOf("staging"));
        assertThatThrownBy(() -> NodeConfig.clusterIdOf("0")).hasMessageContaining("positive");
    }

    @Test
    void badInputIsRefusedWithTheSettingAndItsSource() {
        assertThatThrownBy(() -> NodeConfig.load(new String[] {"--peers", PEERS}, Map.of()))
                .hasMessageContaining("--id is required");
        assertThatThrownBy(() -> NodeConfig.load(new String[] {"--id", "4", "--peers", PEERS}, Map.of()))
                .hasMessageContaining("does not include this node's id 4");
        assertThatThrownBy(() -> NodeConfig.load(new String[] {"--id", "1", "--peers", "1=nohost"}, Map.of()))
                .hasMessageContaining("--peers")
                .hasMessageContaining("host:port");
        assertThatThrownBy(() ->
                        NodeConfig.load(new String[] {"--id", "1", "--peers", PEERS}, Map.of("RAFTKV_TICK_MS", "fast")))
                .hasMessageContaining("--tick-ms must be an integer")
                .hasMessageContaining("RAFTKV_TICK_MS");
        assertThatThrownBy(
                        () -> NodeConfig.load(new String[] {"--id", "1", "--peers", PEERS, "--bogus", "1"}, Map.of()))
                .hasMessageContaining("unknown setting 'bogus'");
        assertThatThrownBy(() -> NodeConfig.load(
                        new String[] {"--id", "1", "--peers", PEERS, "--heartbeat-ticks", "30"}, Map.of()))
                .hasMessageContaining("less than --election-ticks");
        assertThatThrownBy(() ->
                        NodeConfig.load(new String[] {"--id", "1", "--peers", PEERS, "--log-format", "xml"}, Map.of()))
                .hasMessageContaining("text or json");
    }

    @Test
    void aJoiningNodeNeedsNoInitialVotersAndHelpNamesEverySetting() {
        NodeConfig c = NodeConfig.load(new String[] {"--id", "9", "--join"}, Map.of());
        assertThat(c.join()).isTrue();
        String help = NodeConfig.help();
        for (Setting s : NodeConfig.SETTINGS) {
            assertThat(help).contains("--" + s.name()).contains(s.envVar());
        }
    }

    @Test
    void everySettingIsInExactlyOneGroupAndHelpListsThemOnceInTableOrder() {
        List<String> names = NodeConfig.SETTINGS.stream().map(Setting::name).toList();
        assertThat(names).doesNotHaveDuplicates().hasSize(new java.util.HashSet<>(names).size());
        String help = NodeConfig.help();
        int at = 0;
        for (Setting s : NodeConfig.SETTINGS) {
            String line = String.format("  --%-28s %s%n", s.name() + " <value>", s.help());
            int found = help.indexOf(line);
            assertThat(found)
                    .as("help line of --%s after the previous setting's", s.name())
                    .isGreaterThanOrEqualTo(at);
            assertThat(help.indexOf(line, found + 1))
                    .as("--%s listed once", s.name())
                    .isEqualTo(-1);
            at = found;
        }
    }

    @Test
    void serverLimitsAndStorageOptionsAreTheDefaultsWithTheFlagsApplied() {
        NodeConfig d = NodeConfig.load(new String[] {"--id", "1", "--peers", PEERS}, Map.of());
        assertThat(d.serverLimits().maxRequestBytes()).isEqualTo(4194304);
        assertThat(d.storageOptions().snapshotThresholdEntries()).isEqualTo(100_000);
        NodeConfig c = NodeConfig.load(
                new String[] {
                    "--id",
                    "1",
                    "--peers",
                    PEERS,
                    "--max-key-bytes",
                    "100",
                    "--max-connection-calls",
                    "7",
                    "--max-snapshot-download-seconds",
                    "9",
                    "--snapshot-retain-entries",
                    "0",
                    "--cluster-id",
                    "5"
                },
                Map.of());
        io.raftkv.node.server.ServerLimits limits = c.serverLimits();
        assertThat(limits)
                .isEqualTo(io.raftkv.node.server.ServerLimits.defaults()
                        .withSizes(100, c.maxValueBytes(), c.maxRequestBytes())
                        .withResponses(new io.raftkv.node.server.ResponseLimits(
                                c.maxConnectionResponseBytes(), c.maxNodeResponseBytes(), 7))
                        .withConnections(c.clientConnections())
                        .withMaxSnapshotDownload(java.time.Duration.ofSeconds(9)));
        assertThat(c.storageOptions())
                .isEqualTo(io.raftkv.node.storage.StorageOptions.defaults()
                        .withClusterId(5)
                        .withSnapshotThresholdEntries(100_000)
                        .withLogEntriesRetainedAfterSnapshot(0));
    }

    @Test
    void peerAndProbePortLimitsAreFlagsWithDefaults() {
        NodeConfig d = NodeConfig.load(new String[] {"--id", "1", "--peers", PEERS}, Map.of());
        assertThat(d.peerPort()).isEqualTo(io.raftkv.node.transport.PeerPortLimits.defaults());
        assertThat(d.probeConnections()).isEqualTo(io.raftkv.node.net.ListenerLimits.probeDefaults());
        assertThat(d.clientConnections()).isEqualTo(io.raftkv.node.net.ListenerLimits.clientDefaults());

        NodeConfig c = NodeConfig.load(
                new String[] {
                    "--id",
                    "1",
                    "--peers",
                    PEERS,
                    "--first-request-timeout-ms",
                    "1500",
                    "--max-peer-connections",
                    "8",
                    "--max-peer-streams-per-connection",
                    "12",
                    "--snapshot-stall-ms",
                    "700"
                },
                Map.of("RAFTKV_MAX_PROBE_CONNECTIONS", "5", "RAFTKV_SNAPSHOT_CHUNK_TIMEOUT_MS", "900"));
        assertThat(c.peerPort().connections().maxConnections()).isEqualTo(8);
        assertThat(c.peerPort().connections().firstRequestTimeout()).isEqualTo(java.time.Duration.ofMillis(1500));
        assertThat(c.peerPort().maxStreamsPerConnection()).isEqualTo(12);
        assertThat(c.peerPort().snapshotChunkDeadline()).isEqualTo(java.time.Duration.ofMillis(900));
        assertThat(c.peerPort().snapshotStall()).isEqualTo(java.time.Duration.ofMillis(700));
        assertThat(c.probeConnections().maxConnections()).isEqualTo(5);
        assertThat(c.clientConnections().firstRequestTimeout()).isEqualTo(java.time.Duration.ofMillis(1500));

        assertThatThrownBy(() -> NodeConfig.load(
                        new String[] {"--id", "1", "--peers", PEERS, "--max-peer-streams-per-connection", "2"},
                        Map.of()))
                .hasMessageContaining("--max-peer-streams-per-connection");
    }
}
