package io.raftkv.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.protobuf.ByteString;
import io.raftkv.api.v1.ClusterGrpcClient;
import io.raftkv.api.v1.GetRequest;
import io.raftkv.api.v1.KVGrpcClient;
import io.raftkv.api.v1.PipelineRequest;
import io.raftkv.api.v1.PipelineResponse;
import io.raftkv.api.v1.PipelinedCall;
import io.raftkv.api.v1.PipelinedResult;
import io.raftkv.api.v1.PutRequest;
import io.raftkv.api.v1.RangeRequest;
import io.raftkv.api.v1.RemoveMemberRequest;
import io.raftkv.api.v1.StatusRequest;
import io.raftkv.node.metrics.PrometheusMetrics;
import io.raftkv.node.security.AuditLog;
import io.raftkv.node.security.AuthFiles;
import io.raftkv.node.security.ClientAuth;
import io.raftkv.node.security.ClientPortSecurity;
import io.raftkv.node.security.ReloadingTls;
import io.raftkv.node.security.TestCa;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.health.handler.GrpcHealthCheckV1Handler;
import io.vertx.grpc.health.v1.HealthCheckRequest;
import io.vertx.grpc.health.v1.HealthCheckResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The client port with TLS and authentication on, over real handshakes: bearer tokens and client
 * certificates, the three roles, key-prefix scopes, pipelined calls authorized one by one, the
 * audit trail, and what needs no credentials.
 */
class ClientAuthTest {
    private static final ServiceMethod<HealthCheckResponse, HealthCheckRequest> CHECK = ServiceMethod.client(
            GrpcHealthCheckV1Handler.SERVICE_METHOD.serviceName(),
            "Check",
            GrpcMessageEncoder.encoder(),
            GrpcMessageDecoder.decoder(HealthCheckResponse.newBuilder()));
    private static final String READER = "reader-token-0123456789";
    private static final String SCOPED = "scoped-token-0123456789";
    private static final String WRITER = "writer-token-0123456789";

    @TempDir
    Path dir;

    private final Vertx vertx = Vertx.vertx();
    private final TestCa ca = TestCa.create("ca");
    private final FakeRaftNode node = new FakeRaftNode();
    private final InMemoryKvReader reader = new InMemoryKvReader();
    private final PrometheusMetrics.Registry metrics = PrometheusMetrics.create();
    private final ListAppender<ILoggingEvent> audit = new ListAppender<>();
    private final java.util.concurrent.atomic.AtomicInteger membershipCalls =
            new java.util.concurrent.atomic.AtomicInteger();
    private ClientServer server;
    private ReloadingTls tls;

    @BeforeEach
    void setUp() {
        node.onMembership = (op, id) -> {
            membershipCalls.incrementAndGet();
            return Future.succeededFuture();
        };
        tls = ReloadingTls.load(vertx, ca.issue(TestCa.Leaf.member("c", 1)).writeTo(dir.resolve("node")));
        AuthFiles files = AuthFiles.of(
                READER + ",alice\n" + SCOPED + ",app\n" + WRITER + ",bob\n",
                "alice read\napp write /app/\nbob write\noperator admin\n");
        ClientAuth auth = new ClientAuth(tls, tls.trust(), files, new AuditLog(), members(tls));
        audit.start();
        ((Logger) LoggerFactory.getLogger("raftkv.audit")).addAppender(audit);
        server = await(ClientServer.builder(vertx, node, ServerLimits.defaults(), metrics.prometheus())
                .reader(reader)
                .security(auth)
                .start("127.0.0.1", 0));
    }

    @AfterEach
    void tearDown() {
        ((Logger) LoggerFactory.getLogger("raftkv.audit")).detachAppender(audit);
        await(server.close());
        await(vertx.close());
        metrics.close();
    }

