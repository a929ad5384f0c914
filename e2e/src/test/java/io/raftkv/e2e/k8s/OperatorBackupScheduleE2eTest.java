package io.raftkv.e2e.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.raftkv.e2e.k8s.OperatorE2eHarness.ClusterStatusView;
import io.raftkv.testkit.S3rver;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A RaftKvBackupSchedule driven end to end ({@code make e2e}): a schedule firing every minute
 * ({@code * * * * *}, keep 1) against s3rver over https whose certificate a private CA signed (the
 * CA in a Secret, {@code target.s3.caBundle}): the operator creates a RaftKvBackup per firing, the
 * simulated kubelet runs each one's Job (raftkvctl trusting only that CA: a real TLS handshake),
 * both backups succeed with the SHA-256 of the stored object, and retention prunes the older one —
 * its RaftKvBackup deleted by the operator, its object by the second Job's {@code --prune-prefix}.
 * Then a new cluster restores the kept backup from its URL over https ({@code spec.restore.caBundle}:
 * the restore-fetch init container trusts only that CA) and holds every write acknowledged before.
 * Minute-granularity cron: about three minutes, so only in {@code make e2e}.
 */
@EnabledIfSystemProperty(named = "raftkv.e2e.full", matches = "true")
class OperatorBackupScheduleE2eTest {
    static final String NS = "e2e-schedule";
    static final String BUCKET = "scheduled";
    static final String SCHEDULE = "every-minute";

    @RegisterExtension
    static final E2eRig RIG = new E2eRig(NS);

    static S3rver s3;

    @BeforeAll
    static void start() throws Exception {
        Path dir = RIG.harness().runDir().resolve("s3rver-tls");
        Files.createDirectories(dir);
        KeyPair caKeys = keys();
        X500Name caName = new X500Name("CN=s3 e2e CA");
        X509v3CertificateBuilder caCert = builder(caName, caName, caKeys);
        caCert.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        caCert.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        String caPem = pem("CERTIFICATE", sign(caCert, caKeys));
        KeyPair serverKeys = keys();
        X509v3CertificateBuilder serverCert = builder(caName, new X500Name("CN=s3rver"), serverKeys);
        serverCert.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        serverCert.addExtension(
                Extension.subjectAlternativeName,
                false,
                new GeneralNames(new GeneralName(GeneralName.dNSName, "localhost")));
        Path cert = Files.writeString(
                dir.resolve("tls.crt"), pem("CERTIFICATE", sign(serverCert, caKeys)), StandardCharsets.US_ASCII);
        Path key = Files.writeString(
                dir.resolve("tls.key"),
                pem("PRIVATE KEY", serverKeys.getPrivate().getEncoded()),
                StandardCharsets.US_ASCII);
        s3 = S3rver.startTls(
                OperatorE2eHarness.buildDir("e2e").resolve("s3rver"), dir.resolve("data"), BUCKET, key, cert);
        RIG.harness()
                .client()
                .secrets()
                .inNamespace(NS)
                .resource(new SecretBuilder()
                        .withNewMetadata()
                        .withName("s3-credentials")
                        .withNamespace(NS)
                        .endMetadata()
                        .addToStringData("AWS_ACCESS_KEY_ID", S3rver.KEY)
                        .addToStringData("AWS_SECRET_ACCESS_KEY", S3rver.KEY)
                        .build())
                .create();
        RIG.harness()
                .client()
                .secrets()
                .inNamespace(NS)
                .resource(new SecretBuilder()
                        .withNewMetadata()
                        .withName("s3-ca")
                        .withNamespace(NS)
                        .endMetadata()
                        .addToStringData("ca.crt", caPem)
                        .build())
                .create();
    }

    @AfterAll
    static void stop() {
        if (s3 != null) {
            s3.close();
        }
    }

