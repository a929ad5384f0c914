package io.raftkv.operator.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Grpc;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.stub.StreamObserver;
import io.raftkv.api.v1.ClusterGrpc;
import io.raftkv.api.v1.Role;
import io.raftkv.api.v1.StatusRequest;
import io.raftkv.api.v1.StatusResponse;
import io.raftkv.operator.TestClusters;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.security.TlsPlan;
import io.raftkv.operator.security.TlsPlanner;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link GrpcNodeAdmin} over a real TLS handshake with a server that requires a client
 * certificate, using what the operator's CA issued: the node's certificate is checked against
 * the CA bundle and the pod's DNS name, the operator presents its own certificate, and a
 * renewal rebuilds the channel.
 */
class GrpcNodeAdminTlsTest {

    private final RaftKvCluster cluster = TestClusters.stored("ns", "kv", 3);
    private final CopyOnWriteArrayList<String> callers = new CopyOnWriteArrayList<>();
    private TlsPlan plan;
    private Server server;
    private GrpcNodeAdmin admin;
    private AdminCredentials credentials;

    @BeforeEach
    void start() throws Exception {
        plan = new TlsPlanner().plan(cluster, 3, Map.of(), Map.of(), Map.of(), Instant.now());
        ServerInterceptor recordCaller = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(
                    ServerCall<Q, R> call, io.grpc.Metadata headers, ServerCallHandler<Q, R> next) {
                SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
                try {
                    callers.add(((X509Certificate) session.getPeerCertificates()[0])
                            .getSubjectX500Principal()
                            .getName());
                } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                    callers.add("none");
                }
                return next.startCall(call, headers);
            }
        };
        server = Grpc.newServerBuilderForPort(
                        0,
                        TlsServerCredentials.newBuilder()
                                .keyManager(
                                        pem(plan.memberSecret().get("kv-1.crt")),
                                        pem(plan.memberSecret().get("kv-1.key")))
                                .trustManager(pem(plan.memberSecret().get("ca.crt")))
                                .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
                                .build())
                .addService(ServerInterceptors.intercept(
                        new ClusterGrpc.ClusterImplBase() {
                            @Override
                            public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
                                out.onNext(StatusResponse.newBuilder()
                                        .setId(2)
                                        .setRole(Role.LEADER)
                                        .setTerm(3)
                                        .build());
                                out.onCompleted();
                            }
                        },
                        recordCaller))
                .build()
                .start();
        credentials = new AdminCredentials();
        // generous: a first TLS handshake on a loaded 2-core machine took over 4 s
        admin = new GrpcNodeAdmin(Duration.ofSeconds(30), Duration.ofSeconds(30), credentials);
    }

    @AfterEach
    void stop() {
        admin.close();
        server.shutdownNow();
    }

    @Test
    void callsGoOverTlsAsTheOperatorAndANodeNamedOtherwiseIsRefused() {
        String target = "127.0.0.1:" + server.getPort();
        // ordinal 1's dial target is this server; its certificate names kv-1's DNS name
        NodeEndpoints endpoints = (c, ordinal) -> ordinal == 1 ? target : "unused-" + ordinal;
        String ca = plan.caSecret().get("ca.crt");
        credentials.register(
                cluster,
                endpoints,
                Optional.of(ordinal -> new ClientTls(
                        ca,
                        plan.caSecret().get("operator.crt"),
                        plan.caSecret().get("operator.key"),
                        io.raftkv.operator.dependents.ClusterObjects.podHost(cluster, ordinal))));

        assertThat(admin.status(target).term()).isEqualTo(3);
        assertThat(callers).containsExactly("CN=raftkv-operator");

        // the same server reached as if it were kv-0: its certificate does not name kv-0
        credentials.register(
                cluster,
                endpoints,
                Optional.of(ordinal -> new ClientTls(
                        ca,
                        plan.caSecret().get("operator.crt"),
                        plan.caSecret().get("operator.key"),
                        io.raftkv.operator.dependents.ClusterObjects.podHost(cluster, 0))));
        assertThatThrownBy(() -> admin.status(target))
                .isInstanceOf(NodeAdminException.class)
                .hasMessageContaining("UNAVAILABLE");

        // without credentials (plaintext) the TLS server cannot be reached either
        credentials.register(cluster, endpoints, Optional.empty());
        assertThatThrownBy(() -> admin.status(target)).isInstanceOf(NodeAdminException.class);
        assertThat(callers).containsExactly("CN=raftkv-operator");
    }

    private static InputStream pem(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII));
    }
}
