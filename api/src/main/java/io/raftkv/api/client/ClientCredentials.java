package io.raftkv.api.client;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.Address;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.TrustOptions;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.common.ServiceMethod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * How a client reaches a node whose client port speaks TLS ({@code --tls on}) and who it is
 * there ({@code --auth on}): the CA bundle that signed the nodes' certificates (required for TLS),
 * optionally a client certificate and key (PEM; the user is the certificate's CN), and optionally
 * a bearer token (sent as {@code authorization: Bearer <token>} on every call; it wins over the
 * certificate). The node's certificate must name the host the client dials (a DNS or IP SAN).
 *
 * @param caFile    CA bundle (PEM) the node certificates chain to
 * @param certFile  client certificate (PEM), or null
 * @param keyFile   its private key (PEM), or null (required with {@code certFile})
 * @param token     bearer token, or null
 */
public record ClientCredentials(Path caFile, Path certFile, Path keyFile, String token) {

    public ClientCredentials {
        Objects.requireNonNull(caFile, "caFile (the CA bundle that signed the nodes' certificates)");
        if ((certFile == null) != (keyFile == null)) {
            throw new IllegalArgumentException("a client certificate needs its key and a key its certificate");
        }
        for (Path p : new Path[] {caFile, certFile, keyFile}) {
            if (p != null && !Files.isReadable(p)) {
                throw new IllegalArgumentException("cannot read " + p);
            }
        }
        if (token != null && token.isBlank()) {
            token = null;
        }
    }

    /**
     * Credentials from etcdctl-style settings ({@code cacert}, {@code cert}, {@code key},
     * {@code token}; null or blank: unset), or null when no CA is given (plaintext).
     */
    public static ClientCredentials fromSettings(String cacert, String cert, String key, String token) {
        if (blank(cacert)) {
            if (!blank(cert) || !blank(key) || !blank(token)) {
                throw new IllegalArgumentException(
                        "--cert, --key and --token need --cacert (TLS): credentials are" + " never sent in plaintext");
            }
            return null;
        }
        return new ClientCredentials(
                Path.of(cacert),
                blank(cert) ? null : Path.of(cert),
                blank(key) ? null : Path.of(key),
                blank(token) ? null : token.trim());
    }

    /** Like {@link #fromSettings}, from environment variables {@code <prefix>CACERT}, {@code CERT}, {@code KEY}, {@code TOKEN}. */
    public static ClientCredentials fromEnvironment(Map<String, String> env, String prefix) {
        return fromSettings(
                env.get(prefix + "CACERT"),
                env.get(prefix + "CERT"),
                env.get(prefix + "KEY"),
                env.get(prefix + "TOKEN"));
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    /**
     * Makes {@code options} a TLS client that trusts {@link #caFile} and presents the certificate, if
     * any. The files are read (and the key store built) when Vert.x builds the client's SSL context:
     * once per client made from {@code options}. A client with many connections uses {@link #load}.
     */
    public HttpClientOptions secure(HttpClientOptions options) {
        options.setSsl(true)
                .setUseAlpn(true)
                .setVerifyHost(true)
                .setTrustOptions(new PemTrustOptions().addCertPath(caFile.toString()));
        if (certFile != null) {
            options.setKeyCertOptions(
                    new PemKeyCertOptions().setCertPath(certFile.toString()).setKeyPath(keyFile.toString()));
        }
        return options;
    }

    /**
     * The CA bundle and the client certificate read and turned into a trust manager and a key
     * manager <b>now</b>, once, for every connection of one client to share.
     *
     * <p>Why: Vert.x turns PEM options into an SSL context per HTTP client, and the key manager of
     * a PEM key is built through a PKCS#12 key store whose key protection costs two PBKDF2 runs of
     * 10,000 HMAC-SHA256 iterations. A client with 100 connections ({@code connections(100)}, one
     * Vert.x client each) paid that 100 times before its first call could leave, on a cold JVM: at
     * load ~10–40 on 2 CPUs the first calls of the benchmark's 1,000 clients all passed their
     * deadline, and so did every call after them (docs/results/2026-12-07-tls-client-stall.md).
     * Reads the files (blocking): call it where a client is built, not on an event loop.
     *
     * @throws IllegalArgumentException naming the file that could not be used
     */
    public Loaded load(Vertx vertx) {
        TrustManagerFactory trust;
        try {
            trust = new PemTrustOptions().addCertPath(caFile.toString()).getTrustManagerFactory(vertx);
        } catch (Exception e) {
            throw new IllegalArgumentException("cannot use CA bundle " + caFile + ": " + e, e);
        }
        KeyManagerFactory keys = null;
        if (certFile != null) {
            try {
                keys = new PemKeyCertOptions()
                        .setCertPath(certFile.toString())
                        .setKeyPath(keyFile.toString())
                        .getKeyManagerFactory(vertx);
            } catch (Exception e) {
                throw new IllegalArgumentException(
                        "cannot use client certificate " + certFile + " with key " + keyFile + ": " + e, e);
            }
        }
        return new Loaded(TrustOptions.wrap(trust), keys == null ? null : KeyCertOptions.wrap(keys));
    }

    /**
     * Loaded TLS material ({@link #load}): the same trust and key options for every connection.
     *
     * @param trust   trusts the CA bundle
     * @param keyCert presents the client certificate, or null (token or no authentication)
     */
    public record Loaded(TrustOptions trust, KeyCertOptions keyCert) {
        public Loaded {
            Objects.requireNonNull(trust, "trust");
        }

        /** Makes {@code options} a TLS client with this material (as {@link ClientCredentials#secure}). */
        public HttpClientOptions secure(HttpClientOptions options) {
            options.setSsl(true).setUseAlpn(true).setVerifyHost(true).setTrustOptions(trust);
            if (keyCert != null) {
                options.setKeyCertOptions(keyCert);
            }
            return options;
        }
    }

    /** {@code client}, adding the bearer token (if any) to every call. */
    public GrpcClient authorize(GrpcClient client) {
        if (token == null) {
            return client;
        }
        String header = "Bearer " + token;
        return new GrpcClient() {
            @Override
            public Future<GrpcClientRequest<io.vertx.core.buffer.Buffer, io.vertx.core.buffer.Buffer>> request(
                    Address server) {
                return client.request(server).map(this::withToken);
            }

            @Override
            public Future<GrpcClientRequest<io.vertx.core.buffer.Buffer, io.vertx.core.buffer.Buffer>> request() {
                return client.request().map(this::withToken);
            }

            @Override
            public <Req, Resp> Future<GrpcClientRequest<Req, Resp>> request(
                    Address server, ServiceMethod<Resp, Req> method) {
                return client.request(server, method).map(this::withToken);
            }

            @Override
            public <Req, Resp> Future<GrpcClientRequest<Req, Resp>> request(ServiceMethod<Resp, Req> method) {
                return client.request(method).map(this::withToken);
            }

            @Override
            public Future<Void> close() {
                return client.close();
            }

            private <Req, Resp> GrpcClientRequest<Req, Resp> withToken(GrpcClientRequest<Req, Resp> req) {
                req.headers().set("authorization", header);
                return req;
            }
        };
    }

    @Override
    public String toString() {
        return "ClientCredentials[ca=" + caFile + ", cert=" + certFile + ", token=" + (token == null ? "none" : "***")
                + "]";
    }
}
