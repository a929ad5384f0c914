package io.raftkv.node.it;

import static org.awaitility.Awaitility.await;

import io.raftkv.testkit.EtcdMember;
import io.raftkv.testkit.ManagedProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real etcd cluster (Debian's {@code etcd-server}, 3.4) of {@code size} members on loopback,
 * with etcd's default settings, for tests that compare RaftKV's etcd API with etcd's own. Data
 * under the build directory; {@link #close()} kills the members.
 */
final class EtcdProcesses implements AutoCloseable {
    static final String ETCD = System.getProperty("raftkv.etcd.binary", "etcd");

    private final List<ManagedProcess> members = new ArrayList<>();
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
        int[] peerPorts = new int[size];
        for (int i = 0; i < size; i++) {
            peerPorts[i] = ports[2 * i + 1];
        }
        String token = name + "-" + System.nanoTime();
        try {
            for (int i = 0; i < size; i++) {
                c.clientAddresses.add("127.0.0.1:" + ports[2 * i]);
                ManagedProcess member = new ManagedProcess(
                        "etcd m" + i,
                        EtcdMember.command(ETCD, i, root.resolve("m" + i), "http", ports[2 * i], peerPorts, token),
                        Map.of(),
                        root.resolve("m" + i + ".log"),
                        null);
                c.members.add(member);
                member.start();
            }
            await("etcd " + name + " healthy")
                    .atMost(LocalCluster.WAIT)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> Etcdctl.run(c.endpoints(), List.of("endpoint", "health"), null)
                                    .exitCode()
                            == 0);
        } catch (UncheckedIOException e) {
            c.close();
            throw e.getCause();
        } catch (RuntimeException e) {
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
        for (ManagedProcess m : members) {
            m.kill();
        }
    }
}
