package io.raftkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.api.fake.FakeCluster;
import io.raftkv.raft.SnapshotMetadata;
import io.raftkv.testkit.S3rver;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backups to an https S3 endpoint whose certificate a private CA signed: s3rver over TLS with a
 * certificate from a self-signed CA made here (BouncyCastle). {@code snapshot save} and
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
        X509Certificate serverCert = serverCertificate(caCert, caKeys, serverKeys);
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

    private static KeyPair keys() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        return g.generateKeyPair();
    }

    private static X509Certificate caCertificate(String name, KeyPair keys) throws Exception {
        X500Name subject = new X500Name("CN=" + name);
        X509v3CertificateBuilder b = builder(subject, subject, keys);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        return sign(b, keys);
    }

    private static X509Certificate serverCertificate(X509Certificate ca, KeyPair caKeys, KeyPair keys)
            throws Exception {
        X509v3CertificateBuilder b = builder(
                X500Name.getInstance(ca.getSubjectX500Principal().getEncoded()), new X500Name("CN=s3rver"), keys);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
            new GeneralName(
                    GeneralName.iPAddress, InetAddress.getLoopbackAddress().getHostAddress()),
            new GeneralName(GeneralName.dNSName, "localhost")
        }));
        return sign(b, caKeys);
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(
                issuer,
                BigInteger.valueOf(System.nanoTime()),
                Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(Duration.ofDays(1))),
                subject,
                keys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair signer) throws Exception {
        return new JcaX509CertificateConverter()
                .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static Path write(Path file, String text) throws Exception {
        Files.writeString(file, text, StandardCharsets.US_ASCII);
        return file;
    }
}
