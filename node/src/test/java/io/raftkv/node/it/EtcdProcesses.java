package io.raftkv.node.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real etcd cluster (Debian's {@code etcd-server}, 3.4) of {@code size} members on loopback,
 * with etcd's default settings, for tests that compare RaftKV's etcd API with etcd's own. Data
 * under the build directory; {@link #close()} kills the members.
 */
final class EtcdProcesses implements AutoCloseable {
    static final String ETCD = System.getProperty("raftkv.etcd.binary", "etcd");

    private final List<Process> members = new ArrayList<>();
    private final List<String> clientAddresses = new ArrayList<>();
    final Path root;

    private EtcdProcesses(Path root) {
        this.root = root;
    }

    static EtcdProcesses start(String name, int size) throws IOException {
        Path root = LocalCluster.buildDir().resolve("it-data").resolve(name + "-etcd-" + System.currentTimeMillis());
        Files.createDirectories(root);
        EtcdProcesses c = new EtcdProcesses(root);
        int[] ports = LocalCluster.freePorts(2 * size);
        StringBuilder initial = new StringBuilder();
        for (int i = 0; i < size; i++) {
            initial.append(i == 0 ? "" : ",")
                    .append("m")
                    .append(i)
                    .append("=http://127.0.0.1:")
                    .append(ports[2 * i + 1]);
        }
        String token = name + "-" + System.nanoTime();
        try {
            for (int i = 0; i < size; i++) {
                String client = "http://127.0.0.1:" + ports[2 * i];
                String peer = "http://127.0.0.1:" + ports[2 * i + 1];
                c.clientAddresses.add("127.0.0.1:" + ports[2 * i]);
                List<String> cmd = List.of(
                        ETCD,
                        "--name",
                        "m" + i,
                        "--data-dir",
                        root.resolve("m" + i).toString(),
                        "--listen-client-urls",
                        client,
                        "--advertise-client-urls",
                        client,
                        "--listen-peer-urls",
                        peer,
                        "--initial-advertise-peer-urls",
                        peer,
                        "--initial-cluster",
                        initial.toString(),
                        "--initial-cluster-state",
                        "new",
                        "--initial-cluster-token",
                        token);
                c.members.add(new ProcessBuilder(cmd)
                        .redirectErrorStream(true)
                        .redirectOutput(root.resolve("m" + i + ".log").toFile())
                        .start());
            }
            await("etcd " + name + " healthy")
                    .atMost(LocalCluster.WAIT)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> Etcdctl.run(c.endpoints(), List.of("endpoint", "health"), null)
                                    .exitCode()
                            == 0);
        } catch (RuntimeException | IOException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** {@code host:port} of every member's client URL. */
    List<String> endpoints() {
        return List.copyOf(clientAddresses);
    }

    @Override
    public void close() {
        for (Process p : members) {
            p.destroyForcibly();
            try {
                p.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
