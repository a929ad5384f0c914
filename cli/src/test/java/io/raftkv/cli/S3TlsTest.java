package io.raftkv.cli;

import static io.raftkv.cli.TestCerts.caCertificate;
import static io.raftkv.cli.TestCerts.keys;
import static io.raftkv.cli.TestCerts.leafCertificate;
import static io.raftkv.cli.TestCerts.pem;
import static io.raftkv.cli.TestCerts.write;
import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.api.fake.FakeCluster;
import io.raftkv.raft.SnapshotMetadata;
import io.raftkv.testkit.S3rver;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backups to an https S3 endpoint whose certificate a private CA signed: s3rver over TLS with a
 * certificate from a self-signed CA made here ({@link TestCerts}, BouncyCastle). {@code snapshot save} and
 * {@code snapshot fetch} with {@code --s3-ca-file} (or {@code AWS_CA_BUNDLE}) complete a real TLS
 * handshake and store/fetch the snapshot byte for byte; with another CA, or the JVM's default CAs,
 * they fail with exit 11 and a message naming the endpoint and the trust used, and leave nothing.
 */
class S3TlsTest {
    private static final String BUCKET = "tls";

    @TempDir
    static Path tmp;

    private static S3rver s3rver;
    private static FakeCluster cluster;
    private static Path snapshot;
    private static Path ca;
    private static Path otherCa;

    @BeforeAll
    static void start() throws Exception {
        KeyPair caKeys = keys();
        X509Certificate caCert = caCertificate("s3 test CA", caKeys);
        KeyPair serverKeys = keys();
        X509Certificate serverCert = leafCertificate(caCert, caKeys, serverKeys, "s3rver");
        ca = write(tmp.resolve("ca.crt"), pem("CERTIFICATE", caCert.getEncoded()));
        otherCa = write(
                tmp.resolve("other-ca.crt"),
                pem("CERTIFICATE", caCertificate("other CA", keys()).getEncoded()));
        Path cert = write(tmp.resolve("tls.crt"), pem("CERTIFICATE", serverCert.getEncoded()));
        Path key = write(
                tmp.resolve("tls.key"),
                pem("PRIVATE KEY", serverKeys.getPrivate().getEncoded()));
        s3rver = S3rver.startTls(S3BackupTest.INSTALL, tmp.resolve("s3rver"), BUCKET, key, cert);
        assertThat(s3rver.endpoint().getScheme()).isEqualTo("https");

        snapshot = tmp.resolve("source.snap");
        long seed = System.nanoTime();
        System.out.println("S3TlsTest value seed " + seed);
        Random random = new Random(seed);
        SnapshotMetadata meta = TestSnapshots.write(tmp.resolve("storage"), snapshot, 40, i -> {
            byte[] v = new byte[16 * 1024];
            random.nextBytes(v);
            return v;
        });
        cluster = FakeCluster.start(1);
        cluster.node(1).serveSnapshotFile(snapshot, meta.index(), meta.term(), 64 * 1024);
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        if (s3rver != null) {
            s3rver.close();
        }
    }

    record Result(int exit, String out, String err) {}

