package io.raftkv.chaos.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One node JVM ({@code java -jar raftkv-node.jar ...}) with its own directory: {@code data/} (the
 * node's RocksDB and member files) and {@code node.log} (stdout and stderr of every start, with a
 * marker line for each start, kill, pause and resume, so a log reads as the node's life).
 *
 * <p>Process control is driven by one harness thread at a time; the state fields are volatile so
 * that other threads (a transfer storm, status probes) see whether the node runs and is paused.
 * Killing a paused process works (SIGKILL needs no cooperation), and leaves it not paused.
 */
public final class NodeProcess {
    private static final long SIGNAL_WAIT_SECONDS = 10;
    private static final long KILL_WAIT_SECONDS = 30;

    private final int id;
    private final int clientPort;
    private final int peerPort;
    private final Path dir;
    private final List<String> command;
    private volatile Process process;
    private volatile boolean paused;
    private int starts;

    /**
     * @param command the full command line except nothing: java binary, JVM options, {@code -jar},
     *                the jar and every node flag (including {@code --data-dir} under {@code dir})
     */
    NodeProcess(int id, int clientPort, int peerPort, Path dir, List<String> command) {
        this.id = id;
        this.clientPort = clientPort;
        this.peerPort = peerPort;
        this.dir = dir;
        this.command = List.copyOf(command);
    }

    /** The command line of a node: java, JVM options, the jar, then {@code nodeArgs}. */
    static List<String> javaCommand(List<String> jvmOptions, Path jar, Path dir, List<String> nodeArgs) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-Xlog:gc:file=" + dir.resolve("gc.log") + ":uptime");
        cmd.add("-jar");
        cmd.add(jar.toString());
        cmd.addAll(nodeArgs);
        return cmd;
    }

    public int id() {
        return id;
    }

    public int clientPort() {
        return clientPort;
    }

    public int peerPort() {
        return peerPort;
    }

    public String clientAddress() {
        return "127.0.0.1:" + clientPort;
    }

    public String peerAddress() {
        return "127.0.0.1:" + peerPort;
    }

    public Path dir() {
        return dir;
    }

    public Path dataDir() {
        return dir.resolve("data");
    }

    public Path logFile() {
        return dir.resolve("node.log");
    }

    /** Starts the JVM; again after a kill, on the same data directory with the same flags. */
    void start() throws IOException {
        if (isRunning()) {
            throw new IllegalStateException("node " + id + " is already running");
        }
        Files.createDirectories(dir);
        starts++;
        mark("start " + starts + ": " + String.join(" ", command));
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
                .start();
        paused = false;
    }

    public boolean isRunning() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /** Running and not stopped by SIGSTOP: the node can answer. */
    public boolean isResponsive() {
        return isRunning() && !paused;
    }

    public boolean isPaused() {
        return paused;
    }

    /** The OS process id, while running. */
    public long pid() {
        Process p = process;
        if (p == null || !p.isAlive()) {
            throw new IllegalStateException("node " + id + " is not running");
        }
        return p.pid();
    }

    /** SIGKILL and wait until the process is gone: nothing is flushed beyond what the node synced. */
    void kill() {
        Process p = process;
        if (p == null || !p.isAlive()) {
            return;
        }
        mark("SIGKILL");
        p.destroyForcibly();
        try {
            if (!p.waitFor(KILL_WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException(
                        "node " + id + " (pid " + p.pid() + ") survived SIGKILL for " + KILL_WAIT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while killing node " + id, e);
        }
        paused = false;
    }

    /** SIGSTOP: the process freezes with its sockets open, as in a long GC pause or a stalled VM. */
    void pause() {
        signal("STOP");
        paused = true;
    }

    /** SIGCONT. */
    void resume() {
        if (!paused) {
            return;
        }
        signal("CONT");
        paused = false;
    }

    private void signal(String name) {
        long pid = pid();
        mark("SIG" + name);
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid))
                    .redirectErrorStream(true)
                    .start();
            if (!kill.waitFor(SIGNAL_WAIT_SECONDS, TimeUnit.SECONDS)) {
                kill.destroyForcibly();
                throw new IllegalStateException(
                        "kill -" + name + " " + pid + " did not return within " + SIGNAL_WAIT_SECONDS + " s");
            }
            if (kill.exitValue() != 0) {
                String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                throw new IllegalStateException("kill -" + name + " " + pid + " (node " + id
                        + ") failed with exit code " + kill.exitValue() + ": " + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kill -" + name + " for node " + id, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling node " + id, e);
        }
    }

    /** Appends a marker line to the node's log (harness events interleave with the node's output). */
    private void mark(String event) {
        try {
            Files.createDirectories(dir);
            Files.writeString(
                    logFile(),
                    "=== harness " + Instant.now() + " node " + id + ": " + event + "\n",
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + logFile(), e);
        }
    }

    /** The last {@code lines} lines of the node's log, for failure messages. */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(logFile(), StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public String toString() {
        return "node " + id + " (client " + clientAddress() + ", peer " + peerAddress() + ")";
    }
}
