package io.raftkv.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.bench.fake.ScriptedTarget;
import io.raftkv.bench.spi.ReadMode;
import io.raftkv.bench.workload.KeyOrder;
import io.raftkv.bench.workload.Workload;
import io.raftkv.bench.workload.WorkloadSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The load generator against {@link ScriptedTarget}. Assertions are on counts and bounds that hold
 * whatever the machine's speed (a loaded CI machine only makes the runs do less), never on timing.
 */
class LoadRunnerTest {
    private static final long SEED = 11;

    private static Workload workload(int putPercent, ReadMode mode) {
        return new Workload(new WorkloadSpec(putPercent, mode, 100, 8, 32, KeyOrder.RANDOM, SEED));
    }

    @Test
    void closedLoopNeverExceedsItsClientsAndCountsOnlyTheWindow() {
        try (ScriptedTarget target = ScriptedTarget.alwaysOk()) {
            List<Progress> progress = Collections.synchronizedList(new ArrayList<>());
            Measured m = new LoadRunner(
                            target,
                            workload(50, ReadMode.SERIALIZABLE),
                            LoadSpec.closed(8, Duration.ofMillis(200), Duration.ofMillis(1_200)),
                            progress::add)
                    .run();

            assertThat(target.peakInFlight()).isLessThanOrEqualTo(8);
            assertThat(m.successes()).isPositive().isLessThan(target.calls());
            assertThat(m.errors()).isEmpty();
            assertThat(m.unfinished()).isZero();
            assertThat(m.throughput()).isEqualTo(m.successes() / 1.2);
            assertThat(m.latency().count()).isEqualTo(m.successes());
            assertThat(progress)
                    .as("one progress report per second of a 1.4 s run")
                    .isNotEmpty();
        }
    }

    @Test
    void errorsAreCountedByCode() {
        // Every 10th call fails UNAVAILABLE, every 10th + 1 fails DEADLINE_EXCEEDED.
        try (ScriptedTarget target =
                new ScriptedTarget(n -> n % 10 == 0 ? "UNAVAILABLE" : n % 10 == 1 ? "DEADLINE_EXCEEDED" : null, true)) {
            Measured m = new LoadRunner(
                            target,
                            workload(100, ReadMode.LINEARIZABLE),
                            LoadSpec.closed(4, Duration.ZERO, Duration.ofMillis(500)),
                            p -> {})
                    .run();
            long total = m.successes() + m.errorCount();
            assertThat(m.errors()).containsOnlyKeys("UNAVAILABLE", "DEADLINE_EXCEEDED");
            // Calls in the window are a contiguous run of call numbers, so each code is ~1/10 of them.
            assertThat(m.errors().get("UNAVAILABLE")).isBetween(total / 10 - 5, total / 10 + 5);
            assertThat(target.puts()).isEqualTo(target.calls());
            assertThat(m.errorSamples().get("UNAVAILABLE")).contains("scripted failure of call");
        }
    }

    @Test
    void readOnlyWorkloadIssuesNoPuts() {
        try (ScriptedTarget target = ScriptedTarget.alwaysOk()) {
            new LoadRunner(
                            target,
                            workload(0, ReadMode.LEASE),
                            LoadSpec.closed(2, Duration.ZERO, Duration.ofMillis(200)),
                            p -> {})
                    .run();
            assertThat(target.calls()).isPositive();
            assertThat(target.puts()).isZero();
        }
    }

    @Test
    void openLoopIssuesAtMostTheRateAndBoundsWhatIsInFlight() throws Exception {
        try (ScriptedTarget target = ScriptedTarget.alwaysOk()) {
            target.hold();
            int maxInFlight = 20;
            LoadRunner runner = new LoadRunner(
                    target,
                    workload(100, ReadMode.LINEARIZABLE),
                    LoadSpec.open(200, maxInFlight, Duration.ZERO, Duration.ofMillis(500)),
                    p -> {},
                    Duration.ZERO);
            CompletableFuture<Measured> run = CompletableFuture.supplyAsync(runner::run);
            Measured m = run.get();
            target.releaseAll();

            // 200/s for 0.5 s = 100 due operations: 20 issued (then held), the other 80 refused.
            assertThat(target.calls()).isEqualTo(maxInFlight);
            assertThat(m.errors()).containsEntry(Measurement.CLIENT_BACKLOG, 80L);
            assertThat(m.unfinished()).isEqualTo(maxInFlight);
        }
    }

    @Test
    void unsupportedReadModeIsRejectedUpFront() {
        try (ScriptedTarget target = new ScriptedTarget(n -> null, false)) {
            assertThatThrownBy(() -> new LoadRunner(
                            target,
                            workload(0, ReadMode.LEASE),
                            LoadSpec.closed(1, Duration.ZERO, Duration.ofMillis(10)),
                            p -> {}))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("LEASE");
        }
    }

    @Test
    void loadSpecValidation() {
        assertThatThrownBy(() -> LoadSpec.closed(0, Duration.ZERO, Duration.ofSeconds(1)))
                .hasMessageContaining("clients");
        assertThatThrownBy(() -> LoadSpec.open(0, 10, Duration.ZERO, Duration.ofSeconds(1)))
                .hasMessageContaining("rate");
        assertThatThrownBy(() -> LoadSpec.closed(1, Duration.ZERO, Duration.ZERO))
                .hasMessageContaining("duration");
    }
}
