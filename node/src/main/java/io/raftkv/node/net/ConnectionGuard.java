package io.raftkv.node.net;

import static java.util.concurrent.TimeUnit.MILLISECONDS;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AttributeKey;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.impl.ConnectionBase;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admission of connections to one listener, at the TCP level: at most {@code maxConnections} open,
 * at most {@code maxPerAddress} from one remote IP address (0: no per-address cap), a connection
 * that has not completed its first request within {@code firstRequestTimeout} is closed (a slowloris
 * trickling its headers, or a socket that never says anything, never completes one), and a
 * connection without traffic in either direction for {@code idleTimeout} is closed.
 *
 * <p>{@link #attach} puts a handler in front of the listener's Netty server channel, where every
 * accepted socket passes before Vert.x's HTTP/1-or-h2c detection and TLS handshake: so raw sockets,
 * HTTP/1 connections and HTTP/2 connections all count against the caps and the timeouts, and a
 * refused socket is closed before it is registered with an event loop (it costs no more than its
 * file descriptor). Vert.x has no public hook at that level; the server channel is read from its
 * internals ({@code HttpServerImpl.tcpServer.actualServer.bindFuture}, Vert.x 5.0), and
 * {@link #attach} fails with a clear message if they change. A connection handed to the HTTP
 * connection handler of a listener that was not attached is admitted there instead
 * ({@link #admit}), as before.
 *
 * <p>Thread-safe: a listener's connections arrive on several event loops.
 */
public final class ConnectionGuard {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);

    private static final String ACCEPT_HANDLER = "raftkv-connection-guard";
    /**
     * Named as Vert.x names its own: its HTTP pipeline set-up finds an {@link IdleStateHandler} by
     * class and then inserts its decoders relative to the name {@code idle}. The listeners leave
     * Vert.x's own idle timeout unset, so there is one.
     */
    private static final String IDLE_HANDLER = "idle";

    private static final String IDLE_CLOSER = "raftkv-idle-close";
    /** Set on a socket this guard counted: released once when it closes. */
    private static final AttributeKey<ConnectionGuard> ADMITTED = AttributeKey.valueOf("raftkv-connection-guard");

    private final Vertx vertx;
    private final String listener;
    private final int maxConnections;
    private final int maxPerAddress;
    private final Duration firstRequestTimeout;
    /** Zero: the guard does not close idle connections (the HTTP server's own idle timeout does). */
    private final Duration idleTimeout;

    private final AtomicInteger open = new AtomicInteger();
    private final Map<String, Integer> perAddress = new ConcurrentHashMap<>();
    /** Sockets that have not completed a request yet, with their close timer. */
    private final Map<Channel, Long> awaitingFirstRequest = new ConcurrentHashMap<>();

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
        this(vertx, listener, maxConnections, maxPerAddress, firstRequestTimeout, Duration.ZERO);
    }

    /** As above; {@code idleTimeout}: a connection without traffic for that long is closed (zero: never). */
    public ConnectionGuard(
            Vertx vertx,
            String listener,
            int maxConnections,
            int maxPerAddress,
            Duration firstRequestTimeout,
            Duration idleTimeout) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.listener = Objects.requireNonNull(listener, "listener");
        if (maxConnections < 1 || maxPerAddress < 0) {
            throw new IllegalArgumentException(listener + ": maxConnections must be ≥ 1 and maxPerAddress ≥ 0, got "
                    + maxConnections + " and " + maxPerAddress);
        }
        this.maxConnections = maxConnections;
        this.maxPerAddress = maxPerAddress;
        this.firstRequestTimeout = Objects.requireNonNull(firstRequestTimeout, "firstRequestTimeout");
        this.idleTimeout = Objects.requireNonNull(idleTimeout, "idleTimeout");
    }

    /**
     * Guards every socket {@code server} (listening) accepts from now on, before any protocol
     * detection. Several servers sharing one port (one per event loop) share one server channel:
     * attaching each is harmless.
     *
     * @return completes once the handler is in place
     * @throws IllegalStateException if this Vert.x version's server internals are not as expected
     */
    public Future<Void> attach(HttpServer server) {
        Channel serverChannel = serverChannel(server);
        Promise<Void> attached = Promise.promise();
        serverChannel.eventLoop().execute(() -> {
            try {
                if (serverChannel.pipeline().get(ACCEPT_HANDLER) == null) {
                    serverChannel.pipeline().addFirst(ACCEPT_HANDLER, new AcceptHandler());
                }
                attached.complete();
            } catch (RuntimeException e) {
                attached.fail(e);
            }
        });
        return attached.future();
    }

    /** The Netty channel {@code server} listens on (Vert.x 5.0 internals, read reflectively). */
    static Channel serverChannel(HttpServer server) {
        try {
            Object tcp = field(server, "tcpServer");
            Object actual = field(tcp, "actualServer");
            Object bind = field(actual == null ? tcp : actual, "bindFuture");
            if (bind instanceof Future<?> f && f.succeeded() && f.result() instanceof Channel ch) {
                return ch;
            }
            throw new IllegalStateException("the server is not listening (bind: " + bind + ")");
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException(
                    "cannot reach the listening socket of " + server.getClass().getName()
                            + " to guard its connections (Vert.x internals changed?): " + e,
                    e);
        }
    }

    private static Object field(Object owner, String name) throws ReflectiveOperationException {
        for (Class<?> c = owner.getClass(); c != null; c = c.getSuperclass()) {
            try {
                java.lang.reflect.Field f = c.getDeclaredField(name);
                f.setAccessible(true);
                return f.get(owner);
            } catch (NoSuchFieldException e) {
                // look in the superclass
            }
        }
        throw new NoSuchFieldException(owner.getClass().getName() + "." + name);
    }

    /** In the server channel's pipeline: sees each accepted socket before it is registered and initialised. */
    private final class AcceptHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Channel child && !admit(child)) {
                child.unsafe().closeForcibly();
                return;
            }
            ctx.fireChannelRead(msg);
        }
    }

    /**
     * Counts {@code socket} in and arms its timeouts, or returns false (the caller closes it) when a
     * cap is reached. Once per socket.
     */
    private boolean admit(Channel socket) {
        if (socket.hasAttr(ADMITTED)) {
            return true;
        }
        String address = addressOf(socket.remoteAddress());
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
            return false;
        }
        socket.attr(ADMITTED).set(this);
        socket.closeFuture().addListener(f -> {
            forget(socket);
            release(address);
        });
        if (!idleTimeout.isZero()) {
            socket.pipeline().addFirst(IDLE_HANDLER, new IdleStateHandler(0, 0, idleTimeout.toMillis(), MILLISECONDS));
            socket.pipeline().addAfter(IDLE_HANDLER, IDLE_CLOSER, new ChannelInboundHandlerAdapter() {
                @Override
                public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
                    if (evt instanceof IdleStateEvent) {
                        if (ctx.channel().isActive()) {
                            closedIdle.increment();
                            LOG.debug("{}: closing a connection from {} idle for {}", listener, address, idleTimeout);
                        }
                        ctx.close();
                        return;
                    }
                    super.userEventTriggered(ctx, evt);
                }
            });
        }
        long timer = vertx.setTimer(firstRequestTimeout.toMillis(), id -> {
            if (awaitingFirstRequest.remove(socket) != null) {
                closedWithoutRequest.increment();
                LOG.debug(
                        "{}: closing a connection from {} without a request after {}",
                        listener,
                        address,
                        firstRequestTimeout);
                socket.close();
            }
        });
        awaitingFirstRequest.put(socket, timer);
        return true;
    }

    /**
     * For a listener that was not {@link #attach attached}: counts {@code connection} in when Vert.x
     * hands it over (after protocol detection), or closes it when a cap is reached. On an attached
     * listener every socket was admitted when accepted and this only answers whether it is still open.
     *
     * @return whether the connection was admitted
     */
    public boolean admit(HttpConnection connection) {
        Channel socket = channelOf(connection);
        if (socket == null) {
            return true;
        }
        if (admit(socket)) {
            return true;
        }
        connection.close();
        return false;
    }

    /** A request arrived on {@code connection}: it is no longer held to the first-request timeout. */
    public void requestSeen(HttpConnection connection) {
        if (connection == null || awaitingFirstRequest.isEmpty()) {
            return;
        }
        Channel socket = channelOf(connection);
        if (socket != null) {
            forget(socket);
        }
    }

    /** An admitted connection closed (its socket's close releases it; kept for the callers). */
    public void closed(HttpConnection connection) {
        requestSeen(connection);
    }

    private void forget(Channel socket) {
        Long timer = awaitingFirstRequest.remove(socket);
        if (timer != null) {
            vertx.cancelTimer(timer);
        }
    }

    private void release(String address) {
        open.decrementAndGet();
        perAddress.computeIfPresent(address, (a, n) -> n == 1 ? null : n - 1);
    }

    private static Channel channelOf(HttpConnection connection) {
        return connection instanceof ConnectionBase base ? base.channel() : null;
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

    private static String addressOf(java.net.SocketAddress remote) {
        if (remote instanceof InetSocketAddress inet) {
            return inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
        }
        return remote == null ? "unknown" : remote.toString();
    }
}
