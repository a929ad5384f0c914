package io.raftkv.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EtcdMemberTest {
    @Test
    void aOneMemberClusterFromTheCommandLineAnswersHealth(@TempDir Path dir) throws Exception {
        int[] ports = FreePorts.allocate(2);
        List<String> cmd = EtcdMember.command(
                System.getProperty("raftkv.etcd.binary", "etcd"),
                0,
                dir.resolve("m0"),
                "http",
                ports[0],
                new int[] {ports[1]},
                "testkit");
        assertThat(cmd).containsSequence("--initial-cluster", "m0=http://127.0.0.1:" + ports[1]);
        ManagedProcess etcd = new ManagedProcess("etcd m0", cmd, Map.of(), dir.resolve("m0.log"), null);
        etcd.start();
        try {
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> health("127.0.0.1:" + ports[0]) == 0);
        } finally {
            etcd.kill();
        }
        assertThat(etcd.tail(200)).contains("etcd m0: start 1: ").contains("etcd m0: SIGKILL");
    }

    private static int health(String endpoint) throws Exception {
        Process p = new ProcessBuilder("etcdctl", "--endpoints=" + endpoint, "endpoint", "health")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
