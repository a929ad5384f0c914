package io.raftkv.bench.suite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class CpuNeighbourTest {
    @Test
    void neighboursRunUntilClosed() {
        CpuNeighbour n = CpuNeighbour.start(1, Duration.ofSeconds(60));
        java.util.List<ProcessHandle> loops = new java.util.ArrayList<>();
        try {
            assertThat(n.processes())
                    .hasSize(1)
                    .allSatisfy(p -> assertThat(p.isAlive()).isTrue());
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> n.processes().get(0).children().findAny().isPresent());
            n.processes().get(0).children().forEach(loops::add);
        } finally {
            n.close();
        }
        assertThat(n.processes()).allSatisfy(p -> assertThat(p.isAlive()).isFalse());
        // the busy loop under timeout ends too, not only timeout itself
        await().atMost(Duration.ofSeconds(10)).until(() -> loops.stream().noneMatch(ProcessHandle::isAlive));
    }

    @Test
    void aNeighbourEndsByItselfAfterItsMaximumLife() {
        try (CpuNeighbour n = CpuNeighbour.start(1, Duration.ofSeconds(1))) {
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !n.processes().get(0).isAlive());
        }
    }

    @Test
    void noneMeansNoProcess() {
        try (CpuNeighbour n = CpuNeighbour.start(0, Duration.ofSeconds(1))) {
            assertThat(n.processes()).isEmpty();
        }
    }
}
