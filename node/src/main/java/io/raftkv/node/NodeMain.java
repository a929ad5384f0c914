package io.raftkv.node;

import io.raftkv.node.driver.DriverOptions;
import io.raftkv.node.driver.MemberDirectory;
import io.raftkv.node.driver.NodeLogging;
import io.raftkv.node.driver.RaftDriver;
import io.raftkv.node.storage.NodeStorage;
import io.raftkv.node.storage.StorageCorruptedException;
import io.raftkv.node.storage.StorageOptions;
import io.raftkv.node.transport.HostPort;
import io.raftkv.node.transport.PeerTransport;
import io.raftkv.node.transport.PeerTransportOptions;
import io.raftkv.raft.ConfState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts one RaftKV node: reads the configuration, opens storage (refusing to start on corruption),
 * bootstraps a new cluster's initial voters, and wires the Raft driver, the peer transport and the
 * client-facing server. Nothing else lives here.
 *
 * <p>Exit codes: 0 after a clean stop, 2 for a configuration error, 3 for corrupt storage, 1 for
 * any other start-up failure. SIGTERM stops gracefully: a leader hands leadership away first.
 */
public final class NodeMain {
    private static final Logger LOG = LoggerFactory.getLogger(NodeMain.class);
    private static final long START_TIMEOUT_SECONDS = 30;
    private static final long STOP_TIMEOUT_SECONDS = 15;

    private final NodeConfig config;
    private Vertx vertx;
    private NodeStorage storage;
    private RaftDriver driver;
    private PeerTransport transport;
    private ExecutorService memberFileWriter;
    private int peerPort;

    NodeMain(NodeConfig config) {
        this.config = config;
    }

    public static void main(String[] args) {
        if (NodeConfig.wantsHelp(args)) {
            System.out.print(NodeConfig.help());
            return;
        }
        NodeConfig config;
        try {
            config = NodeConfig.load(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("raftkv-node: " + e.getMessage());
            System.err.println("Run with --help to see every setting.");
            System.exit(2);
            return;
        }
        NodeLogging.configure(config.id(), config.jsonLogs(), config.logLevel());
        NodeMain node = new NodeMain(config);
        try {
            node.start();
        } catch (StorageCorruptedException e) {
            LOG.error("refusing to start: {}", e.getMessage());
            node.stopQuietly();
            NodeLogging.shutdown();
            System.exit(3);
            return;
        } catch (Exception e) {
            LOG.error("start-up failed: {}", e.toString(), e);
            node.stopQuietly();
            NodeLogging.shutdown();
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("stop requested (SIGTERM)");
            node.stopQuietly();
            NodeLogging.shutdown();
        }, "raftkv-shutdown"));
    }

    void start() throws Exception {
        LOG.info("starting raftkv node: {}", config.describe());
        Files.createDirectories(config.dataDir());
        StorageOptions storageOptions = StorageOptions.defaults()
                .withSnapshotThresholdEntries(config.snapshotThresholdEntries())
                .withLogEntriesRetainedAfterSnapshot(config.snapshotRetainEntries());
        storage = NodeStorage.open(config.dataDir(), storageOptions);
        if (!config.join()) {
            ConfState voters = new ConfState(new HashSet<>(config.peers().keySet()), new HashSet<>());
            if (storage.raftLog().bootstrap(voters)) {
                LOG.info("bootstrapped a new cluster with voters {}", voters.voters());
            }
        }
        vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(false));
        memberFileWriter = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "raftkv-member-file");
            t.setDaemon(true);
            return t;
        });
        String advertisedClient = advertised(config.advertisedClientOrEmpty(), config.clientBind());
        String advertisedPeer = advertised(config.advertisedPeerOrEmpty(), config.peerBind());
        MemberDirectory members = new MemberDirectory(config.dataDir(), memberFileWriter).load();
        Map<Long, String> clients = config.peerClientAddresses();
        config.peers().forEach((id, peer) -> members.putStatic(id, peer, clients.getOrDefault(id, "")));
        members.putStatic(config.id(), config.peers().getOrDefault(config.id(), advertisedPeer), advertisedClient);

        DriverOptions driverOptions = DriverOptions.defaults()
                .withTiming(config.tickMs(), config.electionTicks(), config.heartbeatTicks())
                .withMaxInflightProposals(config.maxInflightProposals());
        driver = new RaftDriver(vertx, config.id(), storage, members, driverOptions);
        transport = new PeerTransport(vertx, driver.context(), config.id(), config.clusterId(), advertisedPeer,
                members, driver, driver.snapshotCoordinator(), driver.snapshotCoordinator(),
                PeerTransportOptions.DEFAULTS);
        driver.attach(transport);
        peerPort = await(transport.start(config.peerBind()));
        await(driver.start());
        startClientServer(advertisedClient);
        LOG.info("node {} of cluster {} running: peer port {} (advertised {}), client address {}",
                config.id(), config.clusterId(), peerPort, advertisedPeer, advertisedClient);
    }

    /**
     * The client-facing server (KV, Cluster, health, metrics) is written in
     * {@code io.raftkv.node.server}; it is started here against {@link RaftDriver} (a
     * {@code RaftNodeApi}) once it exists. Until then the node runs Raft only.
     */
    private void startClientServer(String advertisedClient) {
        LOG.warn("client server not wired yet: node serves peer traffic only (client address {} unused)",
                advertisedClient);
    }

    /** Stops gracefully and releases everything; safe to call twice or after a failed start. */
    void stopQuietly() {
        try {
            if (driver != null) {
                await(driver.stop(), STOP_TIMEOUT_SECONDS);
            } else if (transport != null) {
                await(transport.close(), STOP_TIMEOUT_SECONDS);
            }
        } catch (Exception e) {
            LOG.warn("stopping the driver failed: {}", e.toString());
        }
        if (vertx != null) {
            try {
                await(vertx.close(), STOP_TIMEOUT_SECONDS);
            } catch (Exception e) {
                LOG.warn("closing Vert.x failed: {}", e.toString());
            }
        }
        if (storage != null) {
            try {
                storage.close();
            } catch (RuntimeException e) {
                LOG.warn("closing storage failed: {}", e.toString());
            }
        }
        if (memberFileWriter != null) {
            memberFileWriter.shutdown();
        }
        driver = null;
        transport = null;
        vertx = null;
        storage = null;
        LOG.info("node {} stopped", config.id());
    }

    private static String advertised(String explicit, HostPort bind) throws UnknownHostException {
        if (!explicit.isEmpty()) {
            return HostPort.parse(explicit).toString();
        }
        String host = bind.host();
        if (host.equals("0.0.0.0") || host.equals("::")) {
            host = InetAddress.getLocalHost().getHostAddress();
        }
        return new HostPort(host, bind.port()).toString();
    }

    private static <T> T await(Future<T> f) throws Exception {
        return await(f, START_TIMEOUT_SECONDS);
    }

    private static <T> T await(Future<T> f, long seconds) throws Exception {
        try {
            return f.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof Exception ex) {
                throw ex;
            }
            throw e;
        }
    }
}
