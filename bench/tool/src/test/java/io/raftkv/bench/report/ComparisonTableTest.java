package io.raftkv.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.bench.load.LatencySummary;
import io.raftkv.bench.load.LoadSpec;
import io.raftkv.bench.load.Measured;
import io.raftkv.bench.spi.ReadMode;
import io.raftkv.bench.suite.Scenario;
import io.raftkv.bench.suite.ScenarioResult;
import io.raftkv.bench.suite.SystemResults;
import io.raftkv.bench.workload.KeyOrder;
import io.raftkv.bench.workload.WorkloadSpec;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ComparisonTableTest {
    private static final Scenario PUT = new Scenario(
            "put-1c",
            "put, 1 client",
            new WorkloadSpec(100, ReadMode.LINEARIZABLE, 10, 8, 256, KeyOrder.RANDOM, 1),
            LoadSpec.closed(1, Duration.ZERO, Duration.ofSeconds(10)),
            1);
    private static final Scenario LEASE = new Scenario(
            "get-lease-1000c",
            "lease get",
            new WorkloadSpec(0, ReadMode.LEASE, 10, 8, 256, KeyOrder.RANDOM, 1),
            LoadSpec.closed(1000, Duration.ZERO, Duration.ofSeconds(10)),
            100);

    private static Measured measured(long ops, double p99) {
        return new Measured(
                10, ops, Map.of(), Map.of(), new LatencySummary(ops, 1, 1, 2, p99, p99, p99), 0, 0.25, Map.of());
    }

    private static SystemResults results(String system, ScenarioResult... rs) {
        return new SystemResults(
                system,
                system + " 1.0",
                system + " client",
                "2026-01-01T00:00:00Z",
                new JsonObject()
                        .put("cpus", 2)
                        .put("cpuModel", "test")
                        .put("memTotal", "1 kB")
                        .put("os", "Linux")
                        .put("java", "17"),
                8,
                List.of(rs));
    }

    @Test
    void ratiosCompareCandidateWithBaselineAndSkippedShowsDash() {
        SystemResults etcd = results(
                "etcd",
                ScenarioResult.of(PUT, measured(10_000, 2.0)),
                ScenarioResult.skipped(LEASE, "etcd has no LEASE read"));
        SystemResults raftkv = results(
                "raftkv",
                ScenarioResult.of(PUT, measured(25_000, 1.0)),
                ScenarioResult.of(LEASE, measured(90_000, 3.0)));
        ComparisonTable table = new ComparisonTable(etcd, raftkv);

        List<ComparisonTable.Row> rows = table.rows();
        assertThat(rows).extracting(ComparisonTable.Row::scenario).containsExactly("put-1c", "get-lease-1000c");
        assertThat(rows.get(0).throughputRatio()).isEqualTo(2.5);
        assertThat(rows.get(0).p99Ratio()).isEqualTo(0.5);
        assertThat(rows.get(1).throughputRatio()).isNull();

        String md = table.markdown();
        assertThat(md)
                .contains("| put, 1 client | 1,000 | 1.00 | 2.00 | 2,500 | 1.00 | 1.00 | 2.50× | 0.50× | 0 / 0 |");
        assertThat(md).contains("| lease get | — | — | — | 9,000 |");
    }

    @Test
    void aCandidateThatCompletedNothingHasNoLatencyRatio() {
        SystemResults etcd = results("etcd", ScenarioResult.of(PUT, measured(10_000, 2.0)));
        SystemResults raftkv = results("raftkv", ScenarioResult.of(PUT, measured(0, 0)));
        ComparisonTable.Row row = new ComparisonTable(etcd, raftkv).rows().get(0);
        assertThat(row.throughputRatio()).isZero();
        assertThat(row.p99Ratio()).isNull();
        assertThat(new ComparisonTable(etcd, raftkv).markdown()).contains("| 0 | — | — | 0.00× | — |");
    }

    @Test
    void resultsSurviveAJsonRoundTrip(@TempDir Path dir) {
        Measured m = new Measured(
                10,
                1234,
                Map.of("UNAVAILABLE", 3L),
                Map.of("DEADLINE_EXCEEDED", 1L),
                new LatencySummary(1234, 1.5, 1.2, 2.3, 4.5, 6.7, 8.9),
                0,
                0.5,
                Map.of("UNAVAILABLE", "no leader"));
        SystemResults r = results("etcd", ScenarioResult.of(PUT, m), ScenarioResult.skipped(LEASE, "no lease"));
        r.write(dir);
        assertThat(Files.isRegularFile(SystemResults.file(dir, "etcd"))).isTrue();

        SystemResults back = SystemResults.read(dir, "etcd").orElseThrow();
        assertThat(back.result("put-1c").orElseThrow().measured()).isEqualTo(m);
        assertThat(back.result("get-lease-1000c").orElseThrow().ran()).isFalse();
        assertThat(SystemResults.read(dir, "raftkv")).isEmpty();
    }

    @Test
    void cpuTableShowsServerCpuPerOperationAndClientShareAndSurvivesJson() {
        SystemResults etcd = results("etcd", ScenarioResult.of(PUT, measured(10_000, 2.0), 275.4, 180.2));
        SystemResults raftkv = results("raftkv", ScenarioResult.of(PUT, measured(25_000, 1.0)));
        SystemResults etcdBack = SystemResults.fromJson(etcd.toJson());

        String md = new ComparisonTable(etcdBack, raftkv).cpuMarkdown();

        assertThat(md).contains("| put, 1 client | 275 | — | 25 % | 25 % | 180 | — |");
    }

    @Test
    void roundsMergeIntoMediansWithTheirSpreadAndSteadiness(@TempDir Path dir) {
        List<SystemResults> rounds = List.of(
                results(
                        "raftkv",
                        ScenarioResult.of(
                                PUT,
                                measured(20_000, 3.0),
                                50.0,
                                100.0,
                                new io.raftkv.bench.cluster.ClusterMetrics.Window(0L, 10.0),
                                "1.5 1.0 0.5")),
                results(
                        "raftkv",
                        ScenarioResult.of(
                                PUT,
                                measured(30_000, 1.0),
                                40.0,
                                120.0,
                                new io.raftkv.bench.cluster.ClusterMetrics.Window(1L, 200.0),
                                "2.5 1.0 0.5")),
                results(
                        "raftkv",
                        ScenarioResult.of(
                                PUT,
                                measured(25_000, 2.0),
                                45.0,
                                110.0,
                                new io.raftkv.bench.cluster.ClusterMetrics.Window(0L, 5.0),
                                "3.5 1.0 0.5")));
        SystemResults merged =
                SystemResults.fromJson(SystemResults.merge(rounds).toJson());
        ScenarioResult put = merged.result("put-1c").orElseThrow();
        assertThat(put.throughput()).isEqualTo(2_500.0);
        assertThat(put.p99Ms()).isEqualTo(2.0);
        assertThat(put.throughputRange()).containsExactly(2_000.0, 3_000.0);
        assertThat(put.leaderChanges()).isEqualTo(1L);
        assertThat(put.slowestPersistMs()).isEqualTo(200.0);
        assertThat(put.serverCpuMicrosPerOp()).isEqualTo(45.0);
        assertThat(put.serverMaxRssMiB()).isEqualTo(120.0);

        ComparisonTable table =
                new ComparisonTable(results("etcd", ScenarioResult.of(PUT, measured(10_000, 2.0))), merged);
        assertThat(table.markdown()).contains("| 2,500 (2,000–3,000) | 1.00 | 2.00 (1.00–3.00) | 2.50× | 1.00× |");
        assertThat(table.steadinessMarkdown())
                .contains("| put, 1 client | — | — | 1 | ≤ 200 | 3 | ? / 1.5, 2.5, 3.5 |");
    }

    @Test
    void leaseRatioComparesLeaseWithLinearizableGets() {
        Scenario lin = new Scenario(
                "get-linearizable-1000c",
                "linearizable get",
                new WorkloadSpec(0, ReadMode.LINEARIZABLE, 10, 8, 256, KeyOrder.RANDOM, 1),
                LoadSpec.closed(1000, Duration.ZERO, Duration.ofSeconds(10)),
                100);
        SystemResults raftkv = results(
                "raftkv",
                ScenarioResult.of(lin, measured(60_000, 4.0)),
                ScenarioResult.of(LEASE, measured(90_000, 3.0)));
        assertThat(new ComparisonTable(null, raftkv).leaseRatio())
                .hasValueSatisfying(s -> assertThat(s)
                        .startsWith("raftkv LEASE get / linearizable get at 1000 clients: 1.50× throughput"));
    }

    @Test
    void chartsAreWrittenAsPng(@TempDir Path dir) throws Exception {
        SystemResults etcd = results("etcd", ScenarioResult.of(PUT, measured(10_000, 2.0)));
        List<Path> files = ComparisonChart.write(new ComparisonTable(etcd, null), dir, "test");
        for (Path f : files) {
            byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(f), 4);
            assertThat(head).containsExactly(0x89, 'P', 'N', 'G');
        }
    }
}
