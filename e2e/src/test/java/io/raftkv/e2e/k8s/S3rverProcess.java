package io.raftkv.e2e.k8s;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real S3-protocol server for the backup e2e: s3rver from npm, pinned by the lock file the cli
 * tests use ({@code cli/src/test/s3rver}), installed with {@code npm ci} into
 * {@code <build.dir>/s3rver} once and started on a free loopback port with one bucket. Access key
 * and secret are both {@value #KEY}; it checks request signatures and Content-MD5.
 */
final class S3rverProcess implements AutoCloseable {

    static final String KEY = "S3RVER";

    private final Process process;
    private final URI endpoint;
    private final Path dataDir;

    private S3rverProcess(Process process, URI endpoint, Path dataDir) {
        this.process = process;
        this.endpoint = endpoint;
        this.dataDir = dataDir;
    }

    /**
     * @param lockDir the directory of {@code package.json} and {@code package-lock.json}
     * @param installDir where {@code npm ci} installs (kept between runs)
     */
    static S3rverProcess start(Path lockDir, Path installDir, Path dataDir, String bucket) throws Exception {
        install(lockDir, installDir);
        Files.createDirectories(dataDir);
        Path log = dataDir.resolveSibling("s3rver.log");
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
                .directory(installDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        Pattern listening = Pattern.compile("S3rver listening on 127\\.0\\.0\\.1:(\\d+)");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            Matcher m = listening.matcher(Files.readString(log, StandardCharsets.UTF_8));
            if (m.find()) {
                return new S3rverProcess(p, URI.create("http://127.0.0.1:" + m.group(1)), dataDir);
            }
            if (!p.isAlive()) {
                break;
            }
            p.waitFor(100, TimeUnit.MILLISECONDS); // a bounded poll of the log, not a sleep-and-hope
        }
        p.destroyForcibly();
        throw new IllegalStateException("s3rver did not start listening within 60 s: " + Files.readString(log));
    }

    URI endpoint() {
        return endpoint;
    }

    /** The directory s3rver keeps the objects in. */
    Path dataDir() {
        return dataDir;
    }

    private static void install(Path lockDir, Path installDir) throws IOException, InterruptedException {
        Files.createDirectories(installDir);
        for (String name : List.of("package.json", "package-lock.json")) {
            Files.copy(lockDir.resolve(name), installDir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
        if (Files.isRegularFile(installDir.resolve("node_modules/s3rver/bin/s3rver.js"))) {
            return;
        }
        Path log = installDir.resolve("npm-ci.log");
        Process p = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund")
                .directory(installDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        boolean exited = p.waitFor(300, TimeUnit.SECONDS);
        if (!exited) {
            p.destroyForcibly();
        }
        if (!exited || p.exitValue() != 0) {
            throw new IllegalStateException("npm ci of s3rver failed:\n" + Files.readString(log));
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
