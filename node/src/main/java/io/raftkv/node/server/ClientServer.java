package io.raftkv.node.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.raftkv.api.PipelineLimits;
import io.raftkv.api.net.FlushCoalescing;
import io.raftkv.node.driver.RaftNodeApi;
import io.raftkv.node.etcd.EtcdServices;
import io.raftkv.node.kv.KvReader;
import io.raftkv.node.lease.LeaseKeeper;
import io.raftkv.node.lease.LeaseOptions;
import io.raftkv.node.metrics.NodeStatusMetrics;
import io.raftkv.node.metrics.PrometheusMetrics;
import io.raftkv.node.metrics.ProposalMetrics;
import io.raftkv.node.metrics.SnapshotMetrics;
import io.raftkv.node.net.ConnectionGuard;
import io.raftkv.node.security.ClientPortSecurity;
import io.raftkv.node.watch.WatchHub;
import io.raftkv.node.watch.WatchMetrics;
import io.raftkv.node.watch.WatchOptions;
import io.raftkv.node.watch.WatchSource;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.grpc.reflection.ReflectionService;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's client port (9090 in the pod contract): ONE Vert.x HTTP server that hands gRPC
 * requests ({@code content-type: application/grpc…}) to the gRPC server — {@code raftkv.v1.KV},
 * {@code raftkv.v1.Lease} (with the leader-side {@link LeaseKeeper}),
 * {@code raftkv.v1.Cluster}, etcd's v3 API ({@code etcdserverpb.*}, {@link EtcdServices}),
 * {@code grpc.health.v1.Health} and server reflection
 * ({@code grpc.reflection.v1}) — and everything else to the HTTP endpoints {@code /health},
 * {@code /ready} and {@code /metrics}.
 *
 * <p>It also samples the node's status every {@link ServerLimits#statusPollInterval()} on one
 * context, to push health changes to Watch streams and to count leader changes.
 *
 * <p>{@link #close()} stops accepting, ends health watches, releases the read pool and removes every
 * meter this server registered, so a node can stop and start a server in one process.
 */
public final class ClientServer {
    private static final Logger LOG = LoggerFactory.getLogger(ClientServer.class);

    private final Vertx vertx;
    /** One server per serving event loop, all on the same port (Vert.x spreads connections over them). */
    private final List<HttpServer> https;

    private final long pollTimerId;
    private final HealthV1Service health;
    private final ReadPool reads;
    private final CallRunner calls;
    private final NodeStatusMetrics statusMetrics;
    private final ProposalMetrics proposalMetrics;
    private final SnapshotMetrics snapshotMetrics;
    private final HttpEndpoints endpoints;
    private final ConnectionGuard guard;
    private final EtcdServices etcd;
    private final LeaseKeeper leaseKeeper;
    private final LeaseService leaseService;
    private final WatchHub watch;

    private ClientServer(
            Vertx vertx,
            List<HttpServer> https,
            long pollTimerId,
            HealthV1Service health,
            ReadPool reads,
            CallRunner calls,
            NodeStatusMetrics statusMetrics,
            ProposalMetrics proposalMetrics,
            SnapshotMetrics snapshotMetrics,
            HttpEndpoints endpoints,
            ConnectionGuard guard,
            EtcdServices etcd,
            LeaseKeeper leaseKeeper,
            LeaseService leaseService,
            WatchHub watch) {
        this.vertx = vertx;
        this.etcd = etcd;
        this.leaseKeeper = leaseKeeper;
        this.leaseService = leaseService;
        this.watch = watch;
        this.endpoints = endpoints;
        this.guard = guard;
        this.https = List.copyOf(https);
        this.pollTimerId = pollTimerId;
        this.health = health;
        this.reads = reads;
        this.calls = calls;
        this.statusMetrics = statusMetrics;
        this.proposalMetrics = proposalMetrics;
        this.snapshotMetrics = snapshotMetrics;
    }

    /**
     * What a client server is built from: {@code node} (the driver), its {@code limits}, and
     * {@code registry}, which must be, or contain (as a composite), a {@link PrometheusMeterRegistry}:
     * it is what {@code /metrics} serves ({@link PrometheusMetrics#create()} makes one). The rest has
     * defaults; {@link Builder#start(String, int)} binds it.
     */
    public static Builder builder(Vertx vertx, RaftNodeApi node, ServerLimits limits, MeterRegistry registry) {
        return new Builder(vertx, node, limits, registry);
    }

    /** The optional parts of a client server, each with its default. */
    public static final class Builder {
        private final Vertx vertx;
        private final RaftNodeApi node;
        private final ServerLimits limits;
        private final MeterRegistry registry;
        private KvReader reader;
        private List<Context> servingContexts = List.of();
        private ClientPortSecurity security = ClientPortSecurity.NONE;
        private WatchOptions watchOptions = WatchOptions.defaults();

        private Builder(Vertx vertx, RaftNodeApi node, ServerLimits limits, MeterRegistry registry) {
            this.vertx = vertx;
            this.node = Objects.requireNonNull(node, "node");
            this.limits = limits;
            this.registry = registry;
        }

        /** Reads through {@code reader} (default: the node's state machine, {@code KvReader.of(node::stateMachine)}). */
        public Builder reader(KvReader reader) {
            this.reader = reader;
            return this;
        }

        /**
         * Serves from each of {@code servingContexts} (event-loop contexts; default empty: the
         * caller's context only). Every context gets its own HTTP server on the same port and Vert.x
         * spreads connections over them, so request decoding and encoding run on several event loops
         * — none of them the Raft loop's, when the caller keeps that one out of the list (see
         * {@code io.raftkv.node.EventLoops}).
         */
        public Builder servingContexts(List<Context> servingContexts) {
            this.servingContexts = List.copyOf(servingContexts);
            return this;
        }

        /** Secured by {@code security}: TLS, authentication and authorization of every call (default: none). */
        public Builder security(ClientPortSecurity security) {
            this.security = security;
            return this;
        }

        /** The watch hub bounded by {@code watchOptions} (the {@code --watch-*} flags; default: their defaults). */
        public Builder watchOptions(WatchOptions watchOptions) {
            this.watchOptions = watchOptions;
            return this;
        }

        /**
         * Starts serving on {@code host:port} (port 0: any free port, see {@link #port()}).
         *
         * @return the running server, or a failure if the limits are invalid, no Prometheus registry
         *         was given, or the port cannot be bound
         */
        public Future<ClientServer> start(String host, int port) {
            return ClientServer.start(
                    vertx,
                    node,
                    reader != null ? reader : KvReader.of(node::stateMachine),
                    limits,
                    registry,
                    host,
                    port,
                    servingContexts,
                    security,
                    watchOptions);
        }
    }

    private static Future<ClientServer> start(
            Vertx vertx,
            RaftNodeApi node,
            KvReader reader,
            ServerLimits limits,
            MeterRegistry registry,
            String host,
            int port,
            List<Context> servingContexts,
            ClientPortSecurity security,
            WatchOptions watchOptions) {
        PrometheusMeterRegistry prometheus;
        try {
            Objects.requireNonNull(vertx, "vertx");
            Objects.requireNonNull(node, "node");
            Objects.requireNonNull(reader, "reader");
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(watchOptions, "watchOptions");
            limits.validate();
            prometheus = PrometheusMetrics.find(registry)
                    .orElseThrow(
                            () -> new IllegalArgumentException(
                                    "the meter registry must be or contain a PrometheusMeterRegistry (it is what /metrics serves)"));
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        CallRunner calls = new CallRunner(vertx, limits, registry, security);
        ProposalMetrics proposalMetrics = new ProposalMetrics(registry);
        SnapshotMetrics snapshotMetrics = new SnapshotMetrics(registry);
        NodeStatusMetrics statusMetrics = new NodeStatusMetrics(registry, node::status, node::healthy);
        statusMetrics.trackAlarms(node::alarms);
        ReadPool reads = new ReadPool(vertx, limits);
        HealthV1Service health = new HealthV1Service(() -> NodeHealth.statuses(node), limits);
        // A client loop, never the Raft loop (the node keeps that one out of servingContexts).
        Context leaseContext = servingContexts.isEmpty() ? vertx.getOrCreateContext() : servingContexts.get(0);
        LeaseKeeper leaseKeeper = new LeaseKeeper(
                vertx,
                leaseContext,
                node,
                reader::leases,
                LeaseOptions.forElectionTimeout(node.maxElectionTimeoutMs()),
                registry);
        LeaseService leaseService = new LeaseService(node, reader, leaseKeeper, reads, limits, registry);

        GrpcServer grpc = GrpcServer.server(
                vertx,
                new GrpcServerOptions()
                        // Up to twice the limit is decoded and then refused with INVALID_ARGUMENT and the limit
                        // in the message; larger messages are refused by the gRPC layer without being buffered.
                        // A pipeline message carries many calls, each checked against the limit on its own, so
                        // at least PipelineLimits.MAX_REQUEST_MESSAGE_BYTES is always accepted.
                        .setMaxMessageSize(
                                Math.max(2L * limits.maxRequestBytes(), PipelineLimits.MAX_REQUEST_MESSAGE_BYTES)));
        grpc.addService(new KvService(node, reader, reads, limits, proposalMetrics).bindTo(calls));
        WatchHub watch = new WatchHub(
                WatchSource.of(node::stateMachine),
                watchOptions,
                rev -> Protos.header(node.status(), node.status().appliedIndex(), rev),
                new WatchMetrics(registry));
        if (node.stateMachine() != null) {
            node.stateMachine().setChangeListener(watch);
        }
        grpc.addService(new WatchService(vertx, watch, calls, limits).service());
        grpc.addService(new AlarmService(vertx, node).bindTo(calls));
        grpc.addService(new ClusterService(node, reader, reads)
                .bindTo(calls, new SnapshotDownloadCall.Factory(vertx, node, calls, reads, limits, snapshotMetrics)));
        EtcdServices etcd = EtcdServices.addTo(
                grpc, vertx, node, reader, reads, limits, proposalMetrics, calls, security, watch, leaseKeeper);
        grpc.addService(leaseService.bindTo(calls));
        grpc.addService(health.service());
        grpc.addService(ReflectionService.v1());
        HttpEndpoints endpoints = new HttpEndpoints(vertx, node, prometheus);

        ConnectionGuard guard = limits.connections().guard(vertx, "client port");
        calls.trackConnections(guard);
        Handler<HttpServerRequest> handler = req -> {
            guard.requestSeen(req.connection());
            boolean grpcRequest = isGrpc(req);
            if (!security.admit(req, grpcRequest)) {
                return;
            }
            if (grpcRequest) {
                grpc.handle(req);
            } else {
                endpoints.handle(req);
            }
        };
        Handler<HttpConnection> onConnect = connection -> {
            if (!guard.admit(connection)) {
                return;
            }
            FlushCoalescing.install(connection);
            calls.budget().install(connection);
            connection.closeHandler(v -> {
                guard.closed(connection);
                calls.budget().closed(connection);
            });
        };
        // Idle connections are closed by the guard (ConnectionGuard#attach), for every socket.
        HttpServerOptions options = new HttpServerOptions().setHost(host);
        return listenOnEach(vertx, options, port, handler, onConnect, servingContexts, security)
                .compose(servers -> guard.attach(servers.get(0)).map(servers))
                .map(servers -> {
                    int bound = servers.get(0).actualPort();
                    long timer = vertx.setPeriodic(limits.statusPollInterval().toMillis(), id -> {
                        statusMetrics.observe(node.status());
                        health.refresh();
                    });
                    LOG.info(
                            "client server listening on {}:{} (gRPC KV, Watch, Cluster, etcd v3 API, health, reflection; HTTP /health /ready"
                                    + " /metrics) on {} event loop(s)",
                            host,
                            bound,
                            servers.size());
                    return new ClientServer(
                            vertx,
                            servers,
                            timer,
                            health,
                            reads,
                            calls,
                            statusMetrics,
                            proposalMetrics,
                            snapshotMetrics,
                            endpoints,
                            guard,
                            etcd,
                            leaseKeeper,
                            leaseService,
                            watch);
                })
                .onFailure(e -> {
                    watch.close();
                    etcd.close();
                    leaseKeeper.close();
                    leaseService.close();
                    endpoints.close();
                    reads.close();
                    calls.close();
                    proposalMetrics.close();
                    snapshotMetrics.close();
                    statusMetrics.close();
                });
    }

    /**
     * Listens on {@code port} from each context in turn (the first decides the port when it is 0);
     * with no contexts, from the caller's. A failure closes the servers already listening.
     */
    private static Future<List<HttpServer>> listenOnEach(
            Vertx vertx,
            HttpServerOptions options,
            int port,
            Handler<HttpServerRequest> handler,
            Handler<HttpConnection> onConnect,
            List<Context> contexts,
            ClientPortSecurity security) {
        if (contexts.isEmpty()) {
            return vertx.createHttpServer(
                            security.secure(new HttpServerOptions(options)).setPort(port))
                    .connectionHandler(onConnect)
                    .requestHandler(handler)
                    .listen()
                    .map(List::of);
        }
        List<HttpServer> servers = new ArrayList<>();
        Future<Integer> chain = Future.succeededFuture(port);
        for (Context ctx : contexts) {
            chain = chain.compose(p -> {
                Promise<Integer> bound = Promise.promise();
                ctx.runOnContext(v -> {
                    HttpServer server = vertx.createHttpServer(security.secure(new HttpServerOptions(options))
                                    .setPort(p))
                            .connectionHandler(onConnect)
                            .requestHandler(handler);
                    servers.add(server);
                    server.listen().map(HttpServer::actualPort).onComplete(bound);
                });
                return bound.future();
            });
        }
        return chain.map(p -> List.copyOf(servers)).recover(err -> {
            servers.forEach(HttpServer::close);
            return Future.failedFuture(err);
        });
    }

    /** gRPC (and gRPC-Web) requests carry an {@code application/grpc…} content type; nothing else does. */
    static boolean isGrpc(HttpServerRequest req) {
        String ct = req.getHeader("content-type");
        return ct != null && ct.startsWith("application/grpc");
    }

    /** The port actually bound (differs from the requested one when that was 0). */
    public int port() {
        return https.get(0).actualPort();
    }

    /** Snapshot meters, for the driver to record snapshots it creates, sends and receives. */
    public SnapshotMetrics snapshotMetrics() {
        return snapshotMetrics;
    }

    /** Proposal meters (what the KV service records). */
    public ProposalMetrics proposalMetrics() {
        return proposalMetrics;
    }

    /** Leader changes and other status-derived meters. */
    public NodeStatusMetrics statusMetrics() {
        return statusMetrics;
    }

    /** Health watch streams open now. */
    public int healthWatchers() {
        return health.watcherCount();
    }

    /** Client calls being served now. */
    public int inFlightCalls() {
        return calls.inFlight();
    }

    /** KV.Pipeline streams open now. */
    public int pipelineStreams() {
        return calls.pipelineStreams();
    }

    /** Client connections open now (admitted by the connection caps). */
    public int openConnections() {
        return guard.open();
    }

    /** Client connections refused by the connection caps so far. */
    public long refusedConnections() {
        return guard.refused();
    }

    /** The client port's connection admission. */
    public ConnectionGuard connectionGuard() {
        return guard;
    }

    /** Bytes of responses handed to client connections and not yet written to their sockets. */
    public long unwrittenResponseBytes() {
        return calls.budget().unwrittenBytes();
    }

    /** Stops the server. In-flight calls get whatever Vert.x does on close (connections reset). */
    public Future<Void> close() {
        vertx.cancelTimer(pollTimerId);
        health.close();
        leaseKeeper.close();
        return Future.join(https.stream().map(HttpServer::close).toList())
                .<Void>mapEmpty()
                .andThen(ar -> {
                    watch.close();
                    etcd.close();
                    leaseService.close();
                    endpoints.close();
                    reads.close();
                    calls.close();
                    proposalMetrics.close();
                    snapshotMetrics.close();
                    statusMetrics.close();
                });
    }
}
