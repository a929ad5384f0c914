package io.raftkv.node.driver;

import io.raftkv.node.NodeConfig;
import io.raftkv.node.net.HostPort;
import io.raftkv.node.security.PeerTls;
import io.raftkv.node.security.ReloadingTls;
import io.raftkv.node.security.TlsFiles;
import io.raftkv.node.storage.NodeStorage;
import io.raftkv.node.storage.StorageOptions;
import io.raftkv.node.transport.PeerTransport;
import io.raftkv.node.transport.PeerTransportOptions;
import io.raftkv.raft.ConfState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Real drivers, real RocksDB storage and real gRPC transports on loopback, in one JVM (each node
 * with its own Vert.x instance, so stopping one stops its threads). For driver tests that need
 * Raft, storage and network together but not the client server; the tests in {@code it/} run
 * separate processes.
 */
final class InProcessCluster implements AutoCloseable {
    static final long CLUSTER_ID = 7;

    /** One running node. */
    record Node(long id, Vertx vertx, NodeStorage storage, RaftDriver driver, PeerTransport transport) {}

    private final Path root;
    private final StorageOptions storageOptions;
    private final DriverOptions driverOptions;
    private final Map<Long, String> peerAddresses = new TreeMap<>();
    private final Map<Long, Node> running = new TreeMap<>();
    private final java.util.Set<Long> initialVoters = new java.util.TreeSet<>();
    private final ExecutorService fileWriter = Executors.newSingleThreadExecutor();

    /** Each node's certificate files when its peer port speaks mutual TLS; null: plaintext. */
    private java.util.function.LongFunction<TlsFiles> tlsFiles;
    /** Each running node's TLS material (re-read from its files every 200 ms). */
    private final Map<Long, ReloadingTls> tlsMaterial = new java.util.concurrent.ConcurrentHashMap<>();

    /** Node {@code id}'s TLS material, for tests that rotate certificates. */
    ReloadingTls tls(long id) {
        return tlsMaterial.get(id);
    }

    /** Nodes started from now on speak mutual TLS with the files {@code filesOfNode} gives. */
    InProcessCluster withTls(java.util.function.LongFunction<TlsFiles> filesOfNode) {
        this.tlsFiles = filesOfNode;
        return this;
    }

    InProcessCluster(Path root, StorageOptions storageOptions, DriverOptions driverOptions) {
        this.root = root;
        this.storageOptions = storageOptions;
        this.driverOptions = driverOptions;
    }

    /** Reserves loopback ports for {@code ids} and starts them as the initial voters. */
    InProcessCluster startVoters(long... ids) throws Exception {
        for (long id : ids) {
            peerAddresses.put(id, "127.0.0.1:" + freePort());
            initialVoters.add(id);
        }
        for (long id : ids) {
            start(id, false);
        }
        return this;
    }

    /** Starts (or restarts) node {@code id}; a joining node starts with no configuration. */
    Node start(long id, boolean join) throws Exception {
        peerAddresses.computeIfAbsent(id, k -> "127.0.0.1:" + freePort());
        Path dir = root.resolve("node-" + id);
        NodeStorage storage = NodeStorage.open(dir, storageOptions);
        if (!join) {
            storage.raftLog().bootstrap(new ConfState(new HashSet<>(initialVoters), new HashSet<>()));
        }
        Vertx vertx = Vertx.vertx();
        MemberDirectory members = new MemberDirectory(dir, fileWriter).load();
        peerAddresses.forEach((pid, addr) -> members.putStatic(pid, addr, "client-of-" + pid + ":1"));
        RaftDriver driver = new RaftDriver(vertx, id, storage, members, driverOptions);
        PeerTls tls = null;
        if (tlsFiles != null) {
            ReloadingTls material =
                    ReloadingTls.load(vertx, tlsFiles.apply(id)).watch(java.time.Duration.ofMillis(200));
            tlsMaterial.put(id, material);
            tls = new PeerTls(material, CLUSTER_ID, NodeConfig::clusterIdOf, PeerTls.Members.of(driver::status));
        }
        PeerTransport transport = new PeerTransport(
                vertx,
                driver.context(),
                id,
                CLUSTER_ID,
                peerAddresses.get(id),
                members,
                driver,
                driver.snapshotCoordinator(),
                driver.snapshotCoordinator(),
                PeerTransportOptions.DEFAULTS,
                tls);
        driver.attach(transport);
        await(transport.start(HostPort.parse(peerAddresses.get(id))));
        await(driver.start());
        Node n = new Node(id, vertx, storage, driver, transport);
        running.put(id, n);
        return n;
    }

    /** Stops node {@code id} without a leadership hand-off (like a crash, but flushing). */
    void stop(long id) throws Exception {
        Node n = running.remove(id);
        if (n == null) {
            return;
        }
        await(n.vertx.close());
        n.storage.close();
    }

    Node node(long id) {
        return running.get(id);
    }

    String peerAddress(long id) {
        return peerAddresses.computeIfAbsent(id, k -> "127.0.0.1:" + freePort());
    }

    Optional<Node> leader() {
        return running.values().stream()
                .filter(n -> n.driver.status().isLeader())
                .findFirst();
    }

    Iterable<Node> nodes() {
        return running.values();
    }

    static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws Exception {
        for (long id : new TreeMap<>(running).keySet()) {
            stop(id);
        }
        fileWriter.shutdownNow();
    }
}
