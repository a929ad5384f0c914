package io.raftkv.operator.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The operator's HTTP endpoint (port 8080 in the pod contract): {@code /metrics} in Prometheus
 * text format, {@code /healthz} (liveness) and {@code /readyz} (readiness). Runs on the JDK's
 * built-in server with two worker threads and a bounded queue; when the queue is full the
 * accepting thread serves the request itself, which slows accepting down instead of queueing
 * without limit.
 */
public final class OperatorHttpServer implements AutoCloseable {

    private static final int QUEUE_CAPACITY = 32;

    private final HttpServer server;
    private final ThreadPoolExecutor executor;

    private OperatorHttpServer(HttpServer server, ThreadPoolExecutor executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Starts serving on {@code port} (0 picks a free one).
     *
     * @param scrape produces the Prometheus text exposition
     * @param live whether the process is healthy
     * @param ready whether the operator is started and its informers are healthy
     */
    public static OperatorHttpServer start(
            int port, Supplier<String> scrape, BooleanSupplier live, BooleanSupplier ready) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 16);
        ThreadPoolExecutor executor = new ThreadPoolExecutor(
                2,
                2,
                60,
                TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(QUEUE_CAPACITY),
                r -> {
                    Thread t = new Thread(r, "operator-http");
                    t.setDaemon(true);
                    return t;
                },
                new ThreadPoolExecutor.CallerRunsPolicy());
        server.setExecutor(executor);
        server.createContext(
                "/metrics",
                exchange -> respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", scrape.get()));
        server.createContext("/healthz", exchange -> probe(exchange, live));
        server.createContext("/readyz", exchange -> probe(exchange, ready));
        server.start();
        return new OperatorHttpServer(server, executor);
    }

    /** The port actually bound. */
    public int port() {
        return server.getAddress().getPort();
    }

    private static void probe(HttpExchange exchange, BooleanSupplier check) throws IOException {
        boolean ok;
        try {
            ok = check.getAsBoolean();
        } catch (RuntimeException e) {
            ok = false;
        }
        respond(exchange, ok ? 200 : 503, "text/plain; charset=utf-8", ok ? "ok\n" : "not ok\n");
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", contentType);
            boolean head = "HEAD".equals(exchange.getRequestMethod());
            exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
            if (!head) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }
    }

    /** Stops accepting, gives in-flight requests up to a second, then stops the workers. */
    @Override
    public void close() {
        server.stop(1);
        executor.shutdown();
    }
}
