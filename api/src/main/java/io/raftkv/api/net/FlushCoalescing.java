package io.raftkv.api.net;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import io.vertx.grpc.client.impl.GrpcClientImpl;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Coalesces socket flushes of an HTTP/2 connection: one {@code write} system call for everything
 * written in one event-loop task instead of one per frame.
 *
 * <p>Why: Vert.x's HTTP/2 handler flushes after every frame it writes outside a read, and a gRPC
 * response is three frames (headers, message, trailers), a request two. Responses completed by
 * another thread (the Raft loop finishing proposals) are written outside a read, so at 1,000
 * concurrent calls the client event loops of a leader spent ~37 % of their CPU in {@code writev}
 * and as much again reading the many small segments that came of it (async-profiler, put at 1,000
 * clients). Netty's {@link FlushConsolidationHandler} defers such a flush to a task queued behind
 * the tasks already waiting on the loop, so a burst of completions is sent with one system call;
 * during a read it flushes once at read-complete, as Vert.x does itself. Latency cost: the time to
 * run the tasks already queued on that loop.
 *
 * <p>It needs the connection's Netty channel, which Vert.x exposes only on its internal connection
 * class; if a future Vert.x changes that, connections keep working, uncoalesced (logged once).
 */
public final class FlushCoalescing {
    private static final System.Logger LOG = System.getLogger(FlushCoalescing.class.getName());
    private static final String NAME = "raftkv-flush-coalescing";
    /** Flush at once after this many deferred flushes, so a long burst still streams out. */
    private static final int EXPLICIT_FLUSH_AFTER_FLUSHES = 256;

    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private FlushCoalescing() {}

    /** A connection handler that installs flush coalescing on every connection it sees. */
    public static Handler<HttpConnection> onConnect() {
        return FlushCoalescing::install;
    }

    /**
     * A gRPC client whose connections coalesce flushes. (vertx-grpc's public factories take either
     * gRPC options or a ready HTTP client, not both; its implementation class takes both.)
     */
    public static GrpcClient grpcClient(Vertx vertx, GrpcClientOptions grpcOptions, HttpClientOptions httpOptions) {
        return grpcClient(vertx, grpcOptions, httpOptions, new PoolOptions());
    }

    /** As above; {@code alsoOnConnect} sees every new connection too (after coalescing is installed). */
    public static GrpcClient grpcClient(
            Vertx vertx,
            GrpcClientOptions grpcOptions,
            HttpClientOptions httpOptions,
            Handler<HttpConnection> alsoOnConnect) {
        Handler<HttpConnection> install = onConnect();
        return grpcClient(vertx, grpcOptions, httpOptions, new PoolOptions(), conn -> {
            install.handle(conn);
            alsoOnConnect.handle(conn);
        });
    }

    /** As above, with {@code pool} (e.g. more than the default one HTTP/2 connection per server). */
    public static GrpcClient grpcClient(
            Vertx vertx, GrpcClientOptions grpcOptions, HttpClientOptions httpOptions, PoolOptions pool) {
        return grpcClient(vertx, grpcOptions, httpOptions, pool, onConnect());
    }

    private static GrpcClient grpcClient(
            Vertx vertx,
            GrpcClientOptions grpcOptions,
            HttpClientOptions httpOptions,
            PoolOptions pool,
            Handler<HttpConnection> onConnect) {
        HttpClient http = vertx.httpClientBuilder()
                .with(httpOptions)
                .with(pool)
                .withConnectHandler(onConnect)
                .build();
        return new GrpcClientImpl(vertx, grpcOptions, http, true) {};
    }

    /** Installs flush coalescing on {@code connection}; returns whether it could. */
    public static boolean install(HttpConnection connection) {
        if (!(connection instanceof ConnectionBase base)) {
            if (WARNED.compareAndSet(false, true)) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        "cannot reach the socket of " + connection.getClass().getName() + ": flushes stay per frame");
            }
            return false;
        }
        Channel channel = base.channel();
        Runnable add = () -> {
            ChannelPipeline pipeline = channel.pipeline();
            if (pipeline.get(NAME) == null) {
                pipeline.addFirst(NAME, new FlushConsolidationHandler(EXPLICIT_FLUSH_AFTER_FLUSHES, true));
            }
        };
        if (channel.eventLoop().inEventLoop()) {
            add.run();
        } else {
            channel.eventLoop().execute(add);
        }
        return true;
    }
}
