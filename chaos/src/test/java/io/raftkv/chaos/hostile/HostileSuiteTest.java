package io.raftkv.chaos.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.chaos.cluster.ClusterOptions;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The hostile-client suite against a real 3-node process cluster ({@link HostileRun}): the short
 * form in {@code make test} (3 s per attack, {@code -Dhostile.seconds}), {@code make hostile} with
 * 30 s per attack. Prints the table of docs/testing.md and asserts: the good client's history is
 * linearizable with 0 lost writes, no node restarted, every node's RSS stayed within
 * {@link HostileRun#RSS_BOUND_MIB}, and no election happened except under a peer-port attack.
 * With {@code -Dhostile.strict=true} (make hostile) the p99 bound ({@link HostileRun#P99_FACTOR}×
 * the quiet baseline) is asserted too; the short form asserts a loose one
 * ({@link HostileRun#LOOSE_P99_FACTOR}×, at least {@link HostileRun#LOOSE_P99_FLOOR_MS} ms).
 */
class HostileSuiteTest {
    @Test
    void everyAttackLeavesTheClusterServingTheWellBehavedClient() throws Exception {
        long seed = Long.getLong("hostile.seed", System.nanoTime() & 0xFFFFFFL);
        Duration each = Duration.ofSeconds(Long.getLong("hostile.seconds", 3));
        Path dir = Path.of(System.getProperty("chaos.dir", "target/chaos"))
                .toAbsolutePath()
                .resolve("hostile-" + System.currentTimeMillis());
        System.out.println("hostile: seed " + seed + ", " + each.toSeconds() + " s per attack, dir " + dir);
        HostileRun.Result r =
                HostileRun.run(ClusterOptions.nodeJarFromSystemProperty(), dir, seed, each, Attacks.all());
        System.out.println(r.table());
        assertThat(r.linearizable()).as("history linearizable").isTrue();
        assertThat(r.lostWrites()).as("lost writes").isZero();
        for (HostileRun.Row row : r.rows()) {
            assertThat(row.restarted()).as(row.attack() + ": a node restarted").isFalse();
            assertThat(row.peakRssMib())
                    .as(row.attack() + ": peak RSS (MiB)")
                    .allSatisfy(m -> assertThat(m).isLessThanOrEqualTo(HostileRun.RSS_BOUND_MIB));
            if (!row.peerTarget()) {
                assertThat(row.elections()).as(row.attack() + ": elections").isZero();
            }
            if (row == r.rows().get(0)) {
                continue;
            }
            if (Boolean.getBoolean("hostile.strict")) {
                assertThat(r.held(row))
                        .as(row.attack() + " within " + HostileRun.P99_FACTOR + "x the baseline p99")
                        .isTrue();
            } else {
                assertThat(r.withinLooseP99(row))
                        .as(row.attack() + ": p99 " + row.p99Ms() + " ms within " + HostileRun.LOOSE_P99_FACTOR
                                + "x the baseline (at least " + HostileRun.LOOSE_P99_FLOOR_MS + " ms)")
                        .isTrue();
            }
        }
    }
}
