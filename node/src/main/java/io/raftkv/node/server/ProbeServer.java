package io.raftkv.node.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.raftkv.node.driver.RaftNodeApi;
import io.raftkv.node.metrics.PrometheusMetrics;
import io.raftkv.node.net.ConnectionGuard;
import io.raftkv.node.net.ListenerLimits;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.grpc.server.GrpcServer;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The probe port (9092, {@code probe} in the pod contract): plaintext and unauthenticated, so that
 * kubelet and Prometheus need no client certificate when the client port speaks TLS. It serves
 * only what reveals no data: HTTP {@code /health}, {@code /ready} and {@code /metrics}, and gRPC
 * {@code grpc.health.v1.Health}. Everything else is 404 (HTTP) or UNIMPLEMENTED (gRPC).
 */
public final class ProbeServer {
    private static final Logger LOG = LoggerFactory.getLogger(ProbeServer.class);

    private final Vertx vertx;
    private final HttpServer http;
    private final HealthV1Service health;
    private final long pollTimerId;
    private final HttpEndpoints endpoints;
    private final MeterRegistry registry;
    private final java.util.List<io.micrometer.core.instrument.Meter> connectionMeters;
    private final ConnectionGuard guard;

    private ProbeServer(
            Vertx vertx,
            HttpServer http,
            HealthV1Service health,
            long pollTimerId,
            HttpEndpoints endpoints,
            MeterRegistry registry,
            java.util.List<io.micrometer.core.instrument.Meter> connectionMeters,
            ConnectionGuard guard) {
        this.vertx = vertx;
        this.guard = guard;
        this.registry = registry;
        this.connectionMeters = connectionMeters;
        this.endpoints = endpoints;
        this.http = http;
        this.health = health;
        this.pollTimerId = pollTimerId;
    }

    /**
     * Starts serving on {@code host:port} (0: any free port, see {@link #port()}).
     *
     * @param registry must be, or contain, the {@link PrometheusMeterRegistry} {@code /metrics} serves
     */
    public static Future<ProbeServer> start(
            Vertx vertx, RaftNodeApi node, ServerLimits limits, MeterRegistry registry, String host, int port) {
        return start(vertx, node, limits, ListenerLimits.probeDefaults(), registry, host, port);
    }

    /** As above, with the probe port's connection limits {@code connections} (the flags'). */
    public static Future<ProbeServer> start(
            Vertx vertx,
            RaftNodeApi node,
            ServerLimits limits,
            ListenerLimits connections,
            MeterRegistry registry,
            String host,
            int port) {
        PrometheusMeterRegistry prometheus;
        try {
            Objects.requireNonNull(node, "node");
            limits.validate();
            connections.validate();
            prometheus = PrometheusMetrics.find(registry)
                    .orElseThrow(
                            () -> new IllegalArgumentException(
                                    "the meter registry must be or contain a PrometheusMeterRegistry (it is what /metrics serves)"));
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        HealthV1Service health = new HealthV1Service(() -> NodeHealth.statuses(node), limits);
        GrpcServer grpc = GrpcServer.server(vertx).addService(health.service());
        HttpEndpoints endpoints = new HttpEndpoints(vertx, node, prometheus);
        ConnectionGuard guard = connections.guard(vertx, "probe port");
        HttpServer http = vertx.createHttpServer(
                        new HttpServerOptions().setHost(host).setPort(port)) // idle: the guard
                .connectionHandler(connection -> {
                    if (guard.admit(connection)) {
                        connection.closeHandler(v -> guard.closed(connection));
                    }
                })
                .requestHandler(req -> {
                    guard.requestSeen(req.connection());
                    if (ClientServer.isGrpc(req)) {
                        grpc.handle(req);
                    } else {
                        endpoints.handle(req);
                    }
                });
        return http.listen()
                .compose(server -> guard.attach(server).map(server))
                .map(server -> {
                    long timer = vertx.setPeriodic(limits.statusPollInterval().toMillis(), id -> health.refresh());
                    LOG.info(
                            "probe server listening on {}:{} (plaintext: HTTP /health /ready /metrics, gRPC health)",
                            host,
                            server.actualPort());
                    return new ProbeServer(
                            vertx,
                            server,
                            health,
                            timer,
                            endpoints,
                            registry,
                            guard.bindMetrics(registry, "probe"),
                            guard);
                })
                .onFailure(e -> {
                    health.close();
                    endpoints.close();
                });
    }

    /** The probe port's connection admission. */
    public ConnectionGuard connectionGuard() {
        return guard;
    }

    /** The port actually bound. */
    public int port() {
        return http.actualPort();
    }

    public Future<Void> close() {
        vertx.cancelTimer(pollTimerId);
        connectionMeters.forEach(registry::remove);
        health.close();
        return http.close().andThen(ar -> endpoints.close());
    }
}
