package io.raftkv.chaos.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.chaos.cluster.ClusterOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Entry points of {@code make backpressure} ({@link BackpressureBench}): one round per run
 * ({@code -Dbackpressure.round=N}, so the make target takes the machine's heavy-run lock per round),
 * then the report ({@code -Dbackpressure.report=true}). Not part of {@code make test}.
 */
class BackpressureBenchTest {
    private static Path dir() {
        return Path.of(System.getProperty("backpressure.dir", "target/backpressure"))
                .toAbsolutePath();
    }

    @Test
    @EnabledIfSystemProperty(named = "backpressure.round", matches = "[0-9]+")
    void round() throws Exception {
        int round = Integer.parseInt(System.getProperty("backpressure.round"));
        long seed = Long.getLong("backpressure.seed", 1_000L);
        Duration window = Duration.ofSeconds(Long.getLong("backpressure.seconds", 8));
        System.out.println("backpressure: round " + round + ", seed " + (seed + round) + ", " + window.toSeconds()
                + " s per window, dir " + dir());
        var cells = BackpressureBench.round(ClusterOptions.nodeJarFromSystemProperty(), dir(), seed, round, window);
        cells.forEach(c -> System.out.println("backpressure: " + c));
        assertThat(cells).hasSize(2 * (1 + BackpressureBench.SCENARIOS.size()));
    }

    @Test
    @EnabledIfSystemProperty(named = "backpressure.report", matches = "true")
    void report() throws Exception {
        String report = BackpressureBench.report(dir());
        Files.writeString(dir().resolve("report.md"), report);
        System.out.println(report);
    }
}
