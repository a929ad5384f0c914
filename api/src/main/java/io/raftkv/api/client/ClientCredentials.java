package io.raftkv.api.client;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.Address;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.common.ServiceMethod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

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

    /** Makes {@code options} a TLS client that trusts {@link #caFile} and presents the certificate, if any. */
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
