package io.raftkv.node.server;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.raftkv.node.driver.NodeStatus;
import io.raftkv.node.driver.RaftNodeApi;
import io.raftkv.node.metrics.PrometheusMetrics;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The plain-HTTP side of the client port:
 * <ul>
 *   <li>{@code GET /health}: liveness, 200 unless storage failed (its error latch tripped) or the
 *       node is stopping, then 503;</li>
 *   <li>{@code GET /ready}: readiness, 200 when the node is a member of a cluster with a known
 *       leader, else 503 with the reason;</li>
 *   <li>{@code GET /metrics}: Prometheus text format 0.0.4 (OpenMetrics when the Accept header asks
 *       for it). Scraping evaluates every gauge, some of which read RocksDB properties, so it runs
 *       on a worker thread of its own, never on the event loop nor on the pool snapshot work uses;
 *       at most {@link #MAX_SCRAPES} scrapes are queued or running, the next one is answered 503
 *       with {@code Retry-After} at once.</li>
 * </ul>
 * Anything else is 404; a method other than GET or HEAD on a known path is 405. Bodies are short
 * {@code text/plain} lines meant for humans and curl.
 */
final class HttpEndpoints implements Handler<HttpServerRequest>, AutoCloseable {
    /** Scrapes queued or running at most. Prometheus scrapes a target once per interval. */
    static final int MAX_SCRAPES = 4;

    private final Vertx vertx;
    private final WorkerExecutor scrapes;
    private final AtomicInteger scraping = new AtomicInteger();
    private final RaftNodeApi node;
    private final PrometheusMeterRegistry prometheus;

    HttpEndpoints(Vertx vertx, RaftNodeApi node, PrometheusMeterRegistry prometheus) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.node = Objects.requireNonNull(node, "node");
        this.prometheus = Objects.requireNonNull(prometheus, "prometheus");
        this.scrapes = vertx.createSharedWorkerExecutor("raftkv-metrics-scrape", 1);
    }

    @Override
    public void close() {
        scrapes.close();
    }

    @Override
    public void handle(HttpServerRequest req) {
        String path = req.path();
        if (!path.equals("/health") && !path.equals("/ready") && !path.equals("/metrics")) {
            text(req.response(), 404, "not found: " + path + " (try /health, /ready, /metrics)");
            return;
        }
        if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
            req.response().putHeader(HttpHeaders.ALLOW, "GET, HEAD");
            text(req.response(), 405, "method " + req.method() + " not allowed on " + path);
            return;
        }
        switch (path) {
            case "/health" -> health(req.response());
            case "/ready" -> ready(req.response());
            default -> metrics(req);
        }
    }

    private void health(HttpServerResponse resp) {
        if (NodeHealth.live(node)) {
            text(resp, 200, "ok");
        } else {
            text(resp, 503, "unhealthy: storage failed or the node is stopping");
        }
    }

    private void ready(HttpServerResponse resp) {
        NodeStatus s = node.status();
        if (NodeHealth.ready(node)) {
            text(
                    resp,
                    200,
                    "ready: member " + Long.toUnsignedString(s.id()) + ", leader " + Long.toUnsignedString(s.leaderId())
                            + ", term " + s.term());
        } else if (!NodeHealth.live(node) || !s.healthy()) {
            text(resp, 503, "not ready: storage failed or the node is stopping");
        } else if (s.leaderId() == 0) {
            text(resp, 503, "not ready: no leader known in term " + s.term());
        } else if (NodeHealth.corrupt(node, s)) {
            text(
                    resp,
                    503,
                    "not ready: the CORRUPT alarm names this member (its state differs from the other members');"
                            + " it must be replaced (docs/operations.md, \"Corrupt member\")");
        } else {
            text(resp, 503, "not ready: this node is not a member of the configuration");
        }
    }

    private void metrics(HttpServerRequest req) {
        String contentType = PrometheusMetrics.contentTypeFor(req.getHeader(HttpHeaders.ACCEPT));
        if (scraping.incrementAndGet() > MAX_SCRAPES) {
            scraping.decrementAndGet();
            req.response().putHeader(HttpHeaders.RETRY_AFTER, "1");
            text(req.response(), 503, "too many /metrics scrapes in progress (at most " + MAX_SCRAPES + ")");
            return;
        }
        scrapes.executeBlocking(() -> prometheus.scrape(contentType), false).onComplete(ar -> {
            scraping.decrementAndGet();
            HttpServerResponse resp = req.response();
            if (ar.failed()) {
                text(resp, 500, "scrape failed: " + ar.cause());
                return;
            }
            resp.setStatusCode(200)
                    .putHeader(HttpHeaders.CONTENT_TYPE, contentType)
                    .end(ar.result());
        });
    }

    private static void text(HttpServerResponse resp, int status, String line) {
        resp.setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                .end(line + "\n");
    }
}