    @Test
    void aCallWithoutCredentialsOrWithAnUnknownTokenIsUnauthenticated() {
        Reply none = call(client(null), null, KVGrpcClient.Get, get("k"));
        assertThat(none.status).isEqualTo(GrpcStatus.UNAUTHENTICATED);
        assertThat(none.message).contains("requires authentication");
        String wrong = "not-a-token-of-anyone-42";
        Reply unknown = call(client(null), wrong, KVGrpcClient.Get, get("k"));
        assertThat(unknown.status).isEqualTo(GrpcStatus.UNAUTHENTICATED);
        assertThat(unknown.message).contains("not recognized").doesNotContain(wrong);
        assertThat(auditLines()).anyMatch(l -> l.contains("\"outcome\":\"UNAUTHENTICATED\"") && !l.contains(wrong));
    }

    @Test
    void aReadClientReadsButIsRefusedPutAndRemoveMemberNamingTheMissingRole() {
        assertThat(call(client(null), READER, KVGrpcClient.Get, get("k")).status)
                .isEqualTo(GrpcStatus.OK);
        assertThat(call(client(null), READER, ClusterGrpcClient.Status, StatusRequest.getDefaultInstance()).status)
                .isEqualTo(GrpcStatus.OK);
        Reply put = call(client(null), READER, KVGrpcClient.Put, put("k"));
        assertThat(put.status).isEqualTo(GrpcStatus.PERMISSION_DENIED);
        assertThat(put.message)
                .contains("alice")
                .contains("lacks write")
                .contains("raftkv.v1.KV/Put")
                .doesNotContain(READER);
        Reply remove = call(
                client(null),
                READER,
                ClusterGrpcClient.RemoveMember,
                RemoveMemberRequest.newBuilder().setId(2).build());
        assertThat(remove.status).isEqualTo(GrpcStatus.PERMISSION_DENIED);
        assertThat(remove.message).contains("lacks admin");
        assertThat(membershipCalls.get()).isZero();
        // A writer may write, and still not change membership.
        assertThat(call(client(null), WRITER, KVGrpcClient.Put, put("k")).status)
                .isEqualTo(GrpcStatus.OK);
        assertThat(call(
                                client(null),
                                WRITER,
                                ClusterGrpcClient.RemoveMember,
                                RemoveMemberRequest.newBuilder().setId(2).build())
                        .status)
                .isEqualTo(GrpcStatus.PERMISSION_DENIED);
        assertThat(auditLines())
                .anyMatch(l -> l.contains("\"user\":\"alice\"")
                        && l.contains("RemoveMember")
                        && l.contains("PERMISSION_DENIED")
                        && l.contains("\"peer\":\"127.0.0.1:"));
    }

