package io.raftkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;

/**
 * A real S3-protocol server for the tests: s3rver (npm, version pinned by the lock file in
 * {@code src/test/s3rver}), installed with {@code npm ci} into {@code target/s3rver} once per build
 * and started on a free loopback port with one bucket. Its access key is {@code S3RVER} /
 * {@code S3RVER}; it checks request signatures and Content-MD5.
 */
final class S3rver implements AutoCloseable {
    private static final Path SOURCE = Path.of("src/test/s3rver");
    private static final Path WORK = Path.of("target/s3rver");
    static final Map<String, String> CREDENTIALS =
            Map.of("AWS_ACCESS_KEY_ID", "S3RVER", "AWS_SECRET_ACCESS_KEY", "S3RVER");

    private final Process process;
    private final URI endpoint;

    private S3rver(Process process, URI endpoint) {
        this.process = process;
        this.endpoint = endpoint;
    }

    static S3rver start(Path dataDir, String bucket) throws Exception {
        install();
        Path log = Files.createTempFile("s3rver", ".log");
        Process p = new ProcessBuilder(
                        "node",
                        "node_modules/s3rver/bin/s3rver.js",
                        "-d",
                        dataDir.toAbsolutePath().toString(),
                        "-a",
                        "127.0.0.1",
                        "-p",
                        "0",
                        "--configure-bucket",
                        bucket)
                .directory(WORK.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        Pattern listening = Pattern.compile("S3rver listening on 127\\.0\\.0\\.1:(\\d+)");
        AtomicReference<String> port = new AtomicReference<>();
        try {
            Awaitility.await("s3rver listening (log " + log + ")")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        Matcher m = listening.matcher(Files.readString(log, StandardCharsets.UTF_8));
                        if (m.find()) {
                            port.set(m.group(1));
                        }
                        assertThat(p.isAlive())
                                .as("s3rver exited: %s", Files.readString(log))
                                .isTrue();
                        return port.get() != null;
                    });
        } catch (RuntimeException | AssertionError e) {
            p.destroyForcibly();
            throw e;
        }
        return new S3rver(p, URI.create("http://127.0.0.1:" + port.get()));
    }

    URI endpoint() {
        return endpoint;
    }

    private static void install() throws Exception {
        Files.createDirectories(WORK);
        for (String name : List.of("package.json", "package-lock.json")) {
            Files.copy(SOURCE.resolve(name), WORK.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
        if (Files.isRegularFile(WORK.resolve("node_modules/s3rver/bin/s3rver.js"))) {
            return;
        }
        Path log = Files.createTempFile("npm-ci", ".log");
        Process p = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund")
                .directory(WORK.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        boolean exited = p.waitFor(300, TimeUnit.SECONDS);
        if (!exited) {
            p.destroyForcibly();
        }
        assertThat(exited && p.exitValue() == 0)
                .as("npm ci of s3rver failed:\n%s", Files.readString(log))
                .isTrue();
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
