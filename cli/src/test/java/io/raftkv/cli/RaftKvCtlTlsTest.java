package io.raftkv.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.raftkv.node.security.CertificateNames;
import io.raftkv.testkit.FreePorts;
import io.raftkv.testkit.ManagedProcess;
import io.raftkv.testkit.NodeJvm;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * raftkvctl against one real node process with {@code --tls on --auth on} (docs/security.md,
 * "Clients"): a CA, the node's certificate, a client certificate (CN {@code alice}, role
 * {@code write}) and a token file ({@code writer} with {@code write}, {@code reader} with
 * {@code read}), all made here. Bearer tokens by flag and by {@code RAFTKV_CACERT}/{@code
 * RAFTKV_TOKEN}, and a client certificate, work; no credentials and a {@code read} user's put exit
 * 11 naming UNAUTHENTICATED / PERMISSION_DENIED without echoing a token; another CA fails the
 * handshake with a message saying so. The node is the runnable jar (see {@link RaftKvCtlNodeTest}).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RaftKvCtlTlsTest {
    private static final String CLUSTER = "ctl-tls";

    private static Path dir;
    private static ManagedProcess node;
    private static String endpoints;
    private static Path ca;
    private static Path otherCa;
    private static TestCerts.Leaf alice;
    private static String writerToken;
    private static String readerToken;

    record Result(int exit, String out, String err) {}

    @BeforeAll
    static void startNode() throws Exception {
        Path jar = NodeJar.path();
        dir = Files.createTempDirectory("raftkvctl-tls");
        Path tls = dir.resolve("tls");
        TestCerts.Ca authority = TestCerts.Ca.create("raftkvctl test CA");
        ca = authority.writeTo(tls.resolve("ca.crt"));
        otherCa = TestCerts.Ca.create("another CA").writeTo(tls.resolve("other-ca.crt"));
        TestCerts.Leaf member = authority.issue(tls, "member-1", "member-1", CertificateNames.memberUri(CLUSTER, 1));
        alice = authority.issue(tls, "alice", "alice");
        SecureRandom random = new SecureRandom();
        writerToken = token(random);
        readerToken = token(random);
        Path tokens = TestCerts.write(
                dir.resolve("tokens.csv"), "# token,user\n" + writerToken + ",writer\n" + readerToken + ",reader\n");
        Path roles = TestCerts.write(dir.resolve("roles"), "writer write\nreader read\nalice write\n");

        int[] ports = FreePorts.allocate(2);
        endpoints = "127.0.0.1:" + ports[0];
        String peer = "127.0.0.1:" + ports[1];
        List<String> args = List.of(
                "--id",
                "1",
                "--cluster-id",
                CLUSTER,
                "--client-addr",
                endpoints,
                "--peer-addr",
                peer,
                "--peers",
                "1=" + peer,
                "--peer-client-addrs",
                "1=" + endpoints,
                "--data-dir",
                dir.resolve("data").toString(),
                "--tls",
                "on",
                "--tls-cert",
                member.cert().toString(),
                "--tls-key",
                member.key().toString(),
                "--tls-ca",
                ca.toString(),
                "--auth",
                "on",
                "--auth-tokens",
                tokens.toString(),
                "--auth-roles",
                roles.toString());
        node = new ManagedProcess(
                "node-1",
                NodeJvm.fromJar(NodeJvm.DEFAULT_OPTIONS, dir.resolve("gc.log"), jar, args),
                Map.of(),
                dir.resolve("node.log"),
                dir.resolve("node.pid"));
        node.start();
        await("the node to lead and accept a token's put")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .failFast("the node exited", () -> !node.isAlive())
                .until(() -> ctl(Map.of(), "--cacert", ca.toString(), "--token", writerToken, "put", "ready", "1")
                                .exit()
                        == 0);
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.terminate(Duration.ofSeconds(30));
        }
    }

    static Result ctl(Map<String, String> env, String... args) {
        List<String> all = new ArrayList<>(List.of("--endpoints", endpoints, "--timeout", "5s"));
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = RaftKvCtl.run(all.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err), env);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void aTokenByFlagOrByEnvironmentPutsAndGets() {
        Result put = ctl(Map.of(), "--cacert", ca.toString(), "--token", writerToken, "put", "greeting", "hello");
        assertThat(put.exit()).as(put.err()).isZero();
        Result get = ctl(Map.of(), "--cacert", ca.toString(), "--token", writerToken, "get", "greeting");
        assertThat(get.exit()).as(get.err()).isZero();
        assertThat(get.out()).contains("hello");

        Map<String, String> env = Map.of("RAFTKV_CACERT", ca.toString(), "RAFTKV_TOKEN", writerToken);
        Result envPut = ctl(env, "put", "from-env", "yes");
        assertThat(envPut.exit()).as(envPut.err()).isZero();
        Result envGet = ctl(env, "get", "from-env");
        assertThat(envGet.exit()).as(envGet.err()).isZero();
        assertThat(envGet.out()).contains("yes");
        Result readerGet = ctl(Map.of("RAFTKV_CACERT", ca.toString(), "RAFTKV_TOKEN", readerToken), "get", "greeting");
        assertThat(readerGet.exit()).as(readerGet.err()).isZero();
        assertThat(readerGet.out()).contains("hello");
    }

    @Test
    void aClientCertificateAuthenticatesItsCommonName() {
        String[] creds = {
            "--cacert",
            ca.toString(),
            "--cert",
            alice.cert().toString(),
            "--key",
            alice.key().toString()
        };
        Result put = ctl(Map.of(), concat(creds, "put", "by-cert", "alice"));
        assertThat(put.exit()).as(put.err()).isZero();
        Result get = ctl(Map.of(), concat(creds, "get", "by-cert"));
        assertThat(get.exit()).as(get.err()).isZero();
        assertThat(get.out()).contains("alice");
    }

    @Test
    void noCredentialsExit11NamingUnauthenticated() {
        Result r = ctl(Map.of(), "--cacert", ca.toString(), "put", "anon", "x");
        System.out.println("RaftKvCtlTlsTest without credentials: exit " + r.exit() + ": "
                + r.err().strip());
        assertThat(r.exit())
                .as(r.err())
                .isEqualTo(ExitCode.NOT_AUTHORIZED.code())
                .isEqualTo(11);
        assertThat(r.err())
                .contains("UNAUTHENTICATED")
                .doesNotContain(writerToken)
                .doesNotContain(readerToken);
    }

    @Test
    void aReadUsersPutExits11NamingPermissionDeniedWithoutTheToken() {
        Result r = ctl(Map.of(), "--cacert", ca.toString(), "--token", readerToken, "put", "greeting", "overwritten");
        System.out.println("RaftKvCtlTlsTest read user's put: exit " + r.exit() + ": "
                + r.err().strip());
        assertThat(r.exit()).as(r.err()).isEqualTo(ExitCode.NOT_AUTHORIZED.code());
        assertThat(r.err())
                .contains("PERMISSION_DENIED")
                .contains("reader")
                .contains("write")
                .doesNotContain(readerToken)
                .doesNotContain(writerToken);
    }

    @Test
    void anotherCaFailsTheHandshakeWithAClearError() {
        Result r = ctl(Map.of(), "--cacert", otherCa.toString(), "--token", writerToken, "get", "x");
        System.out.println("RaftKvCtlTlsTest with another CA: exit " + r.exit() + ": "
                + r.err().strip());
        assertThat(r.exit()).as(r.err()).isNotZero();
        assertThat(r.err())
                .contains("UNAVAILABLE")
                .contains("TLS handshake failed (")
                .contains(otherCa.toString())
                .doesNotContain(writerToken);
    }

    private static String token(SecureRandom random) {
        byte[] bytes = new byte[24];
        random.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static String[] concat(String[] a, String... b) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }
}
