package io.raftkv.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real S3-protocol server for the backup tests: s3rver from npm, pinned by the lock file in this
 * module's resources ({@code io/raftkv/testkit/s3rver}), installed with {@code npm ci} into an
 * install directory once (kept between runs) and started on a free loopback port with one bucket,
 * over http or, given a PEM key and certificate, over https. Access key and secret are both
 * {@value #KEY}; it checks request signatures and Content-MD5. Used by cli's S3 tests and the
 * backup e2e; {@code node} (Node.js) and {@code npm} must be on the PATH ({@code .ci/run} installs
 * them).
 */
public final class S3rver implements AutoCloseable {
    /** Access key id and secret of s3rver's built-in account. */
    public static final String KEY = "S3RVER";
    /** {@link #KEY} as the environment variables the AWS SDK reads. */
    public static final Map<String, String> CREDENTIALS =
            Map.of("AWS_ACCESS_KEY_ID", KEY, "AWS_SECRET_ACCESS_KEY", KEY);

    private static final String LOCK_RESOURCES = "/io/raftkv/testkit/s3rver/";
    private static final Pattern LISTENING = Pattern.compile("S3rver listening on 127\\.0\\.0\\.1:(\\d+)");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration NPM_TIMEOUT = Duration.ofSeconds(300);

    private final ManagedProcess process;
    private final URI endpoint;
    private final Path dataDir;

    private S3rver(ManagedProcess process, URI endpoint, Path dataDir) {
        this.process = process;
        this.endpoint = endpoint;
        this.dataDir = dataDir;
    }

    /** s3rver over http on 127.0.0.1, one bucket; its log is {@code <dataDir>.log}. */
    public static S3rver start(Path installDir, Path dataDir, String bucket) {
        return start(installDir, dataDir, bucket, null, null);
    }

    /**
     * s3rver over https on 127.0.0.1 with the PEM private key and certificate (chain) given; the
     * endpoint is {@code https://127.0.0.1:<port>}, so the certificate needs the IP address
     * 127.0.0.1 among its subject alternative names for a client that verifies host names.
     */
    public static S3rver startTls(Path installDir, Path dataDir, String bucket, Path keyPem, Path certPem) {
        return start(installDir, dataDir, bucket, keyPem, certPem);
    }

    private static S3rver start(Path installDir, Path dataDir, String bucket, Path keyPem, Path certPem) {
        try {
            install(installDir);
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> command = new ArrayList<>(List.of(
                "node",
                installDir
                        .resolve("node_modules/s3rver/bin/s3rver.js")
                        .toAbsolutePath()
                        .toString(),
                "-d",
                dataDir.toAbsolutePath().toString(),
                "-a",
                "127.0.0.1",
                "-p",
                "0"));
        if (keyPem != null) {
            command.addAll(List.of(
                    "--key",
                    keyPem.toAbsolutePath().toString(),
                    "--cert",
                    certPem.toAbsolutePath().toString()));
        }
        command.addAll(List.of("--configure-bucket", bucket));
        Path log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
        ManagedProcess p = new ManagedProcess("s3rver", command, Map.of(), log, null);
        p.start();
        String scheme = keyPem != null ? "https" : "http";
        CompletableFuture<ProcessHandle> exit =
                ProcessHandle.of(p.pid()).map(ProcessHandle::onExit).orElse(CompletableFuture.completedFuture(null));
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        try {
            while (System.nanoTime() < deadline && p.isAlive()) {
                Matcher m = LISTENING.matcher(Files.readString(log, StandardCharsets.UTF_8));
                if (m.find()) {
                    return new S3rver(p, URI.create(scheme + "://127.0.0.1:" + m.group(1)), dataDir);
                }
                try {
                    exit.get(100, TimeUnit.MILLISECONDS); // a bounded poll of the log that ends at its exit
                } catch (TimeoutException | ExecutionException e) {
                    // still running: read the log again
                }
            }
        } catch (IOException e) {
            p.kill();
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.kill();
            throw new IllegalStateException("interrupted while s3rver starts", e);
        }
        p.kill();
        throw new IllegalStateException("s3rver did not start listening within " + START_TIMEOUT.toSeconds()
                + " s (log " + log + "):\n" + p.tail(40));
    }

    /** {@code http://127.0.0.1:<port>} or {@code https://127.0.0.1:<port>}. */
    public URI endpoint() {
        return endpoint;
    }

    /** The directory s3rver keeps its buckets and objects in. */
    public Path dataDir() {
        return dataDir;
    }

    /** s3rver's output (one line per request). */
    public Path log() {
        return process.log();
    }

    /** Copies the lock files out of the jar and runs {@code npm ci} unless s3rver is installed already. */
    private static void install(Path installDir) throws IOException {
        Files.createDirectories(installDir);
        for (String name : List.of("package.json", "package-lock.json")) {
            try (InputStream in = S3rver.class.getResourceAsStream(LOCK_RESOURCES + name)) {
                if (in == null) {
                    throw new IllegalStateException("missing resource " + LOCK_RESOURCES + name);
                }
                Files.copy(in, installDir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }
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
        boolean exited;
        try {
            exited = p.waitFor(NPM_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IllegalStateException("interrupted during npm ci of s3rver", e);
        }
        if (!exited) {
            p.destroyForcibly();
        }
        if (!exited || p.exitValue() != 0) {
            throw new IllegalStateException("npm ci of s3rver failed:\n" + Files.readString(log));
        }
    }

    /** SIGTERM, SIGKILL after 10 s. */
    @Override
    public void close() {
        process.terminate(Duration.ofSeconds(10));
    }
}
