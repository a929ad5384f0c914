package io.raftkv.etcdcompat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * RaftKV node processes on loopback, started from the node's fat jar
 * ({@code node/target/raftkv-node.jar}, built by the reactor before this module), data under
 * {@code target/it-data}. {@link #close()} kills them.
 */
final class RaftKvProcesses implements AutoCloseable {
    private static final Path JAR = Path.of("../node/target/raftkv-node.jar");
    private final List<Process> nodes = new ArrayList<>();
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
        int[] ports = freePorts(2 * size);
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
                List<String> cmd = List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xms64m",
                        "-Xmx256m",
                        "-XX:+UseG1GC",
                        "-XX:MaxGCPauseMillis=20",
                        "--enable-native-access=ALL-UNNAMED",
                        "-jar",
                        JAR.toString(),
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
                c.nodes.add(new ProcessBuilder(cmd)
                        .redirectErrorStream(true)
                        .redirectOutput(root.resolve("node-" + i + ".log").toFile())
                        .start());
            }
        } catch (IOException | RuntimeException e) {
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
        for (int i = 1; i <= nodes.size(); i++) {
            try {
                List<String> lines = Files.readAllLines(root.resolve("node-" + i + ".log"));
                b.append("--- node ")
                        .append(i)
                        .append('\n')
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size())))
                        .append('\n');
            } catch (IOException e) {
                b.append("--- node ").append(i).append(": ").append(e).append('\n');
            }
        }
        return b.toString();
    }

    @Override
    public void close() {
        for (Process p : nodes) {
            p.destroyForcibly();
            try {
                p.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static int[] freePorts(int n) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                held.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
    }
}
