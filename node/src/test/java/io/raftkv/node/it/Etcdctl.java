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

    /** An etcdctl that runs until stopped (a watch, an elect), its output going to files. */
    static final class Background implements AutoCloseable {
        private final Process process;
        private final Path out;
        private final Path err;

        private Background(Process process, Path out, Path err) {
            this.process = process;
            this.out = out;
            this.err = err;
        }

        /** What it has printed so far. */
        String out() {
            try {
                return Files.readString(out, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        String err() {
            try {
                return Files.readString(err, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Kills it and returns everything it printed. */
        @Override
        public void close() {
            process.destroyForcibly();
            try {
                process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Starts etcdctl with {@code args} in the background, output under {@code dir}. */
    static Background start(List<String> endpoints, List<String> args, Path dir, String name) {
        try {
            Path out = dir.resolve(name + ".out");
            Path err = dir.resolve(name + ".err");
            ProcessBuilder pb = new ProcessBuilder(command(endpoints, args))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            pb.environment().put("ETCDCTL_API", "3");
            Process p = pb.start();
            return new Background(p, out, err);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> command(List<String> endpoints, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(
                ETCDCTL, "--endpoints=" + String.join(",", endpoints), "--command-timeout=10s", "--dial-timeout=5s"));
        cmd.addAll(args);
        return cmd;
    }

    static Result run(List<String> endpoints, List<String> args, String stdinOrNull) {
        List<String> cmd = command(endpoints, args);
        try {
            Path err = Files.createTempFile("etcdctl", ".err");
            Path out = Files.createTempFile("etcdctl", ".out");
            try {
                // Both streams go to files, so the deadline below holds even for a command that never
                // ends (reading its stdout to the end would wait for it forever).
                ProcessBuilder pb =
                        new ProcessBuilder(cmd).redirectError(err.toFile()).redirectOutput(out.toFile());
                pb.environment().put("ETCDCTL_API", "3");
                Process p = pb.start();
                if (stdinOrNull != null) {
                    p.getOutputStream().write(stdinOrNull.getBytes(StandardCharsets.UTF_8));
                }
                p.getOutputStream().close();
                if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException("etcdctl " + args + " did not finish in " + TIMEOUT_SECONDS
                            + " s; its output so far: " + Files.readString(out, StandardCharsets.UTF_8)
                            + Files.readString(err, StandardCharsets.UTF_8));
                }
                return new Result(
                        p.exitValue(),
                        Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(err);
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
