package io.raftkv.bench.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One child process of a local cluster: started with its output in {@code <runDir>/<name>.log}
 * (appended across restarts) and its pid in {@code <runDir>/pids/<name>.pid} while it runs, so a
 * shell trap can kill it even if this JVM dies first ({@code scripts/bench/cleanup.sh}).
 */
final class ManagedProcess {
    private static final long STOP_GRACE_MILLIS = 5_000;

    private final String name;
    private final List<String> command;
    private final Map<String, String> environment;
    private final Path log;
    private final Path pidFile;
    private Process process;

    ManagedProcess(String name, List<String> command, Map<String, String> environment, Path runDir) {
        this.name = name;
        this.command = List.copyOf(command);
        this.environment = Map.copyOf(environment);
        this.log = runDir.resolve(name + ".log");
        this.pidFile = runDir.resolve("pids").resolve(name + ".pid");
    }

    String name() {
        return name;
    }

    Path log() {
        return log;
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    long pid() {
        if (process == null) {
            throw new IllegalStateException(name + " was never started");
        }
        return process.pid();
    }

    void start() {
        if (isAlive()) {
            throw new IllegalStateException(name + " is already running (pid " + process.pid() + ")");
        }
        try {
            Files.createDirectories(pidFile.getParent());
            Files.writeString(
                    log,
                    "\n=== start " + java.time.Instant.now() + ": " + String.join(" ", command) + "\n",
                    java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().putAll(environment);
            process = builder.redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            Files.writeString(pidFile, Long.toString(process.pid()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + String.join(" ", command), e);
        }
    }

    /** SIGKILL, as a crash; returns once the process is gone. */
    void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        awaitExit(STOP_GRACE_MILLIS);
        deletePidFile();
    }

    /** SIGTERM, then SIGKILL after a grace period. */
    void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!awaitExit(STOP_GRACE_MILLIS)) {
            process.destroyForcibly();
            awaitExit(STOP_GRACE_MILLIS);
        }
        deletePidFile();
    }

    private boolean awaitExit(long millis) {
        try {
            return process.waitFor(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void deletePidFile() {
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException e) {
            // Only a hint for the shell trap; a stale pid file of a dead process is harmless.
        }
    }

    /** The last {@code lines} lines of the log, for error messages. */
    String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
