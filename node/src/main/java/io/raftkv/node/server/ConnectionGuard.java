package io.raftkv.node.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.impl.ConnectionBase;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admission of connections to one listener: at most {@code maxConnections} open, at most
 * {@code maxPerAddress} from one remote IP address (0: no per-address cap), and a connection that
 * has not completed its first request within {@code firstRequestTimeout} is closed (a slowloris
 * trickling its headers never completes one). Idle connections are closed by the server's own
 * idle timeout ({@code HttpServerOptions#setIdleTimeout}), which every listener sets.
 *
 * <p>A refused connection is closed at once, before it costs more than its socket. Thread-safe:
 * a listener's connections arrive on several event loops.
 */
public final class ConnectionGuard {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);

    private static final String IDLE_COUNTER = "raftkv-idle-close-counter";

    private final Vertx vertx;
    private final String listener;
    private final int maxConnections;
    private final int maxPerAddress;
    private final Duration firstRequestTimeout;
    private final AtomicInteger open = new AtomicInteger();
    private final Map<String, Integer> perAddress = new ConcurrentHashMap<>();
    /** Connections that have not completed a request yet, with their close timer. */
    private final Map<HttpConnection, Long> awaitingFirstRequest = new ConcurrentHashMap<>();

    private final LongAdder refused = new LongAdder();
    private final LongAdder closedIdle = new LongAdder();
    private final LongAdder closedWithoutRequest = new LongAdder();

    /**
     * @param listener            name used in log lines ("client port", "peer port")
     * @param maxConnections      open connections at most
     * @param maxPerAddress       open connections from one IP address at most (0: no cap)
     * @param firstRequestTimeout a connection's first request must be complete by then
     */
    public ConnectionGuard(
            Vertx vertx, String listener, int maxConnections, int maxPerAddress, Duration firstRequestTimeout) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.listener = Objects.requireNonNull(listener, "listener");
        if (maxConnections < 1 || maxPerAddress < 0) {
            throw new IllegalArgumentException(listener + ": maxConnections must be ≥ 1 and maxPerAddress ≥ 0, got "
                    + maxConnections + " and " + maxPerAddress);
        }
        this.maxConnections = maxConnections;
        this.maxPerAddress = maxPerAddress;
        this.firstRequestTimeout = Objects.requireNonNull(firstRequestTimeout, "firstRequestTimeout");
    }

    /**
     * Counts {@code connection} in, or closes it when a cap is reached. When admitted, the caller
     * must call {@link #closed} from the connection's close handler.
     *
     * @return whether the connection was admitted
     */
    public boolean admit(HttpConnection connection) {
        String address = addressOf(connection);
        int total = open.incrementAndGet();
        int own = perAddress.merge(address, 1, Integer::sum);
        if (total > maxConnections || (maxPerAddress > 0 && own > maxPerAddress)) {
            release(address);
            refused.increment();
            if (refused.sum() % 1000 == 1) {
                LOG.warn(
                        "{}: refused a connection from {}: {} open (limit {}), {} from that address (limit {});"
                                + " {} refused so far",
                        listener,
                        address,
                        total - 1,
                        maxConnections,
                        own - 1,
                        maxPerAddress == 0 ? "none" : maxPerAddress,
                        refused.sum());
            }
            connection.close();
            return false;
        }
        countIdleCloses(connection);
        long timer = vertx.setTimer(firstRequestTimeout.toMillis(), id -> {
            if (awaitingFirstRequest.remove(connection) != null) {
                closedWithoutRequest.increment();
                LOG.debug(
                        "{}: closing a connection from {} without a request after {}",
                        listener,
                        address,
                        firstRequestTimeout);
                connection.close();
            }
        });
        awaitingFirstRequest.put(connection, timer);
        return true;
    }

    /** A request arrived on {@code connection}: it is no longer held to the first-request timeout. */
    public void requestSeen(HttpConnection connection) {
        if (connection == null || awaitingFirstRequest.isEmpty()) {
            return;
        }
        Long timer = awaitingFirstRequest.remove(connection);
        if (timer != null) {
            vertx.cancelTimer(timer);
        }
    }

    /** An admitted connection closed. */
    public void closed(HttpConnection connection) {
        requestSeen(connection);
        release(addressOf(connection));
    }

    private void release(String address) {
        open.decrementAndGet();
        perAddress.computeIfPresent(address, (a, n) -> n == 1 ? null : n - 1);
    }

    /**
     * Counts the connection if the listener's idle timeout closes it: a handler right after Netty's
     * {@link IdleStateHandler} sees the idle event Vert.x closes the connection on.
     */
    private void countIdleCloses(HttpConnection connection) {
        if (!(connection instanceof ConnectionBase base)) {
            return;
        }
        Channel channel = base.channel();
        channel.eventLoop().execute(() -> {
            ChannelPipeline pipeline = channel.pipeline();
            ChannelHandlerContext idle = pipeline.context(IdleStateHandler.class);
            if (idle != null && pipeline.get(IDLE_COUNTER) == null) {
                pipeline.addAfter(idle.name(), IDLE_COUNTER, new ChannelInboundHandlerAdapter() {
                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
                        if (evt instanceof IdleStateEvent && ctx.channel().isActive()) {
                            closedIdle.increment();
                        }
                        super.userEventTriggered(ctx, evt);
                    }
                });
            }
        });
    }

    /** Connections open now. */
    public int open() {
        return open.get();
    }

    /** Connections refused so far. */
    public long refused() {
        return refused.sum();
    }

    /** Connections closed so far by the listener's idle timeout. */
    public long closedIdle() {
        return closedIdle.sum();
    }

    /** Connections closed so far because their first request was not complete in time. */
    public long closedWithoutRequest() {
        return closedWithoutRequest.sum();
    }

    /**
     * Registers this listener's gauge and counters as {@code raftkv_<port>_connections},
     * {@code raftkv_<port>_connections_refused_total} and
     * {@code raftkv_<port>_connections_closed_total{reason="idle"|"no_request"}}.
     *
     * @param port {@code client}, {@code peer} or {@code probe}
     * @return the meters, for the caller to remove when the listener closes
     */
    public java.util.List<io.micrometer.core.instrument.Meter> bindMetrics(
            io.micrometer.core.instrument.MeterRegistry registry, String port) {
        String prefix = "raftkv." + port + ".connections";
        return java.util.List.of(
                io.micrometer.core.instrument.Gauge.builder(prefix, this, ConnectionGuard::open)
                        .description("Connections open on the " + port + " port.")
                        .register(registry),
                io.micrometer.core.instrument.FunctionCounter.builder(
                                prefix + ".refused", this, ConnectionGuard::refused)
                        .description(port + "-port connections closed at once by the connection caps"
                                + " (total or per IP address).")
                        .register(registry),
                io.micrometer.core.instrument.FunctionCounter.builder(
                                prefix + ".closed", this, ConnectionGuard::closedIdle)
                        .description(port + "-port connections the node closed: idle for the idle timeout, or"
                                + " without a complete first request by the first-request deadline.")
                        .tag("reason", "idle")
                        .register(registry),
                io.micrometer.core.instrument.FunctionCounter.builder(
                                prefix + ".closed", this, ConnectionGuard::closedWithoutRequest)
                        .description(port + "-port connections the node closed: idle for the idle timeout, or"
                                + " without a complete first request by the first-request deadline.")
                        .tag("reason", "no_request")
                        .register(registry));
    }

    private static String addressOf(HttpConnection connection) {
        SocketAddress a = connection.remoteAddress();
        return a == null ? "unknown" : a.hostAddress() != null ? a.hostAddress() : String.valueOf(a.host());
    }
}
