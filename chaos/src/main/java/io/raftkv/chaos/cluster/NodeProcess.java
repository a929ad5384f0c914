package io.raftkv.chaos.cluster;

import io.raftkv.testkit.ClusterLayout;
import io.raftkv.testkit.ManagedProcess;
import io.raftkv.testkit.NodeJvm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One node JVM ({@code java -jar raftkv-node.jar ...}) with its own directory: {@code data/} (the
 * node's RocksDB and member files) and {@code node.log} (stdout and stderr of every start, with a
 * marker line for each start, kill, pause and resume, so a log reads as the node's life). The
 * process itself is the test kit's {@link ManagedProcess}.
 *
 * <p>Process control is driven by one harness thread at a time; other threads (a transfer storm,
 * status probes) may ask whether the node runs and is paused. Killing a paused process works
 * (SIGKILL needs no cooperation), and leaves it not paused.
 */
public final class NodeProcess {
    private final int id;
    private final int clientPort;
    private final int peerPort;
    private final Path dir;
    private final ManagedProcess process;

    /**
     * @param command the full command line: java binary, JVM options, {@code -jar}, the jar and
     *                every node flag (including {@code --data-dir} under {@code dir})
     */
    NodeProcess(int id, int clientPort, int peerPort, Path dir, List<String> command) {
        this.id = id;
        this.clientPort = clientPort;
        this.peerPort = peerPort;
        this.dir = dir;
        this.process = new ManagedProcess("node " + id, command, Map.of(), dir.resolve("node.log"), null);
    }

    /** The command line of a node: java, JVM options, the jar, then {@code nodeArgs}. */
    static List<String> javaCommand(List<String> jvmOptions, Path jar, Path dir, List<String> nodeArgs) {
        return NodeJvm.fromJar(jvmOptions, dir.resolve("gc.log"), jar, nodeArgs);
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

    /** Its addresses and data directory, as the test kit's cluster layout names them. */
    public ClusterLayout.Member member() {
        return new ClusterLayout.Member(id, clientPort, peerPort, dataDir());
    }

    public Path logFile() {
        return process.log();
    }

    /** Starts the JVM; again after a kill, on the same data directory with the same flags. */
    void start() throws IOException {
        try {
            process.start();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    public boolean isRunning() {
        return process.isAlive();
    }

    /** Running and not stopped by SIGSTOP: the node can answer. */
    public boolean isResponsive() {
        return process.isResponsive();
    }

    public boolean isPaused() {
        return process.isPaused();
    }

    /** The OS process id, while running. */
    public long pid() {
        return process.pid();
    }

    /** SIGKILL and wait until the process is gone: nothing is flushed beyond what the node synced. */
    void kill() {
        process.kill();
    }

    /** SIGSTOP: the process freezes with its sockets open, as in a long GC pause or a stalled VM. */
    void pause() {
        process.pause();
    }

    /** SIGCONT. */
    void resume() {
        process.resume();
    }

    /** The last {@code lines} lines of the node's log, for failure messages. */
    public String logTail(int lines) {
        return process.tail(lines);
    }

    @Override
    public String toString() {
        return "node " + id + " (client " + clientAddress() + ", peer " + peerAddress() + ")";
    }
}
