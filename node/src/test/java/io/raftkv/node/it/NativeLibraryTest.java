package io.raftkv.node.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.node.NodeMain;
import io.raftkv.testkit.ClusterLayout;
import io.raftkv.testkit.ManagedProcess;
import io.raftkv.testkit.NodeJvm;
import io.raftkv.testkit.Poll;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node JVM that the test kit starts loads RocksDB's JNI library from the kit's fixed directory
 * ({@code -Djava.library.path}), so when it is SIGKILLed it leaves no 15 MB copy of the library in
 * its temporary directory; the control run (no usable library path) shows that RocksJava's own
 * extraction does leave one. Each node gets its own {@code java.io.tmpdir}, so other JVMs on the
 * machine cannot disturb the count.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NativeLibraryTest {
    @TempDir
    Path tmp;

    @Test
    void aKilledNodeLeavesNoCopyOfTheRocksDbLibrary() throws Exception {
        Path kitTmp = startUntilHealthyThenKill("kit", List.of());
        assertThat(libraryCopies(kitTmp))
                .as("library copies in the node's java.io.tmpdir")
                .isEmpty();

        Path empty = Files.createDirectories(tmp.resolve("no-library"));
        Path controlTmp = startUntilHealthyThenKill("control", List.of("-Djava.library.path=" + empty));
        assertThat(libraryCopies(controlTmp))
                .as("RocksJava's own extraction, left behind by the SIGKILL")
                .hasSize(1);
    }

    /** Starts a one-node cluster with its own java.io.tmpdir, waits for /health, SIGKILLs it. */
    private Path startUntilHealthyThenKill(String name, List<String> extraJvmOptions) throws Exception {
        Path dir = tmp.resolve(name);
        Path nodeTmp = Files.createDirectories(dir.resolve("tmp"));
        ClusterLayout layout = ClusterLayout.onFreePorts("native-" + name, 1, id -> dir.resolve("data"));
        List<String> options = new ArrayList<>(NodeJvm.DEFAULT_OPTIONS);
        options.add("-Djava.io.tmpdir=" + nodeTmp);
        options.addAll(extraJvmOptions);
        List<String> command = NodeJvm.fromClassPath(
                options,
                null,
                System.getProperty("java.class.path"),
                NodeMain.class.getName(),
                layout.voterArgs(1, layout.direct()));
        ManagedProcess node = new ManagedProcess(name, command, Map.of(), dir.resolve("node.log"), null);
        node.start();
        try {
            HttpClient http = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(2))
                    .build();
            URI health = URI.create("http://" + layout.voter(1).clientAddress() + "/health");
            Poll.until("node " + name + " to answer /health", Duration.ofSeconds(60), Duration.ofMillis(200), () -> {
                assertThat(node.isAlive())
                        .as("node %s running:%n%s", name, node.tail(30))
                        .isTrue();
                return healthy(http, health) ? Optional.of(true) : Optional.empty();
            });
        } finally {
            node.kill();
        }
        return nodeTmp;
    }

    private static boolean healthy(HttpClient http, URI health) {
        try {
            HttpResponse<Void> r = http.send(
                    HttpRequest.newBuilder(health)
                            .timeout(Duration.ofSeconds(5))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static List<Path> libraryCopies(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().startsWith("librocksdbjni"))
                    .toList();
        }
    }
}
