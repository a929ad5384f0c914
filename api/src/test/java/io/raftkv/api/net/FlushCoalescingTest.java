package io.raftkv.api.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.flush.FlushConsolidationHandler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Flush coalescing reaches the socket of Vert.x HTTP/2 connections on both sides (it relies on a
 * Vert.x internal class: this fails first if an upgrade moves it) and many concurrent streams still
 * complete with their own bodies.
 */
class FlushCoalescingTest {
    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void everyStreamCompletesOverCoalescingConnectionsOnBothSides() throws Exception {
        List<HttpConnection> serverSide = new CopyOnWriteArrayList<>();
        List<Boolean> installed = new CopyOnWriteArrayList<>();
        HttpServer server = vertx.createHttpServer(
                        new HttpServerOptions().setPort(0).setHttp2ClearTextEnabled(true))
                .connectionHandler(conn -> {
                    serverSide.add(conn);
                    installed.add(FlushCoalescing.install(conn));
                })
                .requestHandler(req -> req.body()
                        .onSuccess(body ->
                                // answer from another task, as the node does when the Raft loop completes a call
                                vertx.runOnContext(v -> req.response().end("echo:" + body))));
        int port = server.listen()
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS)
                .actualPort();

        List<HttpConnection> clientSide = new CopyOnWriteArrayList<>();
        HttpClient client = vertx.httpClientBuilder()
                .with(new HttpClientOptions()
                        .setProtocolVersion(HttpVersion.HTTP_2)
                        .setHttp2ClearTextUpgrade(false))
                .withConnectHandler(conn -> {
                    clientSide.add(conn);
                    FlushCoalescing.install(conn);
                })
                .build();
        List<io.vertx.core.Future<String>> answers = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String body = "call-" + i;
            answers.add(client.request(HttpMethod.POST, port, "127.0.0.1", "/")
                    .compose(req -> req.send(body).compose(HttpClientResponse::body))
                    .map(Object::toString));
        }
        for (int i = 0; i < answers.size(); i++) {
            assertThat(answers.get(i).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS))
                    .isEqualTo("echo:call-" + i);
        }
        assertThat(installed).isNotEmpty().containsOnly(true);
        assertThat(serverSide).allSatisfy(FlushCoalescingTest::hasHandler);
        assertThat(clientSide).isNotEmpty().allSatisfy(FlushCoalescingTest::hasHandler);
    }

    private static void hasHandler(HttpConnection conn) {
        assertThat(((ConnectionBase) conn).channel().pipeline().get(FlushConsolidationHandler.class))
                .isNotNull();
    }
}