    @Test
    void aScheduleEveryMinuteTakesTwoBackupsOverHttpsAndPrunesTheOlder() throws Exception {
        long t0 = System.nanoTime();
        E2eCluster cluster =
                RIG.createAvailable("sched", "  image: raftkv/raftkv-node:0.1.0\n  tls:\n    enabled: false\n");
        // writes before the first firing: every backup holds them, and so must the restore below
        WriteLoad before = cluster.newLoad("before");
        before.start(2);
        E2eCluster.awaitAcknowledged(before, 100);
        E2eCluster.Checked written = cluster.stopAndVerify(before);
        // the certificate names localhost, not 127.0.0.1: the Jobs verify the host name too
        String endpoint = "https://localhost:" + s3.endpoint().getPort();
        RIG.harness().apply("""
        apiVersion: raftkv.io/v1alpha1
        kind: RaftKvBackupSchedule
        metadata:
          name: %s
          namespace: %s
        spec:
          clusterName: sched
          schedule: "* * * * *"
          timeout: 2m
          retention:
            maxCount: 1
          target:
            s3:
              endpoint: %s
              bucket: %s
              prefix: prod/
              credentialsSecret:
                name: s3-credentials
              caBundle:
                secret:
                  name: s3-ca
                  key: ca.crt
        """.formatted(SCHEDULE, NS, endpoint, BUCKET));

        List<String> succeeded = new java.util.ArrayList<>();
        await("two scheduled backups Succeeded")
                .atMost(Duration.ofMinutes(5))
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    for (GenericKubernetesResource b : backups()) {
                        Map<String, Object> s = status(b);
                        String name = b.getMetadata().getName();
                        assertThat(s.get("phase")).as("%s: %s", name, s).isNotEqualTo("Failed");
                        if ("Succeeded".equals(s.get("phase")) && !succeeded.contains(name)) {
                            succeeded.add(name);
                            assertThat(s).containsEntry("location", "s3://" + BUCKET + "/prod/" + name + ".snap");
                        }
                    }
                    assertThat(succeeded)
                            .as("scheduled backups Succeeded so far")
                            .hasSizeGreaterThanOrEqualTo(2);
                });
        succeeded.sort(null);
        String older = succeeded.get(0);
        assertThat(older).startsWith(SCHEDULE + "-").matches(".*-\\d{12}");
        // no third firing from here on, so the retention below has a fixed end state
        RIG.harness()
                .client()
                .genericKubernetesResources("raftkv.io/v1alpha1", "RaftKvBackupSchedule")
                .inNamespace(NS)
                .withName(SCHEDULE)
                .edit(r -> {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> spec =
                            (Map<String, Object>) r.getAdditionalProperties().get("spec");
                    spec.put("suspend", true);
                    return r;
                });

        String[] kept = new String[1];
        await("retention: one Succeeded backup left, the older ones pruned")
                .atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    List<GenericKubernetesResource> all = backups();
                    assertThat(all)
                            .as("every backup of the schedule finished")
                            .allMatch(b -> List.of("Succeeded", "Failed")
                                    .contains(status(b).get("phase")));
                    List<String> left = all.stream()
                            .filter(b -> "Succeeded".equals(status(b).get("phase")))
                            .map(b -> b.getMetadata().getName())
                            .toList();
                    assertThat(left).as("Succeeded backups kept (maxCount 1)").hasSize(1);
                    assertThat(left).doesNotContain(older);
                    kept[0] = left.get(0);
                });
        String newer = kept[0];
        Map<String, Object> newerStatus = status(RIG.harness()
                .client()
                .genericKubernetesResources("raftkv.io/v1alpha1", "RaftKvBackup")
                .inNamespace(NS)
                .withName(newer)
                .get());
        // the object store agrees: the newest Job pruned the others' objects
        Path prefix = s3.dataDir().resolve(BUCKET).resolve("prod");
        try (Stream<Path> files = Files.list(prefix)) {
            List<String> objects = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith("._S3rver_object"))
                    .sorted()
                    .toList();
            assertThat(objects).containsExactly(newer + ".snap._S3rver_object", newer + ".snap.sha256._S3rver_object");
        }
        Path stored = prefix.resolve(newer + ".snap._S3rver_object");
        assertThat(sha256(stored)).isEqualTo(newerStatus.get("sha256"));
        assertThat(((Number) newerStatus.get("bytes")).longValue()).isEqualTo(Files.size(stored));

        Map<String, Object> scheduleStatus = scheduleStatus();
        assertThat(scheduleStatus.get("lastSuccessfulBackup"))
                .as("%s", scheduleStatus)
                .isNotNull();
        assertThat(eventReasons()).contains("BackupCreated", "BackupPruned");
        System.out.printf(
                "schedule: backups %s Succeeded over https (private CA), %s pruned, %s kept; %.1f s in all%n",
                succeeded, older, newer, (System.nanoTime() - t0) / 1e9);
        E2eDiagnostics.report(
                "scheduled backups (every minute, keep 1, https with a private CA)",
                t0,
                written.result().acknowledged(),
                0);
        cluster.harness().cluster(NS, "sched").delete();

        restoreOverHttps(newer, before, ((Number) newerStatus.get("index")).longValue());
    }

    /**
     * A new cluster restored from the kept backup by its URL over https: pod 0's restore-fetch init
     * container runs {@code raftkvctl snapshot fetch} against s3rver trusting only the CA of {@code
     * spec.restore.caBundle} (a real TLS handshake with host-name check); the restored cluster holds
     * every write acknowledged before the backups.
     */
    private static void restoreOverHttps(String backup, WriteLoad before, long backupIndex) throws Exception {
        long t0 = System.nanoTime();
        RIG.harness()
                .client()
                .secrets()
                .inNamespace(NS)
                .resource(new SecretBuilder()
                        .withNewMetadata()
                        .withName("s3-credentials-https")
                        .withNamespace(NS)
                        .endMetadata()
                        .addToStringData("AWS_ACCESS_KEY_ID", S3rver.KEY)
                        .addToStringData("AWS_SECRET_ACCESS_KEY", S3rver.KEY)
                        .addToStringData(
                                "endpoint", "https://localhost:" + s3.endpoint().getPort())
                        .build())
                .create();
        E2eCluster restored = RIG.cluster("restored").create("""
          image: raftkv/raftkv-node:0.1.0
          tls:
            enabled: false
          restore:
            url: s3://%s/prod/%s.snap
            credentialsSecret: s3-credentials-https
            caBundle:
              secret:
                name: s3-ca
                key: ca.crt
        """.formatted(BUCKET, backup));
        ClusterStatusView s = restored.awaitAvailable(
                st -> assertThat(st.condition("Restored")).as("%s", st).contains("True"));
        double availableSeconds = (System.nanoTime() - t0) / 1e9;
        String done = Files.readString(
                RIG.harness().kubelet().claimDirectory(NS, "data-restored-0").resolve("restore.done"),
                StandardCharsets.UTF_8);
        assertThat(done).contains("at index " + backupIndex);
        List<String> lost = before.verify(restored.leaderAddress());
        assertThat(lost)
                .as("writes acknowledged before the backups, missing after the restore over https")
                .isEmpty();
        System.out.printf(
                "restore over https (private CA) of %s: Available with Restored=True %.1f s after the RaftKvCluster"
                        + " was created; %s%n",
                backup, availableSeconds, s.raw().get("restore"));
        E2eDiagnostics.report(
                "restore from s3 over https (spec.restore.url + caBundle)", t0, before.acknowledgedSoFar(), 0);
        RIG.harness().cluster(NS, "restored").delete();
    }

    private static String latest(List<String> names) {
        return names.stream().max(String::compareTo).orElse("");
    }

    private static List<GenericKubernetesResource> backups() {
        return RIG
                .harness()
                .client()
                .genericKubernetesResources("raftkv.io/v1alpha1", "RaftKvBackup")
                .inNamespace(NS)
                .list()
                .getItems()
                .stream()
                .filter(b -> b.getMetadata().getName().startsWith(SCHEDULE + "-"))
                .toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> status(GenericKubernetesResource r) {
        Object s = r == null ? null : r.getAdditionalProperties().get("status");
        return s instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static Map<String, Object> scheduleStatus() {
        return status(RIG.harness()
                .client()
                .genericKubernetesResources("raftkv.io/v1alpha1", "RaftKvBackupSchedule")
                .inNamespace(NS)
                .withName(SCHEDULE)
                .get());
    }

    private static List<String> eventReasons() {
        return RIG.harness().client().v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> e.getInvolvedObject() != null
                        && "RaftKvBackupSchedule".equals(e.getInvolvedObject().getKind()))
                .map(e -> e.getReason())
                .toList();
    }

    private static KeyPair keys() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        return g.generateKeyPair();
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

    private static byte[] sign(X509v3CertificateBuilder b, KeyPair signer) throws Exception {
        return b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate()))
                .getEncoded();
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        try (var in = new java.security.DigestInputStream(Files.newInputStream(file), d)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(d.digest());
    }
}
