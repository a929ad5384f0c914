package io.raftkv.node;

import io.micrometer.core.instrument.binder.jvm.DiskSpaceMetrics;
import io.raftkv.node.compaction.AutoCompactor;
import io.raftkv.node.corruption.CorruptionCheck;
import io.raftkv.node.driver.DriverOptions;
import io.raftkv.node.driver.MemberDirectory;
import io.raftkv.node.driver.NodeLogging;
import io.raftkv.node.driver.RaftDriver;
import io.raftkv.node.k8s.KubernetesNode;
import io.raftkv.node.k8s.MemberIdFile.CorruptMemberIdFileException;
import io.raftkv.node.metrics.BuildInfo;
import io.raftkv.node.metrics.DriverMetrics;
import io.raftkv.node.metrics.PeerMetrics;
import io.raftkv.node.metrics.PrometheusMetrics;
import io.raftkv.node.metrics.SnapshotMetrics;
import io.raftkv.node.metrics.StorageMetrics;
import io.raftkv.node.net.HostPort;
import io.raftkv.node.security.AuditLog;
import io.raftkv.node.security.AuthFiles;
import io.raftkv.node.security.ClientAuth;
import io.raftkv.node.security.ClientPortSecurity;
import io.raftkv.node.security.PeerTls;
import io.raftkv.node.security.ReloadingTls;
import io.raftkv.node.security.SecuritySettings;
import io.raftkv.node.server.ClientServer;
import io.raftkv.node.server.ProbeServer;
import io.raftkv.node.server.ServerLimits;
import io.raftkv.node.storage.NodeStorage;
import io.raftkv.node.storage.StorageCorruptedException;
import io.raftkv.node.storage.StorageOptions;
import io.raftkv.node.transport.PeerTransport;
import io.raftkv.node.transport.PeerTransportOptions;
import io.raftkv.raft.ConfState;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
    /** How long start-up waits for this pod's record in the headless Service. */
    private static final long OWN_DNS_RECORD_WAIT_MS = 60_000;

    private final NodeConfig config;
    /** Identity, discovery and status reporting in Kubernetes; null outside it. */
    private final KubernetesNode k8s;

    private Vertx vertx;
    private NodeStorage storage;
    private RaftDriver driver;
    private PeerTransport transport;
    private ExecutorService memberFileWriter;
    private int peerPort;
    private PrometheusMetrics.Registry metrics;
    private PeerMetrics peerMetrics;
    private StorageMetrics storageMetrics;
    private DriverMetrics driverMetrics;
    private ClientServer clientServer;
    private AutoCompactor autoCompactor;
    private volatile CorruptionCheck corruptionCheck;
    /** This node's certificate and CA, re-read when they change; null with --tls off. */
    private ReloadingTls nodeTls;
    /** The peer port's member rules; the client port believes a forwarded caller only from a member. */
    private PeerTls peerTls;
    /** Trust in the client CA when it is not the cluster CA; null otherwise. */
    private ReloadingTls clientCaTls;
    /** Tokens and role bindings; null with --auth off. */
    private AuthFiles authFiles;

    private ProbeServer probeServer;

    NodeMain(NodeConfig config) {
        this(config, null);
    }

    NodeMain(NodeConfig config, KubernetesNode k8sOrNull) {
        this.config = config;
        this.k8s = k8sOrNull;
    }

    public static void main(String[] args) {
        if (NodeConfig.wantsHelp(args)) {
            System.out.print(NodeConfig.help());
            return;
        }
        NodeConfig config;
        Optional<KubernetesNode> k8s;
        try {
            k8s = KubernetesNode.fromEnvironment(System.getenv());
            config = NodeConfig.load(
                    args, System.getenv(), draft -> k8s.isPresent() ? deriveInKubernetes(k8s.get(), draft) : Map.of());
        } catch (IllegalArgumentException e) {
            System.err.println("raftkv-node: " + e.getMessage());
            System.err.println("Run with --help to see every setting.");
            System.exit(2);
            return;
        } catch (CorruptMemberIdFileException e) {
            System.err.println("raftkv-node: refusing to start: " + e.getMessage());
            System.exit(3);
            return;
        } catch (IllegalStateException | java.io.UncheckedIOException e) {
            System.err.println("raftkv-node: cannot establish this pod's member identity: " + e.getMessage());
            System.exit(1);
            return;
        }
        NodeLogging.configure(config.id(), config.jsonLogs(), config.logLevel());
        NodeMain node = new NodeMain(config, k8s.orElse(null));
        try {
            node.start();
        } catch (RestoreAtStart.Refused e) {
            LOG.error("restore refused ({}): {}", e.kind, e.getMessage());
            TerminationMessage.write(System.getenv(), "restore refused (" + e.kind + "): " + e.getMessage());
            node.stopQuietly();
            NodeLogging.shutdown();
            System.exit(e.kind.exitCode);
            return;
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
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            LOG.info("stop requested (SIGTERM)");
                            node.stopQuietly();
                            NodeLogging.shutdown();
                        },
                        "raftkv-shutdown"));
    }

    void start() throws Exception {
        LOG.info("starting raftkv node: {}", config.describe());
        Files.createDirectories(config.dataDir());
        StorageOptions storageOptions = config.storageOptions();
        RestoreAtStart.run(config.restoreFrom(), config.restoreSha256(), config.id(), config.join(), config.dataDir());
        ForceNewCluster.runIfAsked(config.forceNewCluster(), config.id(), config.dataDir(), storageOptions);
        storage = NodeStorage.open(config.dataDir(), storageOptions);
        if (!config.join()) {
            ConfState voters = new ConfState(new HashSet<>(config.peers().keySet()), new HashSet<>());
            if (storage.raftLog().bootstrap(voters)) {
                LOG.info("bootstrapped a new cluster with voters {}", voters.voters());
            }
        }
        vertx = Vertx.vertx(EventLoops.options(EventLoops.defaultClientLoops()));
        EventLoops loops = EventLoops.of(vertx);
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
                .withLeaseDriftTicks(config.leaseDriftTicks())
                .withMaxInflightProposals(config.maxInflightProposals());
        driver = new RaftDriver(vertx, loops.raft(), config.id(), storage, members, driverOptions);
        SecuritySettings security = config.security();
        if (security.tls()) {
            nodeTls = ReloadingTls.load(vertx, security.files()).watch(security.reloadPeriod());
            peerTls = new PeerTls(
                    nodeTls,
                    config.clusterId(),
                    NodeConfig::clusterIdOf,
                    PeerTls.Members.of(() -> driver == null ? null : driver.status()));
        }
        transport = new PeerTransport(
                vertx,
                driver.context(),
                config.id(),
                config.clusterId(),
                advertisedPeer,
                members,
                driver,
                driver.snapshotCoordinator(),
                driver.snapshotCoordinator(),
                PeerTransportOptions.DEFAULTS.forMaxRequestBytes(
                        config.maxRequestBytes(), driverOptions.maxSizePerMsgBytes()),
                peerTls);
        transport
                .withPortLimits(config.peerPort())
                .useOutboundContext(loops.peerOutbound())
                .onAlarmReports(alarmReports(driver.alarms()))
                .onStateHashes(stateHashes());
        // A follower over its quota asks the leader, over the peer port, to raise NOSPACE for it.
        driver.alarms()
                .reportThrough((leader, type) -> transport.raiseAlarmAt(leader, type.code()))
                .startQuota(config.quotaBackendBytes());
        driver.attach(transport);
        startMetrics();
        if (k8s != null) {
            k8s.awaitOwnDnsRecord(advertisedPeer, OWN_DNS_RECORD_WAIT_MS);
        }
        peerPort = await(transport.start(config.peerBind(), loops.peer()));
        transport.connectionGuard().bindMetrics(metrics.prometheus(), "peer");
        await(driver.start());
        if (k8s != null) {
            k8s.startStatusReporting(
                    vertx,
                    driver::status,
                    () -> driver.alarms().active().alarms().stream()
                            .map(a -> a.type().name() + ":" + a.memberId())
                            .toList());
        }
        int clientPort = startClientServer(loops.client());
        LOG.info(
                "node {} of cluster {} running: peer port {} (advertised {}), client port {} (advertised {}),"
                        + " probe port {}, TLS {}, client auth {}",
                config.id(),
                config.clusterId(),
                peerPort,
                advertisedPeer,
                clientPort,
                advertisedClient,
                probeServer == null ? "none" : probeServer.port(),
                config.security().tls() ? "on" : "off",
                config.security().auth() ? "on" : "off");
    }

    /**
     * One Prometheus registry for the whole process (JVM, build, peer transport, storage, driver; the
     * client server adds Raft state, proposals and snapshots when it starts). Storage size on disk is
     * the figure storage already measures off the event loop ({@link NodeStorage#dbSizeBytes()}, also
     * in the Cluster status), so both report the same number; RocksDB's pending-compaction estimate is
     * not published until storage exposes it.
     */
    private void startMetrics() {
        metrics = PrometheusMetrics.create();
        BuildInfo.current().register(metrics.prometheus());
        // disk_free_bytes / disk_total_bytes of the data volume (the "disk nearly full" alert).
        new DiskSpaceMetrics(config.dataDir().toFile()).bindTo(metrics.prometheus());
        peerMetrics = new PeerMetrics(metrics.prometheus()).bindTransportStats(transport.stats());
        transport.stats().setSendObserver(peerMetrics::recordSend);
        storageMetrics = new StorageMetrics(
                metrics.prometheus(),
                storage.raftLog()::stats,
                storage::dbSizeBytes,
                storage.stateMachine()::estimates,
                null);
        storage.setFsyncObserver(storageMetrics::recordFsync);
        driverMetrics = new DriverMetrics(metrics.prometheus(), driver::loopStalls, driver::slowPersists);
        driver.setObserver(driverMetrics);
        storage.stateMachine().setApplyObserver(driverMetrics);
    }

    /** Starts the client port (KV, Cluster, health, reflection, /metrics); returns the bound port. */
    private int startClientServer(List<Context> servingContexts) throws Exception {
        ServerLimits limits = config.serverLimits();
        HostPort probe = config.probeBindOrNull();
        if (probe != null) {
            probeServer = await(ProbeServer.start(
                    vertx,
                    driver,
                    limits,
                    config.probeConnections(),
                    metrics.prometheus(),
                    probe.host(),
                    probe.port()));
        }
        clientServer = await(ClientServer.builder(vertx, driver, limits, metrics.prometheus())
                .servingContexts(servingContexts)
                .security(clientPortSecurity())
                .watchOptions(config.watchOptions())
                .start(config.clientBind().host(), config.clientBind().port()));
        // Decided on the leader, applied by every member like KV.Compact; on a client loop, never the Raft loop.
        autoCompactor = AutoCompactor.start(
                vertx,
                servingContexts.get(0),
                driver,
                () -> storage.stateMachine().revisions(),
                config.autoCompaction(),
                metrics.prometheus());
        corruptionCheck = CorruptionCheck.start(
                vertx,
                servingContexts.get(0),
                driver,
                new CorruptionCheck.Peers() {
                    @Override
                    public Future<Long> hashAt(long memberId, long index, java.time.Duration deadline) {
                        return transport.stateHashAt(memberId, index, deadline.toMillis());
                    }

                    @Override
                    public Future<CorruptionCheck.Result> askLeaderToCheck(long leaderId, java.time.Duration deadline) {
                        return transport
                                .requestCorruptCheck(leaderId, deadline.toMillis())
                                .map(o -> new CorruptionCheck.Result(o.index(), o.corrupt(), o.compared()));
                    }
                },
                config.corruptionCheck(),
                metrics.prometheus());
        SnapshotMetrics snapshots = clientServer.snapshotMetrics();
        driver.snapshotCoordinator()
                .setCreatedObserver(
                        (bytes, nanos, ok) -> snapshots.record(SnapshotMetrics.Kind.CREATED, bytes, nanos, ok));
        transport
                .stats()
                .setSnapshotObserver((sent, bytes, nanos, ok) -> snapshots.record(
                        sent ? SnapshotMetrics.Kind.SENT : SnapshotMetrics.Kind.RECEIVED, bytes, nanos, ok));
        return clientServer.port();
    }

    /** TLS, authentication and authorization of the client port, as --tls and --auth say. */
    private ClientPortSecurity clientPortSecurity() {
        SecuritySettings security = config.security();
        if (!security.tls()) {
            return ClientPortSecurity.NONE;
        }
        if (!security.auth()) {
            return new ClientAuth(nodeTls, null, null, new AuditLog());
        }
        authFiles = AuthFiles.load(security.tokensFile(), security.rolesFile()).watch(vertx, security.reloadPeriod());
        ReloadingTls clientCa = nodeTls;
        if (!security.clientCa().equals(security.files().ca())) {
            clientCaTls = ReloadingTls.load(vertx, security.files().withCa(security.clientCa()))
                    .watch(security.reloadPeriod());
            clientCa = clientCaTls;
        }
        return new ClientAuth(nodeTls, clientCa.trust(), authFiles, new AuditLog(), peerTls);
    }

    /**
     * The peer port's corruption-check calls: this member's hash at a hash point (from its state
     * machine) and, as leader, a check at a starting member's request.
     */
    private io.raftkv.node.transport.StateHashes stateHashes() {
        return new io.raftkv.node.transport.StateHashes() {
            @Override
            public Future<Long> hashAt(long index) {
                return Future.fromCompletionStage(storage.stateMachine().hashAt(index))
                        .map(io.raftkv.node.kv.StateHash::hash)
                        .recover(e -> Future.failedFuture(new io.raftkv.node.transport.AlarmReports.Refused(
                                io.vertx.grpc.common.GrpcStatus.FAILED_PRECONDITION, e.getMessage())));
            }

            @Override
            public Future<Outcome> checkNow(long requestedBy) {
                CorruptionCheck check = corruptionCheck;
                if (check == null) {
                    return Future.failedFuture(new io.raftkv.node.transport.AlarmReports.Refused(
                            io.vertx.grpc.common.GrpcStatus.UNAVAILABLE, "corruption check not started yet"));
                }
                LOG.info("member {} asked for a corruption check", requestedBy);
                return check.checkNow()
                        .map(r -> new Outcome(r.index(), r.corrupt(), r.compared()))
                        .recover(e -> Future.failedFuture(
                                e instanceof io.raftkv.api.RaftKvException k
                                        ? new io.raftkv.node.transport.AlarmReports.Refused(k.status(), k.getMessage())
                                        : e));
            }
        };
    }

    /** The peer port's {@code RaiseAlarm}: the leader raises the alarm for the requesting member. */
    private static io.raftkv.node.transport.AlarmReports alarmReports(io.raftkv.node.alarm.Alarms alarms) {
        return (member, code) -> {
            io.raftkv.node.kv.AlarmType type;
            try {
                type = io.raftkv.node.kv.AlarmType.ofCode(code);
            } catch (IllegalArgumentException e) {
                return Future.failedFuture(new io.raftkv.node.transport.AlarmReports.Refused(
                        io.vertx.grpc.common.GrpcStatus.INVALID_ARGUMENT, e.getMessage()));
            }
            return alarms.raiseFor(type, member)
                    .recover(e -> Future.failedFuture(
                            e instanceof io.raftkv.api.RaftKvException k
                                    ? new io.raftkv.node.transport.AlarmReports.Refused(k.status(), k.getMessage())
                                    : e));
        };
    }

    /** Stops gracefully and releases everything; safe to call twice or after a failed start. */
    void stopQuietly() {
        if (k8s != null) {
            k8s.close(); // stop reporting before the driver stops
        }
        if (autoCompactor != null) {
            autoCompactor.close();
            autoCompactor = null;
        }
        if (corruptionCheck != null) {
            corruptionCheck.close();
            corruptionCheck = null;
        }
        if (clientServer != null) {
            try {
                // Stop taking client calls first; in-flight ones fail as the driver stops below.
                await(clientServer.close(), STOP_TIMEOUT_SECONDS);
            } catch (Exception e) {
                LOG.warn("closing the client server failed: {}", e.toString());
            }
        }
        if (probeServer != null) {
            try {
                await(probeServer.close(), STOP_TIMEOUT_SECONDS);
            } catch (Exception e) {
                LOG.warn("closing the probe server failed: {}", e.toString());
            }
            probeServer = null;
        }
        try {
            if (driver != null) {
                await(driver.stop(), STOP_TIMEOUT_SECONDS);
            } else if (transport != null) {
                await(transport.close(), STOP_TIMEOUT_SECONDS);
            }
        } catch (Exception e) {
            LOG.warn("stopping the driver failed: {}", e.toString());
        }
        if (nodeTls != null) {
            nodeTls.close();
            nodeTls = null;
        }
        if (clientCaTls != null) {
            clientCaTls.close();
            clientCaTls = null;
        }
        if (authFiles != null) {
            authFiles.close();
            authFiles = null;
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
        if (storageMetrics != null) {
            storageMetrics.close();
        }
        if (driverMetrics != null) {
            driverMetrics.close();
        }
        if (peerMetrics != null) {
            peerMetrics.close();
        }
        if (metrics != null) {
            metrics.close();
        }
        clientServer = null;
        storageMetrics = null;
        driverMetrics = null;
        peerMetrics = null;
        metrics = null;
        driver = null;
        transport = null;
        vertx = null;
        storage = null;
        LOG.info("node {} stopped", config.id());
    }

    /** Runs on the start-up thread, before Vert.x exists: blocking here blocks no event loop. */
    private static Map<String, String> deriveInKubernetes(KubernetesNode k8s, NodeConfig.Draft draft) {
        try {
            return k8s.deriveSettings(draft::value, draft::explicit);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while deciding the member identity", e);
        }
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
