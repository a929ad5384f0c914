package io.raftkv.node.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificate rotation without a restart, over real TLS handshakes: the files are replaced (a new
 * CA and leaf), new connections get the new certificate, a connection opened before keeps working,
 * and half-written files leave the old certificate in force.
 */
class ReloadingTlsTest {
    @TempDir
    Path dir;

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void tearDown() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void newConnectionsGetTheNewCertificateAndOpenOnesKeepTheirs() throws Exception {
        TestCa oldCa = TestCa.create("old-ca");
        TestCa newCa = TestCa.create("new-ca");
        TlsFiles files = oldCa.issue(TestCa.Leaf.member("c", 1)).writeTo(dir);
        ReloadingTls tls = ReloadingTls.load(vertx, files).watch(Duration.ofMillis(100));
        HttpServer server = await(vertx.createHttpServer(new HttpServerOptions()
                        .setSsl(true)
                        .setKeyCertOptions(KeyCertOptions.wrap(tls.keyManager()))
                        .setHost("127.0.0.1")
                        .setPort(0))
                .requestHandler(req -> req.response().end("ok"))
                .listen());
        HttpClient trustsOld = client(oldCa);
        assertThat(get(trustsOld, server.actualPort())).isEqualTo(200);
        assertThat(getOrFailure(client(newCa), server.actualPort())).isInstanceOf(Throwable.class);

        // Rotate: the new CA's leaf replaces the files (as a Secret volume update would).
        TestCa.Issued next = newCa.issue(TestCa.Leaf.member("c", 1));
        Files.writeString(files.cert(), next.certPem());
        Files.writeString(files.key(), next.keyPem());
        Files.writeString(files.ca(), next.caPem());
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> tls.generation() == 2);
        assertThat(get(client(newCa), server.actualPort())).isEqualTo(200);
        assertThat(getOrFailure(client(oldCa), server.actualPort()))
                .as("a new connection trusting only the old CA")
                .isInstanceOf(Throwable.class);
        assertThat(get(trustsOld, server.actualPort()))
                .as("the connection opened before")
                .isEqualTo(200);

        // A half-written key: the change cannot be used, the certificate loaded before stays.
        Files.writeString(files.key(), "-----BEGIN PRIVATE KEY-----\nMIIB\n");
        assertThat(tls.reloadIfChanged()).isFalse();
        assertThat(tls.generation()).isEqualTo(2);
        assertThat(get(client(newCa), server.actualPort())).isEqualTo(200);
        tls.close();
    }

    private HttpClient client(TestCa trusted) {
        return vertx.createHttpClient(new HttpClientOptions()
                .setSsl(true)
                .setVerifyHost(true)
                .setKeepAlive(true)
                .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(trusted.caPem()))));
    }

    private static int get(HttpClient client, int port) {
        Object r = getOrFailure(client, port);
        if (r instanceof Throwable t) {
            throw new AssertionError("request failed: " + t, t);
        }
        return (Integer) r;
    }

    private static Object getOrFailure(HttpClient client, int port) {
        try {
            return await(client.request(HttpMethod.GET, port, "127.0.0.1", "/")
                    .compose(req -> req.send()
                            .compose((HttpClientResponse r) -> r.body().map(b -> {
                                assertThat(b.toString(StandardCharsets.UTF_8)).isEqualTo("ok");
                                return r.statusCode();
                            }))));
        } catch (Exception e) {
            return e;
        }
    }

    private static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
