package io.raftkv.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.node.kv.KvReader;
import io.raftkv.node.metrics.PrometheusMetrics;
import io.raftkv.node.security.AuditLog;
import io.raftkv.node.security.AuthFiles;
import io.raftkv.node.security.ClientAuth;
import io.raftkv.node.security.ReloadingTls;
import io.raftkv.node.security.TestCa;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's {@code etcdctl} (3.4) with {@code --user} against a client port with TLS and
 * authentication on (a real handshake, a real state machine): etcd's Authenticate gives the token
 * etcdctl then sends in its {@code token} header, key-scoped roles apply to etcd's KV calls, wrong
 * passwords get etcd's error, and the user/role listing reads the roles file.
 */
class EtcdAuthTest {
    private static final String ETCDCTL = System.getProperty("raftkv.etcdctl.binary", "etcdctl");
    private static final String APP = "app-token-0123456789";
    private static final String ADMIN = "admin-token-0123456789";

    @TempDir
    Path dir;

    private final Vertx vertx = Vertx.vertx();
    private final TestCa ca = TestCa.create("ca");
    private final FakeRaftNode node = new FakeRaftNode();
    private final PrometheusMetrics.Registry metrics = PrometheusMetrics.create();
    private SingleNodeLog log;
    private ClientServer server;
    private Path caFile;

    @BeforeEach
    void setUp() throws IOException {
        log = new SingleNodeLog(dir.resolve("data"));
        node.onPropose = log::apply;
        ReloadingTls tls =
                ReloadingTls.load(vertx, ca.issue(TestCa.Leaf.member("c", 1)).writeTo(dir.resolve("node")));
        AuthFiles files = AuthFiles.of(APP + ",app\n" + ADMIN + ",ops\n", "app write /app/\nops admin\n");
        ClientAuth auth = new ClientAuth(tls, tls.trust(), files, new AuditLog(), ClientAuthTest.members(tls));
        caFile = Files.writeString(dir.resolve("ca.crt"), ca.caPem());
        server = ClientServerFixture.await(
                ClientServer.builder(vertx, node, ServerLimits.defaults(), metrics.prometheus())
                        .reader(KvReader.of(log::stateMachine))
                        .security(auth)
                        .start("127.0.0.1", 0));
    }

    @AfterEach
    void tearDown() {
        ClientServerFixture.await(server.close());
        ClientServerFixture.await(vertx.close());
        metrics.close();
        log.close();
    }

    @Test
    void etcdctlWithUserWritesAndReadsInsideItsPrefixAndIsRefusedOutside() {
        Result put = etcdctl("--user=app:" + APP, "put", "/app/greeting", "hello");
        assertThat(put.out).as(put.err).isEqualTo("OK\n");
        Result get = etcdctl("--user=app:" + APP, "get", "/app/greeting");
        assertThat(get.out).as(get.err).isEqualTo("/app/greeting\nhello\n");
        Result prefix = etcdctl("--user=app:" + APP, "get", "--prefix", "/app/");
        assertThat(prefix.out).isEqualTo("/app/greeting\nhello\n");

        Result outside = etcdctl("--user=app:" + APP, "put", "/other/k", "v");
        assertThat(outside.exit).isNotZero();
        assertThat(outside.err).contains("user 'app' lacks write on key '/other/k' (etcdserverpb.KV/Put)");
        Result everything = etcdctl("--user=app:" + APP, "get", "--prefix", "");
        assertThat(everything.exit).isNotZero();
        assertThat(everything.err).contains("lacks read");
        Result txn = etcdctl(
                "--user=app:" + APP,
                "txn",
                "--interactive=false",
                input("value(\"/app/greeting\") = \"hello\"\n\nput /other/x 1\n\n\n"));
        assertThat(txn.exit).isNotZero();
        assertThat(txn.err).contains("lacks write on key '/other/x'");
    }

    @Test
    void aWrongPasswordOrNoneIsRefusedWithEtcdsErrors() {
        Result wrong = etcdctl("--user=app:not-the-token-42", "get", "/app/k");
        assertThat(wrong.exit).isNotZero();
        assertThat(wrong.err).contains("authentication failed, invalid user ID or password");
        Result otherUsersToken = etcdctl("--user=app:" + ADMIN, "get", "/app/k");
        assertThat(otherUsersToken.err).contains("authentication failed, invalid user ID or password");
        Result none = etcdctl("get", "/app/k");
        assertThat(none.exit).isNotZero();
        assertThat(none.err).contains("requires authentication");
    }