    private static Result ctl(Map<String, String> extraEnv, String... args) {
        List<String> all = new ArrayList<>(List.of("--endpoints", cluster.endpoints(), "--timeout", "20s"));
        all.addAll(List.of(args));
        Map<String, String> env = new HashMap<>(S3rver.CREDENTIALS);
        env.putAll(extraEnv);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = RaftKvCtl.run(all.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err), env);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void saveAndFetchOverHttpsTrustingThePrivateCa() throws Exception {
        String url = "s3://" + BUCKET + "/prod/a.snap";
        String endpoint = s3rver.endpoint().toString();
        Result saved = ctl(Map.of(), "snapshot", "save", url, "--s3-endpoint", endpoint, "--s3-ca-file", ca.toString());
        assertThat(saved.exit()).as(saved.err()).isZero();
        Path object = s3rver.dataDir().resolve(BUCKET).resolve("prod/a.snap._S3rver_object");
        assertThat(Files.size(object)).as("stored byte for byte").isEqualTo(Files.size(snapshot));

        Path fetched = tmp.resolve("fetched/a.snap");
        Result fetch = ctl(
                Map.of("AWS_CA_BUNDLE", ca.toString()),
                "snapshot",
                "fetch",
                url,
                fetched.toString(),
                "--s3-endpoint",
                endpoint);
        assertThat(fetch.exit()).as(fetch.err()).isZero();
        assertThat(Files.mismatch(fetched, snapshot)).isEqualTo(-1L);

        Result status = ctl(
                Map.of(),
                "snapshot",
                "status",
                url,
                "--s3-endpoint",
                endpoint,
                "--s3-ca-file",
                ca.toString(),
                "--scratch-dir",
                tmp.resolve("scratch").toString());
        assertThat(status.exit()).as(status.err()).isZero();
        Result untrusted = ctl(
                Map.of(),
                "snapshot",
                "status",
                url,
                "--s3-endpoint",
                endpoint,
                "--s3-ca-file",
                otherCa.toString(),
                "--scratch-dir",
                tmp.resolve("scratch").toString());
        assertThat(untrusted.exit()).as(untrusted.err()).isEqualTo(ExitCode.NOT_AUTHORIZED.code());
        assertThat(untrusted.err())
                .contains("NOT_AUTHORIZED: cannot fetch " + url + ": TLS handshake with " + endpoint);
    }

    @Test
    void anotherCaOrTheDefaultCasFailTheHandshakeWithAClearErrorAndLeaveNothing() throws Exception {
        String endpoint = s3rver.endpoint().toString();
        Result wrongCa = ctl(
                Map.of(),
                "snapshot",
                "save",
                "s3://" + BUCKET + "/wrong/a.snap",
                "--s3-endpoint",
                endpoint,
                "--s3-ca-file",
                otherCa.toString());
        System.out.println("S3TlsTest with another CA: " + wrongCa.err().strip());
        assertThat(wrongCa.exit()).as(wrongCa.err()).isEqualTo(ExitCode.NOT_AUTHORIZED.code());
        assertThat(wrongCa.err())
                .contains("NOT_AUTHORIZED: cannot upload to s3://" + BUCKET + "/wrong/a.snap")
                .contains("TLS handshake with " + endpoint + " failed, trusting only the CA bundle " + otherCa);
        assertThat(Files.exists(s3rver.dataDir().resolve(BUCKET).resolve("wrong")))
                .isFalse();

        Result defaults =
                ctl(Map.of(), "snapshot", "save", "s3://" + BUCKET + "/wrong/b.snap", "--s3-endpoint", endpoint);
        assertThat(defaults.exit()).as(defaults.err()).isEqualTo(ExitCode.NOT_AUTHORIZED.code());
        assertThat(defaults.err()).contains("trusting the JVM's default CAs (give the store's CA with --s3-ca-file");

        Path file = tmp.resolve("wrong/fetched.snap");
        Result fetch = ctl(
                Map.of("AWS_CA_BUNDLE", otherCa.toString()),
                "snapshot",
                "fetch",
                "s3://" + BUCKET + "/prod/a.snap",
                file.toString(),
                "--s3-endpoint",
                endpoint);
        assertThat(fetch.exit()).as(fetch.err()).isEqualTo(ExitCode.NOT_AUTHORIZED.code());
        assertThat(fetch.err()).contains("TLS handshake with " + endpoint + " failed, trusting only the CA bundle");
        assertThat(file).doesNotExist();
        assertThat(file.resolveSibling("fetched.snap.part")).doesNotExist();

        Path notPem = write(tmp.resolve("not-a-ca.pem"), "hello\n");
        Result bad = ctl(
                Map.of(),
                "snapshot",
                "fetch",
                "s3://" + BUCKET + "/prod/a.snap",
                file.toString(),
                "--s3-endpoint",
                endpoint,
                "--s3-ca-file",
                notPem.toString());
        assertThat(bad.exit()).as(bad.err()).isEqualTo(ExitCode.USAGE.code());
        assertThat(bad.err()).contains("CA bundle " + notPem);
    }
}
