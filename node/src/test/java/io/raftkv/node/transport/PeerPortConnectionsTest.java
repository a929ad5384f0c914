package io.raftkv.node.transport;

import io.raftkv.node.net.HostPort;
import io.raftkv.node.server.GuardedPortCheck;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The peer port's connection guard sees every socket, not only the HTTP/2 connections Vert.x
 * hands over: raw sockets and HTTP/1 connections count against the caps and are closed at the
 * first-request deadline or when idle ({@link GuardedPortCheck}).
 */
class PeerPortConnectionsTest {
    private final Vertx vertx = Vertx.vertx();
    private PeerTransport transport;

    @AfterEach
    void tearDown() throws Exception {
        if (transport != null) {
            transport.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void rawSocketsAndHttp1ConnectionsCountAgainstTheCapsAndAreClosed() throws Exception {
        PeerTransportTest.Recorder r = new PeerTransportTest.Recorder();
        PeerAddressResolver none = new PeerAddressResolver() {
            @Override
            public String peerAddress(long peerId) {
                return null;
            }

            @Override
            public void announced(long peerId, String address) {}
        };
        transport = new PeerTransport(
                        vertx, vertx.getOrCreateContext(), 1, 42, "", none, r, r, r, PeerTransportOptions.DEFAULTS)
                .withPortLimits(
                        new PeerPortLimits(GuardedPortCheck.LIMITS, 32, Duration.ofSeconds(30), Duration.ofSeconds(5)));
        int port = transport
                .start(new HostPort("127.0.0.1", 0))
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        GuardedPortCheck.rawAndHttp1SocketsAreGuarded(vertx, port, transport.connectionGuard(), "/");
    }
}
