package io.raftkv.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.node.net.ConnectionGuard;
import io.raftkv.node.net.ListenerLimits;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;

/**
 * What every listener's TCP-level guard must do, checked on a real port: raw sockets that never
 * speak, an HTTP/1 slowloris and HTTP/1 connections count against the caps (a socket beyond the
 * per-address cap is refused), are closed at the first-request deadline when they send no complete
 * request, and are closed when idle.
 */
public final class GuardedPortCheck {
    /** 3 per address, 800 ms to a first request, 2 s idle. */
    public static final ListenerLimits LIMITS =
            new ListenerLimits(100, 3, Duration.ofMillis(800), Duration.ofSeconds(2));

    private static final Duration WAIT = Duration.ofSeconds(15);

    private GuardedPortCheck() {}

    /** Runs the checks against {@code port}, whose guard is {@code guard} (made from {@link #LIMITS}). */
    public static void rawAndHttp1SocketsAreGuarded(Vertx vertx, int port, ConnectionGuard guard, String path)
            throws Exception {
        NetClient net = vertx.createNetClient();
        HttpClient http1 = vertx.createHttpClient(
                new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_1_1).setKeepAlive(true));
        try {
            // Three raw sockets that say nothing: all three count, so the HTTP/1 connection after
            // them (a fourth from 127.0.0.1) is refused.
            List<AtomicBoolean> rawClosed = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                NetSocket raw = await(net.connect(port, "127.0.0.1"));
                AtomicBoolean closed = new AtomicBoolean();
                raw.closeHandler(v -> closed.set(true));
                rawClosed.add(closed);
            }
            Awaitility.await().atMost(WAIT).until(() -> guard.open() == 3);
            long refusedBefore = guard.refused();
            Future<Integer> fourth = request(http1, port, path);
            Awaitility.await().atMost(WAIT).until(fourth::isComplete);
            assertThat(fourth.failed())
                    .as("an HTTP/1 request beyond the per-address cap")
                    .isTrue();
            assertThat(guard.refused() - refusedBefore).isEqualTo(1);

            // The node closes the silent sockets at the first-request deadline.
            for (AtomicBoolean closed : rawClosed) {
                Awaitility.await().atMost(WAIT).untilTrue(closed);
            }
            assertThat(guard.closedWithoutRequest()).isGreaterThanOrEqualTo(3);
            Awaitility.await().atMost(WAIT).until(() -> guard.open() == 0);

            // An HTTP/1 slowloris (headers never finished) is closed at the deadline too.
            NetSocket slow = await(net.connect(port, "127.0.0.1"));
            AtomicBoolean slowClosed = new AtomicBoolean();
            slow.closeHandler(v -> slowClosed.set(true));
            slow.write("GET " + path + " HTTP/1.1\r\nHost: raftkv\r\n");
            long trickle = vertx.setPeriodic(100, id -> {
                if (!slowClosed.get()) {
                    slow.write("X-Slow: 1\r\n");
                }
            });
            Awaitility.await().atMost(WAIT).untilTrue(slowClosed);
            vertx.cancelTimer(trickle);
            assertThat(guard.closedWithoutRequest()).isGreaterThanOrEqualTo(4);

            // A complete HTTP/1 request is answered; the connection counts while open and is
            // closed by the node once idle.
            long idleBefore = guard.closedIdle();
            Awaitility.await().atMost(WAIT).until(() -> guard.open() == 0);
            assertThat(await(request(http1, port, path))).isPositive();
            assertThat(guard.open()).isEqualTo(1);
            Awaitility.await()
                    .atMost(WAIT)
                    .alias("the idle HTTP/1 connection closed by the node")
                    .until(() -> guard.open() == 0 && guard.closedIdle() > idleBefore);
        } finally {
            http1.close();
            net.close();
        }
    }

    private static Future<Integer> request(HttpClient http, int port, String path) {
        return http.request(new RequestOptions()
                        .setMethod(HttpMethod.GET)
                        .setHost("127.0.0.1")
                        .setPort(port)
                        .setURI(path))
                .compose(req -> req.send())
                .map(HttpClientResponse::statusCode);
    }

    private static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }
}
