package io.raftkv.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.raftkv.node.net.ListenerLimits;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The client port's connection caps and timeouts: connections beyond the per-address cap are
 * closed at once, a slowloris (headers never completed) and a silent socket are closed, and
 * /metrics scrapes beyond the queue are answered 503 at once.
 */
class ConnectionLimitsTest {
    private ClientServerFixture f;
    private final List<HttpClient> clients = new ArrayList<>();

    @AfterEach
    void stop() {
        clients.forEach(HttpClient::close);
        if (f != null) {
            f.close();
        }
    }

    private HttpClient newConnection() {
        HttpClient c = f.vertx.createHttpClient(
                new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
        clients.add(c);
        return c;
    }

    private Future<Integer> health(HttpClient c) {
        return c.request(new RequestOptions()
                        .setMethod(HttpMethod.GET)
                        .setHost("127.0.0.1")
                        .setPort(f.server.port())
                        .setURI("/health"))
                .compose(req -> req.send())
                .map(HttpClientResponse::statusCode);
    }

    @Test
    void connectionsBeyondThePerAddressCapAreClosedAtOnce() {
        f = new ClientServerFixture(ServerLimits.defaults()
                .withConnections(new ListenerLimits(100, 3, Duration.ofSeconds(10), Duration.ofMinutes(5))));
        for (int i = 0; i < 3; i++) {
            assertThat(ClientServerFixture.await(health(newConnection()))).isEqualTo(200);
        }
        Future<Integer> fourth = health(newConnection());
        Awaitility.await().atMost(ClientServerFixture.WAIT).until(fourth::isComplete);
        assertThat(fourth.failed()).as("the fourth connection from 127.0.0.1").isTrue();
        assertThat(f.server.refusedConnections()).isEqualTo(1);
        assertThat(f.server.openConnections()).isEqualTo(3);

        clients.remove(0).close();
        Awaitility.await().atMost(ClientServerFixture.WAIT).until(() -> f.server.openConnections() == 2);
        assertThat(ClientServerFixture.await(health(newConnection()))).isEqualTo(200);

        String metrics = ClientServerFixture.await(clients.get(0)
                        .request(new RequestOptions()
                                .setMethod(HttpMethod.GET)
                                .setHost("127.0.0.1")
                                .setPort(f.server.port())
                                .setURI("/metrics"))
                        .compose(req -> req.send().compose(HttpClientResponse::body)))
                .toString();
        assertThat(metrics)
                .contains(
                        "raftkv_client_connections 3.0",
                        "raftkv_client_connections_refused_total 1.0",
                        "raftkv_client_unwritten_response_bytes ");
    }

    @Test
    void aSlowlorisAndASilentSocketAreClosed() {
        f = new ClientServerFixture(ServerLimits.defaults()
                .withConnections(new ListenerLimits(100, 0, Duration.ofMillis(500), Duration.ofSeconds(2))));
        var net = f.vertx.createNetClient();
        NetSocket slow = ClientServerFixture.await(net.connect(f.server.port(), "127.0.0.1"));
        AtomicBoolean slowClosed = new AtomicBoolean();
        slow.closeHandler(v -> slowClosed.set(true));
        slow.write("GET /health HTTP/1.1\r\nHost: raftkv\r\n"); // and never the blank line
        long trickle = f.vertx.setPeriodic(100, id -> {
            if (!slowClosed.get()) {
                slow.write("X-Slow: 1\r\n"); // keeps the socket busy, so only the first-request deadline helps
            }
        });
        NetSocket silent = ClientServerFixture.await(net.connect(f.server.port(), "127.0.0.1"));
        AtomicBoolean silentClosed = new AtomicBoolean();
        silent.closeHandler(v -> silentClosed.set(true));

        HttpClient idle = newConnection();
        assertThat(ClientServerFixture.await(health(idle))).isEqualTo(200); // then says nothing for 2 s

        Awaitility.await().atMost(ClientServerFixture.WAIT).untilTrue(slowClosed);
        Awaitility.await().atMost(ClientServerFixture.WAIT).untilTrue(silentClosed);
        f.vertx.cancelTimer(trickle);
        Awaitility.await().atMost(ClientServerFixture.WAIT).until(() -> closed(scrape(), "idle") >= 1);
        // The two raw sockets never finished Vert.x's HTTP/1-or-h2c detection; the guard admits
        // sockets before it (ConnectionGuard#attach), so the first-request deadline closed them.
        assertThat(closed(scrape(), "no_request")).isGreaterThanOrEqualTo(2);
    }

    @Test
    void rawSocketsAndHttp1ConnectionsCountAgainstTheCapsAndAreClosed() throws Exception {
        f = new ClientServerFixture(ServerLimits.defaults().withConnections(GuardedPortCheck.LIMITS));
        GuardedPortCheck.rawAndHttp1SocketsAreGuarded(f.vertx, f.server.port(), f.server.connectionGuard(), "/health");
    }

    private static double closed(String metrics, String reason) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                        "raftkv_client_connections_closed_total\\{reason=\"" + reason + "\"} ([0-9.]+)")
                .matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    private String scrape() {
        return ClientServerFixture.await(newConnection()
                        .request(new RequestOptions()
                                .setMethod(HttpMethod.GET)
                                .setHost("127.0.0.1")
                                .setPort(f.server.port())
                                .setURI("/metrics"))
                        .compose(req -> req.send().compose(HttpClientResponse::body)))
                .toString();
    }

    @Test
    void scrapesBeyondTheQueueAreAnswered503AtOnce() throws Exception {
        f = new ClientServerFixture();
        CountDownLatch release = new CountDownLatch(1);
        Gauge.builder("test.slow.gauge", () -> {
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return 1.0;
                })
                .register(f.metrics.prometheus());
        HttpClient c = newConnection();
        List<Future<Integer>> scrapes = new ArrayList<>();
        for (int i = 0; i < HttpEndpoints.MAX_SCRAPES + 2; i++) {
            scrapes.add(c.request(new RequestOptions()
                            .setMethod(HttpMethod.GET)
                            .setHost("127.0.0.1")
                            .setPort(f.server.port())
                            .setURI("/metrics"))
                    .compose(req ->
                            req.send().compose(r -> r.body().map(Buffer::length).map(n -> r.statusCode()))));
        }
        Awaitility.await()
                .atMost(ClientServerFixture.WAIT)
                .until(() -> scrapes.stream()
                                .filter(s -> s.isComplete() && s.result() == 503)
                                .count()
                        == 2);
        release.countDown();
        for (Future<Integer> s : scrapes) {
            assertThat(ClientServerFixture.await(s)).isIn(200, 503);
        }
        assertThat(scrapes.stream().filter(s -> s.result() == 200).count()).isEqualTo(HttpEndpoints.MAX_SCRAPES);
    }
}
