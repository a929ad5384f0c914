package io.raftkv.etcdcompat;

import io.raftkv.testkit.FreePorts;
import io.raftkv.testkit.ManagedProcess;
import io.raftkv.testkit.NodeJvm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * RaftKV node processes on loopback, started from the node's fat jar
 * ({@code node/target/raftkv-node.jar}, built by the reactor before this module), data under
 * {@code target/it-data}, each a test kit {@link ManagedProcess}. {@link #close()} kills them.
 */
final class RaftKvProcesses implements AutoCloseable {
    private static final Path JAR = Path.of("../node/target/raftkv-node.jar");
    private static final List<String> JVM_OPTIONS = List.of(
            "-Xms64m", "-Xmx256m", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "--enable-native-access=ALL-UNNAMED");
    private final List<ManagedProcess> nodes = new ArrayList<>();
    private final List<String> clientAddresses = new ArrayList<>();
    final Path root;

    private static RaftKvProcesses shared;

    private RaftKvProcesses(Path root) {
        this.root = root;
    }

    /**
     * One three-node cluster for every test class of this JVM (started on first use, killed when the
     * JVM exits), so each class does not pay for three JVM starts and an election; classes keep to
     * their own key prefixes.
     */
    static synchronized RaftKvProcesses shared() throws IOException {
        if (shared == null) {
            RaftKvProcesses c = start("jetcd", 3);
            Runtime.getRuntime().addShutdownHook(new Thread(c::close, "raftkv-processes-stop"));
            shared = c;
        }
        return shared;
    }

    static RaftKvProcesses start(String name, int size) throws IOException {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR.toAbsolutePath() + " is missing: build the node module first");
        }
        Path root = Path.of("target", "it-data", name + "-" + System.currentTimeMillis())
                .toAbsolutePath();
        Files.createDirectories(root);
        RaftKvProcesses c = new RaftKvProcesses(root);
        int[] ports = FreePorts.allocate(2 * size);
        StringBuilder peers = new StringBuilder();
        StringBuilder clients = new StringBuilder();
        for (int i = 1; i <= size; i++) {
            peers.append(i == 1 ? "" : ",").append(i).append("=127.0.0.1:").append(ports[2 * i - 1]);
            clients.append(i == 1 ? "" : ",").append(i).append("=127.0.0.1:").append(ports[2 * i - 2]);
        }
        try {
            for (int i = 1; i <= size; i++) {
                String client = "127.0.0.1:" + ports[2 * i - 2];
                c.clientAddresses.add(client);
                List<String> args = List.of(
                        "--id",
                        Integer.toString(i),
                        "--client-addr",
                        client,
                        "--peer-addr",
                        "127.0.0.1:" + ports[2 * i - 1],
                        "--data-dir",
                        root.resolve("node-" + i).toString(),
                        "--cluster-id",
                        name,
                        "--peers",
                        peers.toString(),
                        "--peer-client-addrs",
                        clients.toString());
                ManagedProcess node = new ManagedProcess(
                        "node " + i,
                        NodeJvm.fromJar(JVM_OPTIONS, null, JAR, args),
                        Map.of(),
                        root.resolve("node-" + i + ".log"),
                        null);
                c.nodes.add(node);
                node.start();
            }
        } catch (UncheckedIOException e) {
            c.close();
            throw e.getCause();
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** {@code http://host:port} of every node's client port, as jetcd takes endpoints. */
    List<String> endpoints() {
        return clientAddresses.stream().map(a -> "http://" + a).toList();
    }

    /** The tail of every node's log, for a failure message. */
    String logs() {
        StringBuilder b = new StringBuilder();
        for (ManagedProcess n : nodes) {
            b.append("--- ").append(n.name()).append('\n').append(n.tail(30)).append('\n');
        }
        return b.toString();
    }

    @Override
    public void close() {
        for (ManagedProcess n : nodes) {
            n.kill();
        }
    }
}
