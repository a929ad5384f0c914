package io.raftkv.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.raftkv.api.client.RaftKvClient;
import io.raftkv.api.v1.PutRequest;
import io.raftkv.testkit.RocksDbLibrary;
import io.raftkv.testkit.S3rver;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * The S3 backup figure ({@code make s3-figures}, {@code S3_MIB} MiB, default 1024): one real node
 * filled with 256 KiB random values, then {@code raftkvctl snapshot save s3://...} into s3rver run as
 * its own JVM with a heap far smaller than the backup ({@code -Xmx256m}), its peak resident memory
 * (VmHWM) sampled from /proc — a backup held whole in memory could not complete — then
 * {@code snapshot fetch} back (same heap) and {@code snapshot status} of the fetched file (state hash,
 * every checksum). Prints one {@code S3-FIGURES} line; the numbers go to docs/results.
 */
@EnabledIfSystemProperty(named = "raftkv.s3.figures.mib", matches = "[0-9]+")
class S3BackupFiguresTest {

    static final String CTL_HEAP = "-Xmx256m";

    @TempDir
    Path tmp;

    @Test
    void aLargeBackupStreamsToS3InBoundedMemory() throws Exception {
        int mib = Integer.getInteger("raftkv.s3.figures.mib");
        Path nodeJar = NodeJar.path();
        Path thinJar = Path.of("target/raftkvctl-thin.jar").toAbsolutePath();
        assertThat(thinJar).as("mvn -pl cli package first").isRegularFile();
        int client;
        int peer;
        try (ServerSocket a = new ServerSocket(0);
                ServerSocket b = new ServerSocket(0)) {
            client = a.getLocalPort();
            peer = b.getLocalPort();
        }
        String endpoint = "127.0.0.1:" + client;
        Process node = new ProcessBuilder(RocksDbLibrary.withLibraryPath(List.of(
                        java(),
                        "-Xms64m",
                        "-Xmx512m",
                        "-XX:+UseG1GC",
                        "--enable-native-access=ALL-UNNAMED",
                        "-jar",
                        nodeJar.toString(),
                        "--id",
                        "1",
                        "--cluster-id",
                        "s3fig",
                        "--client-addr",
                        endpoint,
                        "--peer-addr",
                        "127.0.0.1:" + peer,
                        "--peers",
                        "1=127.0.0.1:" + peer,
                        "--peer-client-addrs",
                        "1=" + endpoint,
                        "--data-dir",
                        tmp.resolve("data").toString())))
                .redirectErrorStream(true)
                .redirectOutput(tmp.resolve("node.log").toFile())
                .start();
        try (S3rver s3 = S3rver.start(S3BackupTest.INSTALL, tmp.resolve("s3rver"), "figures");
                RaftKvClient kv = RaftKvClient.builder()
                        .endpoints(endpoint)
                        .deadline(Duration.ofSeconds(60))
                        .build()) {
            await("node leads")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        try {
                            kv.blocking().put("ready", "1");
                            return true;
                        } catch (RuntimeException e) {
                            return false;
                        }
                    });
            long seed = System.nanoTime();
            System.out.println("S3BackupFiguresTest value seed " + seed);
            Random random = new Random(seed);
            int count = mib * 4;
            long t0 = System.nanoTime();
            for (int i = 0; i < count; i += 8) {
                List<Future<?>> batch = new ArrayList<>();
                for (int j = i; j < Math.min(count, i + 8); j++) {
                    byte[] value = new byte[256 * 1024];
                    random.nextBytes(value);
                    batch.add(kv.put(PutRequest.newBuilder()
                            .setKey(ByteString.copyFromUtf8("fig/" + j))
                            .setValue(ByteString.copyFrom(value))
                            .build()));
                }
                Future.all(batch).toCompletionStage().toCompletableFuture().get(5, TimeUnit.MINUTES);
            }
            long loadMs = (System.nanoTime() - t0) / 1_000_000;

            String url = "s3://figures/prod/large.snap";
            List<String> s3Args = List.of("--s3-endpoint", s3.endpoint().toString(), "--s3-path-style", "true");
            List<String> save = new ArrayList<>(List.of(
                    "--endpoints", endpoint, "-o", "json", "snapshot", "save", url, "--snapshot-timeout", "30m"));
            save.addAll(s3Args);
            Measured saved = ctl(thinJar, nodeJar, save);
            assertThat(saved.exit()).as(saved.output()).isZero();
            JsonObject json = lastJson(saved.output());
            long bytes = json.getLong("bytes");
            assertThat(bytes).isGreaterThan((long) mib * 1024 * 1024);

            List<String> fetch = new ArrayList<>(List.of(
                    "-o",
                    "json",
                    "snapshot",
                    "fetch",
                    url,
                    tmp.resolve("fetched.snap").toString(),
                    "--sha256",
                    json.getString("sha256")));
            fetch.addAll(s3Args);
            Measured fetched = ctl(thinJar, nodeJar, fetch);
            assertThat(fetched.exit()).as(fetched.output()).isZero();
            Measured status = ctl(
                    thinJar,
                    nodeJar,
                    List.of(
                            "-o",
                            "json",
                            "snapshot",
                            "status",
                            tmp.resolve("fetched.snap").toString()));
            assertThat(status.exit()).as(status.output()).isZero();
            assertThat(lastJson(status.output()).getLong("index")).isEqualTo(json.getLong("index"));
            double mibs = bytes / 1048576.0;
            System.out.printf(
                    "S3-FIGURES %d MiB of values (%d keys) loaded in %d ms; snapshot save to s3rver: %d bytes, %d"
                            + " parts, revision %d, in %d ms (%.1f MiB/s), raftkvctl %s peak RSS %d MiB; snapshot"
                            + " fetch (verified) in %d ms (%.1f MiB/s), peak RSS %d MiB; snapshot status %d ms%n",
                    mib,
                    count,
                    loadMs,
                    bytes,
                    json.getInteger("parts"),
                    json.getLong("revision"),
                    saved.millis(),
                    mibs / (saved.millis() / 1000.0),
                    CTL_HEAP,
                    saved.peakRssKib() / 1024,
                    fetched.millis(),
                    mibs / (fetched.millis() / 1000.0),
                    fetched.peakRssKib() / 1024,
                    status.millis());
            assertThat(saved.peakRssKib() * 1024)
                    .as("the backup was never held whole in memory")
                    .isLessThan(bytes);
        } finally {
            node.destroy();
            if (!node.waitFor(30, TimeUnit.SECONDS)) {
                node.destroyForcibly();
            }
        }
    }

    record Measured(int exit, String output, long millis, long peakRssKib) {}

    /** raftkvctl as its own JVM (the backup pod's command line), its peak RSS sampled every 50 ms. */
    private Measured ctl(Path thinJar, Path nodeJar, List<String> args) throws Exception {
        List<String> cmd =
                new ArrayList<>(List.of(java(), CTL_HEAP, "-cp", thinJar + ":" + nodeJar, "io.raftkv.cli.RaftKvCtl"));
        cmd.addAll(args);
        Path out = Files.createTempFile(tmp, "ctl", ".out");
        long start = System.nanoTime();
        ProcessBuilder builder = new ProcessBuilder(RocksDbLibrary.withLibraryPath(cmd))
                .redirectErrorStream(true)
                .redirectOutput(out.toFile());
        builder.environment().putAll(S3rver.CREDENTIALS);
        Process p = builder.start();
        Path statusFile = Path.of("/proc/" + p.pid() + "/status");
        long peak = 0;
        while (!p.waitFor(50, TimeUnit.MILLISECONDS)) {
            peak = Math.max(peak, vmHwmKib(statusFile));
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        return new Measured(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), millis, peak);
    }

    private static long vmHwmKib(Path status) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // the process just exited
        }
        return 0;
    }

    private static JsonObject lastJson(String output) {
        int start = output.indexOf('{');
        return new JsonObject(output.substring(start));
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
