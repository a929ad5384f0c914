package io.raftkv.node.it;

import io.raftkv.node.NodeMain;
import io.raftkv.testkit.ClusterLayout;
import io.raftkv.testkit.ManagedProcess;
import io.raftkv.testkit.NodeJvm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One RaftKV node running in its own JVM ({@code java -cp <this test JVM's classpath>
 * io.raftkv.node.NodeMain ...}), with its output in {@code node.log} next to its data directory.
 * The JVM options are those of {@code scripts/run-local.sh} ({@link NodeJvm#DEFAULT_OPTIONS}), so
 * the tests exercise the same process the local cluster runs; the process is the test kit's
 * {@link ManagedProcess}.
 *
 * <p>Not thread-safe: one test thread drives it.
 */
final class NodeProcess {
    private static final Duration STOP_WAIT = Duration.ofSeconds(30);

    final long id;
    final int clientPort;
    final int peerPort;
    final Path dir;
    private final List<String> nodeArgs;
    private final ManagedProcess process;

    NodeProcess(long id, int clientPort, int peerPort, Path dir, List<String> nodeArgs) {
        this.id = id;
        this.clientPort = clientPort;
        this.peerPort = peerPort;
        this.dir = dir;
        this.nodeArgs = List.copyOf(nodeArgs);
        this.process = new ManagedProcess("node " + id, List.of(), Map.of(), dir.resolve("node.log"), null);
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

    /** Its addresses and data directory, as the test kit's cluster layout names them. */
    ClusterLayout.Member member() {
        return new ClusterLayout.Member(Math.toIntExact(id), clientPort, peerPort, dataDir());
    }

    Path logFile() {
        return process.log();
    }

    /** Starts the JVM (again, after a kill or stop: same id, same data). */
    void start() throws IOException {
        start(List.of());
    }

    /** As {@link #start()}, with {@code extraArgs} added for this start only. */
    void start(List<String> extraArgs) throws IOException {
        List<String> args = new ArrayList<>(member().ownArgs());
        args.addAll(nodeArgs);
        args.addAll(extraArgs);
        try {
            process.start(NodeJvm.fromClassPath(
                    NodeJvm.DEFAULT_OPTIONS,
                    dir.resolve("gc-" + (process.starts() + 1) + ".log"),
                    System.getProperty("java.class.path"),
                    NodeMain.class.getName(),
                    args));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL: no shutdown hook, no leadership hand-off, nothing flushed beyond what was synced. */
    void kill() throws InterruptedException {
        process.kill();
    }

    /** SIGTERM and wait for the graceful stop (a leader hands leadership away first); its exit code. */
    int stop() throws InterruptedException {
        if (process.starts() == 0) {
            return 0;
        }
        if (!process.terminate(STOP_WAIT)) {
            throw new IllegalStateException("node " + id + " did not stop within 30 s of SIGTERM");
        }
        return process.exitValue();
    }

    /** The last {@code lines} lines of the node's log, for failure messages. */
    String logTail(int lines) {
        return process.tail(lines);
    }

    @Override
    public String toString() {
        return "node " + id + " (client " + clientAddress() + ", peer " + peerAddress() + ")";
    }
}
