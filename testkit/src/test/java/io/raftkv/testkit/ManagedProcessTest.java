package io.raftkv.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManagedProcessTest {
    /** A process that says it started, and exits 3 on SIGTERM. */
    private static final List<String> TRAPPING = List.of(
            "/bin/sh", "-c", "trap 'echo got TERM; exit 3' TERM; echo up $GREETING; while :; do sleep 0.05; done");

    @Test
    void startsLogsMarksSignalsAndReportsTheExitCode(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("p.log");
        Path pid = dir.resolve("pids/p.pid");
        ManagedProcess p = new ManagedProcess("p", TRAPPING, Map.of("GREETING", "hello"), log, pid);
        p.start();
        assertThat(p.isAlive()).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(log).contains("up hello"));
        assertThat(Files.readString(pid)).isEqualTo(Long.toString(p.pid()));

        p.pause();
        assertThat(p.isPaused()).isTrue();
        assertThat(p.isResponsive()).isFalse();
        p.resume();
        assertThat(p.isResponsive()).isTrue();

        assertThat(p.terminate(Duration.ofSeconds(30))).isTrue();
        assertThat(p.exitValue()).isEqualTo(3);
        assertThat(pid).doesNotExist();
        assertThat(p.tail(20))
                .contains("p: start 1: /bin/sh")
                .contains("p: SIGSTOP")
                .contains("p: SIGCONT")
                .contains("p: SIGTERM")
                .contains("got TERM");

        p.start();
        assertThat(p.starts()).isEqualTo(2);
        p.pause();
        p.kill();
        assertThat(p.isAlive()).isFalse();
        assertThat(p.isPaused()).isFalse();
        assertThat(Files.readString(log)).contains("p: start 2: ").contains("p: SIGKILL");
    }

    @Test
    void withoutInheritingItsEnvironmentIsExactlyTheGivenOne(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("env.log");
        List<String> printEnv = List.of("/usr/bin/env");
        ManagedProcess own = new ManagedProcess("env", printEnv, Map.of("ONLY", "this"), false, log, null);
        own.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> !own.isAlive());
        assertThat(own.exitValue()).isZero();
        assertThat(own.lastPid()).isPositive();
        List<String> lines = Files.readAllLines(log).stream()
                .filter(l -> !l.startsWith("=== harness"))
                .toList();
        assertThat(lines).containsExactly("ONLY=this");

        Path inheritedLog = dir.resolve("inherited.log");
        ManagedProcess inherited = new ManagedProcess("env", printEnv, Map.of("ONLY", "this"), inheritedLog, null);
        inherited.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> !inherited.isAlive());
        assertThat(Files.readString(inheritedLog)).contains("ONLY=this").contains("PATH=");
    }

    @Test
    void freePortsAreDistinct() throws Exception {
        int[] ports = FreePorts.allocate(6);
        assertThat(ports).doesNotHaveDuplicates().hasSize(6);
        assertThat(java.util.Arrays.stream(ports).min().orElseThrow()).isPositive();
    }
}
