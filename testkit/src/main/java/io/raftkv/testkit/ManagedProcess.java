package io.raftkv.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One child process of a local cluster (a node JVM, an etcd member): stdout and stderr appended to
 * one log across restarts, with a marker line for each start, kill, stop, pause and resume, so a log
 * reads as the process's life; optionally its pid in a file while it runs, so a shell trap can kill
 * it even if this JVM dies first ({@code scripts/bench/cleanup.sh}).
 *
 * <p>Driven by one harness thread at a time; the state is volatile so that other threads (status
 * probes, a transfer storm) see whether it runs and is paused. Killing a paused process works
 * (SIGKILL needs no cooperation) and leaves it not paused.
 */
public final class ManagedProcess {
    private static final Duration KILL_WAIT = Duration.ofSeconds(30);
    private static final long SIGNAL_WAIT_SECONDS = 10;

    private final String name;
    private final List<String> command;
    private final Map<String, String> environment;
    private final boolean inheritEnvironment;
    private final Path log;
    private final Path pidFile;
    private volatile Process process;
    private volatile boolean paused;
    private volatile int starts;

    /**
     * @param name        for markers and messages ("node 2", "etcd-1")
     * @param command     the command line {@link #start()} runs
     * @param environment added to this JVM's environment for the child
     * @param log         where stdout and stderr are appended
     * @param pidFile     where the pid is kept while it runs, or null for none
     */
    public ManagedProcess(String name, List<String> command, Map<String, String> environment, Path log, Path pidFile) {
        this(name, command, environment, true, log, pidFile);
    }

    /**
     * As above; with {@code inheritEnvironment} false the child gets {@code environment} and nothing
     * of this JVM's (a container's environment, as e2e's simulated kubelet gives it).
     */
    public ManagedProcess(
            String name,
            List<String> command,
            Map<String, String> environment,
            boolean inheritEnvironment,
            Path log,
            Path pidFile) {
        this.name = name;
        this.command = List.copyOf(command);
        this.environment = Map.copyOf(environment);
        this.inheritEnvironment = inheritEnvironment;
        this.log = log;
        this.pidFile = pidFile;
    }

    public String name() {
        return name;
    }

    public Path log() {
        return log;
    }

    /** How many times it was started. */
    public int starts() {
        return starts;
    }

    /** Starts the command given at construction (again after a kill or stop). */
    public void start() {
        start(command);
    }

    /** Starts {@code commandLine} instead of the constructor's (e.g. with flags for this start only). */
    public synchronized void start(List<String> commandLine) {
        if (isAlive()) {
            throw new IllegalStateException(name + " is already running (pid " + process.pid() + ")");
        }
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            starts++;
            mark("start " + starts + ": " + String.join(" ", commandLine));
            ProcessBuilder builder = new ProcessBuilder(commandLine);
            if (!inheritEnvironment) {
                builder.environment().clear();
            }
            builder.environment().putAll(environment);
            process = builder.redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            paused = false;
            if (pidFile != null) {
                Files.createDirectories(pidFile.toAbsolutePath().getParent());
                Files.writeString(pidFile, Long.toString(process.pid()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + String.join(" ", commandLine), e);
        }
    }

    public boolean isAlive() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /** Running and not stopped by SIGSTOP: it can answer. */
    public boolean isResponsive() {
        return isAlive() && !paused;
    }

    public boolean isPaused() {
        return paused;
    }

    /** The OS process id, while running. */
    public long pid() {
        Process p = process;
        if (p == null || !p.isAlive()) {
            throw new IllegalStateException(name + " is not running");
        }
        return p.pid();
    }

    /** SIGKILL, as a crash: nothing is flushed beyond what the process synced; returns once it is gone. */
    public void kill() {
        Process p = process;
        if (p == null || !p.isAlive()) {
            return;
        }
        mark("SIGKILL");
        p.destroyForcibly();
        if (!waitFor(p, KILL_WAIT)) {
            throw new IllegalStateException(
                    name + " (pid " + p.pid() + ") survived SIGKILL for " + KILL_WAIT.toSeconds() + " s");
        }
        paused = false;
        deletePidFile();
    }

    /**
     * SIGTERM (a paused process is resumed first, so it can act on it), and SIGKILL if it has not
     * exited within {@code grace}.
     *
     * @return whether it exited within {@code grace} (then {@link #exitValue()} is its own exit code)
     */
    public boolean terminate(Duration grace) {
        Process p = process;
        if (p == null || !p.isAlive()) {
            return true;
        }
        if (paused) {
            resume();
        }
        mark("SIGTERM");
        p.destroy();
        boolean exited = waitFor(p, grace);
        if (!exited) {
            mark("still running " + grace.toMillis() + " ms after SIGTERM: SIGKILL");
            p.destroyForcibly();
            waitFor(p, KILL_WAIT);
        }
        deletePidFile();
        return exited;
    }

    /** The OS process id of the last start (also after it exited); -1 before the first start. */
    public long lastPid() {
        Process p = process;
        return p == null ? -1 : p.pid();
    }

    /** The exit code of the last run, once it has exited. */
    public int exitValue() {
        Process p = process;
        if (p == null) {
            throw new IllegalStateException(name + " was never started");
        }
        return p.exitValue();
    }

    /** SIGSTOP: the process freezes with its sockets open, as in a long GC pause or a stalled VM. */
    public void pause() {
        signal("STOP");
        paused = true;
    }

    /** SIGCONT, when paused. */
    public void resume() {
        if (!paused) {
            return;
        }
        signal("CONT");
        paused = false;
    }

    private void signal(String signal) {
        long pid = pid();
        mark("SIG" + signal);
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                    .redirectErrorStream(true)
                    .start();
            if (!kill.waitFor(SIGNAL_WAIT_SECONDS, TimeUnit.SECONDS)) {
                kill.destroyForcibly();
                throw new IllegalStateException(
                        "kill -" + signal + " " + pid + " did not return within " + SIGNAL_WAIT_SECONDS + " s");
            }
            if (kill.exitValue() != 0) {
                String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                throw new IllegalStateException("kill -" + signal + " " + pid + " (" + name + ") failed with exit code "
                        + kill.exitValue() + ": " + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kill -" + signal + " for " + name, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling " + name, e);
        }
    }

    /** Appends a marker line to the log (harness events interleave with the process's output). */
    public void mark(String event) {
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            Files.writeString(
                    log,
                    "=== harness " + Instant.now() + " " + name + ": " + event + "\n",
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + log, e);
        }
    }

    /** The last {@code lines} lines of the log, for failure messages. */
    public String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static boolean waitFor(Process p, Duration d) {
        try {
            return p.waitFor(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void deletePidFile() {
        if (pidFile == null) {
            return;
        }
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException e) {
            // Only a hint for the shell trap; a stale pid file of a dead process is harmless.
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
