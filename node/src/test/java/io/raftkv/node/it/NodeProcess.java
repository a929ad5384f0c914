package io.raftkv.node.it;

import io.raftkv.node.NodeMain;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One RaftKV node running in its own JVM ({@code java -cp <this test JVM's classpath>
 * io.raftkv.node.NodeMain ...}), with its output in {@code node.log} next to its data directory.
 * The JVM options are those of {@code scripts/run-local.sh} (see {@link #JVM_OPTIONS}), so the tests
 * exercise the same process the local cluster runs.
 *
 * <p>Not thread-safe: one test thread drives it.
 */
final class NodeProcess {
    /**
     * Same as scripts/run-local.sh: a small heap and a GC pause goal well below the 300 ms minimum
     * election timeout (G1's default goal is 200 ms, which alone can depose a leader on a busy
     * machine), and a Metaspace start size that avoids the class-loading GCs of the first seconds.
     */
    static final List<String> JVM_OPTIONS = List.of(
            "-Xms128m",
            "-Xmx256m",
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-XX:MetaspaceSize=96m",
            "--enable-native-access=ALL-UNNAMED");

    final long id;
    final int clientPort;
    final int peerPort;
    final Path dir;
    private final List<String> nodeArgs;
    private Process process;
    private int starts;

    NodeProcess(long id, int clientPort, int peerPort, Path dir, List<String> nodeArgs) {
        this.id = id;
        this.clientPort = clientPort;
        this.peerPort = peerPort;
        this.dir = dir;
        this.nodeArgs = List.copyOf(nodeArgs);
    }

    String clientAddress() {
        return "127.0.0.1:" + clientPort;
    }

    String peerAddress() {
        return "127.0.0.1:" + peerPort;
    }

    Path dataDir() {
        return dir.resolve("data");
    }

    Path logFile() {
        return dir.resolve("node.log");
    }

    /** Starts the JVM (again, after a kill or stop: same id, same data). */
    void start() throws IOException {
        start(List.of());
    }

    /** As {@link #start()}, with {@code extraArgs} added for this start only. */
    void start(List<String> extraArgs) throws IOException {
        if (isAlive()) {
            throw new IllegalStateException("node " + id + " is already running");
        }
        Files.createDirectories(dir);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JVM_OPTIONS);
        cmd.add("-Xlog:gc:file=" + dir.resolve("gc-" + (starts + 1) + ".log") + ":uptime");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(NodeMain.class.getName());
        cmd.addAll(List.of(
                "--id",
                Long.toString(id),
                "--client-addr",
                clientAddress(),
                "--peer-addr",
                peerAddress(),
                "--data-dir",
                dataDir().toString()));
        cmd.addAll(nodeArgs);
        cmd.addAll(extraArgs);
        starts++;
        Files.writeString(
                logFile(),
                "=== start " + starts + ": " + String.join(" ", cmd) + "\n",
                StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
        process = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
                .start();
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL: no shutdown hook, no leadership hand-off, nothing flushed beyond what was synced. */
    void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("node " + id + " survived SIGKILL for 30 s");
            }
        }
    }

    /** SIGTERM and wait for the graceful stop (a leader hands leadership away first). */
    int stop() throws InterruptedException {
        if (process == null || !process.isAlive()) {
            return process == null ? 0 : process.exitValue();
        }
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            throw new IllegalStateException("node " + id + " did not stop within 30 s of SIGTERM");
        }
        return process.exitValue();
    }

    /** The last {@code lines} lines of the node's log, for failure messages. */
    String logTail(int lines) {
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