    @Test
    void aClientCertificateAuthenticatesItsCommonNameAndAdminCallsAreAudited() {
        GrpcClient operator = client(ca.issue(TestCa.Leaf.user("operator")));
        Reply remove = call(
                operator,
                null,
                ClusterGrpcClient.RemoveMember,
                RemoveMemberRequest.newBuilder().setId(2).build());
        assertThat(remove.status).isEqualTo(GrpcStatus.OK);
        assertThat(membershipCalls.get()).isEqualTo(1);
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(10))
                .until(() -> auditLines().stream()
                        .anyMatch(l -> l.contains("\"user\":\"operator\"")
                                && l.contains("\"auth\":\"certificate\"")
                                && l.contains("raftkv.v1.Cluster/RemoveMember")
                                && l.contains("\"outcome\":\"OK\"")));
        // A certificate whose user has no binding is refused; an expired one fails the handshake.
        assertThat(call(client(ca.issue(TestCa.Leaf.user("mallory"))), null, KVGrpcClient.Get, get("k")).status)
                .isEqualTo(GrpcStatus.PERMISSION_DENIED);
        Reply expired =
                call(client(ca.issue(TestCa.Leaf.user("operator").expired())), null, KVGrpcClient.Get, get("k"));
        assertThat(expired.status).isNotEqualTo(GrpcStatus.OK);
        assertThat(expired.transportFailure).isTrue();
        // Another CA's certificate: the client's TLS stack does not even offer it (the server names
        // the CAs it accepts), so the call arrives without credentials.
        Reply foreign = call(
                client(TestCa.create("other").issue(TestCa.Leaf.user("operator"))), null, KVGrpcClient.Get, get("k"));
        assertThat(foreign.transportFailure || foreign.status == GrpcStatus.UNAUTHENTICATED)
                .as("foreign certificate: %s %s", foreign.status, foreign.message)
                .isTrue();
    }

    @Test
    void aScopedWriterReachesOnlyItsPrefixAndEveryPipelinedCallIsAuthorized() {
        assertThat(call(client(null), SCOPED, KVGrpcClient.Put, put("/app/x")).status)
                .isEqualTo(GrpcStatus.OK);
        Reply outside = call(client(null), SCOPED, KVGrpcClient.Put, put("/other/x"));
        assertThat(outside.status).isEqualTo(GrpcStatus.PERMISSION_DENIED);
        assertThat(outside.message).contains("key '/other/x'").contains("write on prefix '/app/'");
        assertThat(call(
                                client(null),
                                SCOPED,
                                KVGrpcClient.Range,
                                RangeRequest.newBuilder()
                                        .setPrefix(bytes("/app/"))
                                        .build())
                        .status)
                .isEqualTo(GrpcStatus.OK);
        assertThat(call(client(null), SCOPED, KVGrpcClient.Range, RangeRequest.getDefaultInstance()).status)
                .isEqualTo(GrpcStatus.PERMISSION_DENIED);

        PipelineRequest calls = PipelineRequest.newBuilder()
                .addCalls(PipelinedCall.newBuilder().setId(1).setPut(put("/app/a")))
                .addCalls(PipelinedCall.newBuilder().setId(2).setPut(put("/secret")))
                .addCalls(PipelinedCall.newBuilder().setId(3).setGet(get("/app/a")))
                .build();
        Reply pipeline = call(client(null), SCOPED, KVGrpcClient.Pipeline, calls);
        assertThat(pipeline.status).isEqualTo(GrpcStatus.OK);
        List<PipelinedResult> results = new ArrayList<>();
        pipeline.messages.forEach(m -> results.addAll(((PipelineResponse) m).getResultsList()));
        assertThat(results).hasSize(3);
        for (PipelinedResult r : results) {
            if (r.getId() == 2) {
                assertThat(r.getError().getCode()).isEqualTo(GrpcStatus.PERMISSION_DENIED.code);
                assertThat(r.getError().getMessage()).contains("key '/secret'");
            } else {
                assertThat(r.hasError()).as("call %d", r.getId()).isFalse();
            }
        }
    }

    @Test
    void healthNeedsNoCredentialsAndTheHttpEndpointsAreNotOnTheClientPort() {
        Reply health = call(client(null), null, CHECK, HealthCheckRequest.getDefaultInstance());
        assertThat(health.status).isEqualTo(GrpcStatus.OK);
        assertThat(((HealthCheckResponse) health.messages.get(0)).getStatus()).isNotNull();
        io.vertx.core.http.HttpClient https = vertx.createHttpClient(new HttpClientOptions()
                .setSsl(true)
                .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(ca.caPem()))));
        int status = await(https.request(io.vertx.core.http.HttpMethod.GET, server.port(), "127.0.0.1", "/metrics")
                .compose(r -> r.send())
                .map(io.vertx.core.http.HttpClientResponse::statusCode));
        assertThat(status).isEqualTo(404);
    }

    // ------------------------------------------------------------------ helpers

    private List<String> auditLines() {
        return audit.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    private static ByteString bytes(String s) {
        return ByteString.copyFrom(s, StandardCharsets.UTF_8);
    }

    private static GetRequest get(String key) {
        return GetRequest.newBuilder().setKey(bytes(key)).build();
    }

    private static PutRequest put(String key) {
        return PutRequest.newBuilder().setKey(bytes(key)).setValue(bytes("v")).build();
    }

    private GrpcClient client(TestCa.Issued cert) {
        HttpClientOptions http = new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_2)
                .setSsl(true)
                .setUseAlpn(true)
                .setVerifyHost(true)
                .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(ca.caPem())));
        if (cert != null) {
            http.setKeyCertOptions(new PemKeyCertOptions()
                    .setCertValue(Buffer.buffer(cert.certPem()))
                    .setKeyValue(Buffer.buffer(cert.keyPem())));
        }
        return GrpcClient.client(vertx, http);
    }

    /** One call's outcome; {@code transportFailure} when it never got a gRPC status (e.g. a failed handshake). */
    record Reply(GrpcStatus status, String message, List<Object> messages, boolean transportFailure) {}

    /** Members 1 and 2 of cluster "c" (by their certificates' member URIs). */
    static io.raftkv.node.security.PeerTls members(ReloadingTls tls) {
        return new io.raftkv.node.security.PeerTls(
                tls,
                io.raftkv.node.NodeConfig.clusterIdOf("c"),
                io.raftkv.node.NodeConfig::clusterIdOf,
                () -> List.of(
                        new io.raftkv.node.security.PeerTls.Member(1, "127.0.0.1:1"),
                        new io.raftkv.node.security.PeerTls.Member(2, "127.0.0.1:2")));
    }

    @Test
    void aForwardedCallerIsBelievedOnlyOnACurrentMembersConnection() {
        TestCa.Issued member = ca.issue(TestCa.Leaf.member("c", 2));
        assertThat(call(client(member), null, "bob", KVGrpcClient.Put, put("k")).status)
                .as("a member forwards bob's write: served as bob")
                .isEqualTo(GrpcStatus.OK);
        Reply asAlice = call(client(member), null, "alice", KVGrpcClient.Put, put("k"));
        assertThat(asAlice.status).isEqualTo(GrpcStatus.PERMISSION_DENIED);
        assertThat(asAlice.message).contains("user 'alice'");

        Reply spoofed = call(client(ca.issue(TestCa.Leaf.user("alice"))), null, "bob", KVGrpcClient.Put, put("k"));
        assertThat(spoofed.status)
                .as("a user's certificate cannot name another caller")
                .isEqualTo(GrpcStatus.UNAUTHENTICATED);
        assertThat(spoofed.message).contains("accepted only from a member's connection");
        assertThat(call(client(null), READER, "bob", KVGrpcClient.Put, put("k")).status)
                .as("nor can a token")
                .isEqualTo(GrpcStatus.UNAUTHENTICATED);
        Reply removed = call(client(ca.issue(TestCa.Leaf.member("c", 7))), null, "bob", KVGrpcClient.Put, put("k"));
        assertThat(removed.status).as("nor a member that is not current").isEqualTo(GrpcStatus.UNAUTHENTICATED);
        assertThat(removed.message).contains("not a current member");
    }

    private <Req, Resp> Reply call(GrpcClient client, String token, ServiceMethod<Resp, Req> method, Req request) {
        return call(client, token, null, method, request);
    }

    private <Req, Resp> Reply call(
            GrpcClient client, String token, String forwardedUser, ServiceMethod<Resp, Req> method, Req request) {
        Promise<Reply> done = Promise.promise();
        client.request(SocketAddress.inetSocketAddress(server.port(), "127.0.0.1"), method)
                .onComplete(rar -> {
                    if (rar.failed()) {
                        done.complete(new Reply(null, rar.cause().toString(), List.of(), true));
                        return;
                    }
                    var req = rar.result();
                    if (token != null) {
                        req.headers().set("authorization", "Bearer " + token);
                    }
                    if (forwardedUser != null) {
                        req.headers().set(ClientPortSecurity.FORWARDED_USER, forwardedUser);
                    }
                    req.send(request).onComplete(sar -> {
                        if (sar.failed()) {
                            done.tryComplete(new Reply(null, sar.cause().toString(), List.of(), true));
                            return;
                        }
                        var resp = sar.result();
                        List<Object> messages = new ArrayList<>();
                        resp.handler(messages::add);
                        resp.endHandler(v -> done.tryComplete(
                                new Reply(resp.status(), resp.statusMessage(), List.copyOf(messages), false)));
                        resp.exceptionHandler(err -> done.tryComplete(new Reply(
                                resp.status(), String.valueOf(err), List.copyOf(messages), resp.status() == null)));
                    });
                });
        try {
            return await(done.future());
        } finally {
            client.close();
        }
    }

    private static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
