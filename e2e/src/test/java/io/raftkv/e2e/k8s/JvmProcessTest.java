package io.raftkv.e2e.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The simulated kubelet's child processes: a container's environment, and how they end. */
class JvmProcessTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void aChildGetsExactlyItsEnvironmentAndPath(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("logs").resolve("env.log");
        JvmProcess p = JvmProcess.exec("env", List.of("/usr/bin/env"), Map.of("POD_NAME", "raftkv-0"), log);
        await().atMost(WAIT).until(() -> !p.alive());
        assertThat(p.exitCode()).isZero();
        assertThat(p.pid()).isPositive();
        List<String> lines = Files.readAllLines(log).stream()
                .filter(l -> !l.startsWith("=== harness"))
                .toList();
        assertThat(lines).hasSize(2).contains("POD_NAME=raftkv-0").anyMatch(l -> l.startsWith("PATH="));
        assertThat(Files.readString(log)).contains("env: start 1: /usr/bin/env");
    }

    @Test
    void killIsSigkillAndReturnsOnceTheChildIsGone(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("sleep.log");
        JvmProcess p = JvmProcess.exec("sleeper", List.of("sleep", "600"), Map.of(), log);
        assertThat(p.alive()).isTrue();
        p.kill();
        assertThat(p.alive()).isFalse();
        assertThat(p.exitCode()).isEqualTo(128 + 9);
        assertThat(p.toString()).contains("exited 137");
        assertThat(Files.readString(log)).contains("sleeper: SIGKILL");
    }

    @Test
    void terminateIsSigtermAndReturnsOnceTheChildIsGone(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("sleep.log");
        JvmProcess p = JvmProcess.exec("sleeper", List.of("sleep", "600"), Map.of(), log);
        p.terminate(WAIT);
        assertThat(p.alive()).isFalse();
        assertThat(p.exitCode()).isEqualTo(128 + 15);
        assertThat(Files.readString(log)).contains("sleeper: SIGTERM").doesNotContain("SIGKILL");
    }
}
