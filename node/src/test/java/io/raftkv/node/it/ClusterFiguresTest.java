package io.raftkv.node.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Prints the failover and throughput figures ({@link ClusterFigures}); off by default because it
 * runs for about a minute and a half. {@code make figures} turns it on. The assertions only check
 * that the measurements happened (every trial recovered, writes were acknowledged), never timings.
 * Settings: {@code -Draftkv.figures.trials=10}, {@code .concurrency=64}, {@code .seconds=10}.
 */
@ExtendWith(DumpLogsOnFailure.class)
@EnabledIfSystemProperty(named = "raftkv.figures", matches = "true")
class ClusterFiguresTest {

    @Test
    void failoverAndThroughputOfThreeNodes() throws Exception {
        int trials = Integer.getInteger("raftkv.figures.trials", 10);
        int concurrency = Integer.getInteger("raftkv.figures.concurrency", 64);
        int seconds = Integer.getInteger("raftkv.figures.seconds", 10);
        try (LocalCluster cluster = LocalCluster.start("figures", 3, List.of())) {
            ClusterFigures.Throughput t =
                    ClusterFigures.throughput(cluster, concurrency, Duration.ofSeconds(seconds), 100);
            String throughput = String.format(
                    Locale.ROOT,
                    "throughput, 3 nodes, %d concurrent writers, 100-byte"
                            + " values, %.1f s: %d puts acknowledged, %.0f ops/s, p50 %.1f ms, p99 %.1f ms, max %.1f ms,"
                            + " %d failed",
                    concurrency,
                    t.seconds(),
                    t.ops(),
                    t.opsPerSecond(),
                    t.p50Micros() / 1000.0,
                    t.p99Micros() / 1000.0,
                    t.maxMicros() / 1000.0,
                    t.errors());
            System.out.println(throughput);
            long[] failover = ClusterFigures.failoverMillis(cluster, trials);
            System.out.println(throughput);
            System.out.println(ClusterFigures.summarizeFailover(failover));
            assertThat(t.ops()).isPositive();
            assertThat(failover).hasSize(trials);
        }
    }
}
