package io.raftkv.node.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs Debian's {@code etcdctl} (package {@code etcd-client}, 3.4, API v3) against a list of
 * endpoints, with an optional standard input, bounded by a timeout; stdout and stderr are kept
 * apart (etcdctl logs retries on stderr).
 */
final class Etcdctl {
    static final String ETCDCTL = System.getProperty("raftkv.etcdctl.binary", "etcdctl");
    private static final long TIMEOUT_SECONDS = 30;

    record Result(int exitCode, String out, String err) {}

    private Etcdctl() {}

    static Result run(List<String> endpoints, List<String> args, String stdinOrNull) {
        List<String> cmd = new ArrayList<>(List.of(
                ETCDCTL, "--endpoints=" + String.join(",", endpoints), "--command-timeout=10s", "--dial-timeout=5s"));
        cmd.addAll(args);
        try {
            Path err = Files.createTempFile("etcdctl", ".err");
            try {
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(err.toFile());
                pb.environment().put("ETCDCTL_API", "3");
                Process p = pb.start();
                if (stdinOrNull != null) {
                    p.getOutputStream().write(stdinOrNull.getBytes(StandardCharsets.UTF_8));
                }
                p.getOutputStream().close();
                byte[] out = p.getInputStream().readAllBytes();
                if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException("etcdctl " + args + " did not finish in " + TIMEOUT_SECONDS + " s");
                }
                return new Result(
                        p.exitValue(),
                        new String(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