    @Test
    void usersAndRolesAreReadFromTheRolesFileAndChangingThemIsUnimplemented() {
        assertThat(etcdctl("--user=ops:" + ADMIN, "user", "list").out).isEqualTo("app\nops\n");
        assertThat(etcdctl("--user=ops:" + ADMIN, "role", "list").out).isEqualTo("admin\nwrite:/app/\n");
        assertThat(etcdctl("--user=ops:" + ADMIN, "user", "get", "app").out)
                .isEqualTo("User: app\nRoles: write:/app/\n");
        Result role = etcdctl("--user=ops:" + ADMIN, "role", "get", "write:/app/");
        assertThat(role.out).contains("KV Read:").contains("[/app/, /app0)").contains("KV Write:");
        Result add = etcdctl("--user=ops:" + ADMIN, "user", "add", "eve:secret");
        assertThat(add.exit).isNotZero();
        assertThat(add.err).contains("spec.auth.users").contains("--auth-tokens and --auth-roles files");
        Result notAdmin = etcdctl("--user=app:" + APP, "user", "list");
        assertThat(notAdmin.err).contains("lacks admin");
    }

    @Test
    void aFollowerForwardsAWriteToTheLeaderOverTlsUnderTheCallersToken() {
        FakeRaftNode followerNode = new FakeRaftNode();
        followerNode.status = FakeRaftNode.follower(1, 5, "127.0.0.1:" + server.port());
        followerNode.onPropose =
                c -> Future.failedFuture(new io.raftkv.node.driver.NotLeaderException(1, "127.0.0.1:" + server.port()));
        ReloadingTls tls2 =
                ReloadingTls.load(vertx, ca.issue(TestCa.Leaf.member("c", 2)).writeTo(dir.resolve("node2")));
        AuthFiles files = AuthFiles.of(APP + ",app\n" + ADMIN + ",ops\n", "app write /app/\nops admin\n");
        ClientServer follower = ClientServerFixture.await(
                ClientServer.builder(vertx, followerNode, ServerLimits.defaults(), metrics.prometheus())
                        .reader(KvReader.of(log::stateMachine))
                        .security(new ClientAuth(tls2, tls2.trust(), files, new AuditLog()))
                        .start("127.0.0.1", 0));
        try {
            Result put = etcdctlAt(follower.port(), "--user=app:" + APP, "put", "/app/forwarded", "yes");
            assertThat(put.out).as(put.err).isEqualTo("OK\n");
            assertThat(followerNode.proposed).isEmpty();
            assertThat(etcdctl("--user=app:" + APP, "get", "--print-value-only", "/app/forwarded").out)
                    .isEqualTo("yes\n");
            // The leader authorizes the forwarded call as the caller: still only inside its prefix.
            Result outside = etcdctlAt(follower.port(), "--user=app:" + APP, "put", "/other/k", "v");
            assertThat(outside.err).contains("lacks write on key '/other/k'");

            // A caller known by its client certificate only: the follower names it to the leader,
            // which believes the name because the call comes on member 2's certificate.
            io.raftkv.node.security.TlsFiles app =
                    ca.issue(TestCa.Leaf.user("app")).writeTo(dir.resolve("app"));
            String cert = "--cert=" + dir.resolve("app/tls.crt");
            String key = "--key=" + dir.resolve("app/tls.key");
            Result byCert = etcdctlAt(follower.port(), cert, key, "put", "/app/by-cert", "yes");
            assertThat(byCert.out).as(byCert.err).isEqualTo("OK\n");
            assertThat(followerNode.proposed).isEmpty();
            assertThat(etcdctl("--user=app:" + APP, "get", "--print-value-only", "/app/by-cert").out)
                    .isEqualTo("yes\n");
            Result byCertOutside = etcdctlAt(follower.port(), cert, key, "put", "/other/k", "v");
            assertThat(byCertOutside.err).contains("user 'app' lacks write on key '/other/k'");
        } finally {
            ClientServerFixture.await(follower.close());
        }
    }

    // ------------------------------------------------------------------ etcdctl

    record Result(int exit, String out, String err) {}

    private record Input(String text) {}

    private static Input input(String text) {
        return new Input(text);
    }

    private Result etcdctl(Object... args) {
        return etcdctlAt(server.port(), args);
    }

    private Result etcdctlAt(int port, Object... args) {
        List<String> cmd = new ArrayList<>(List.of(
                ETCDCTL,
                "--endpoints=https://127.0.0.1:" + port,
                "--cacert=" + caFile,
                "--command-timeout=30s",
                "--dial-timeout=30s"));
        String stdin = null;
        for (Object a : args) {
            if (a instanceof Input i) {
                stdin = i.text();
            } else {
                cmd.add((String) a);
            }
        }
        try {
            Path err = Files.createTempFile(dir, "etcdctl", ".err");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(err.toFile());
            pb.environment().put("ETCDCTL_API", "3");
            Process p = pb.start();
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("etcdctl " + cmd + " did not finish in 60 s");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), Files.readString(err));
        } catch (IOException e) {
            throw new AssertionError("etcdctl (Debian package etcd-client) must be installed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
