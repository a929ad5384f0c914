package io.raftkv.e2e.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.raftkv.api.v1.MemberRole;
import io.raftkv.api.v1.StatusResponse;
import io.raftkv.testkit.S3rver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 22, backups as resources end to end ({@code make e2e}): a cluster takes writes; two
 * {@code RaftKvBackup}s run as Jobs (the simulated kubelet's Job controller runs raftkvctl from the
 * node image's jars as a real process) while a second load keeps writing — one to a PVC, one to a
 * real S3-protocol server (s3rver) — and report Succeeded with index, size and checksums that match
 * what was stored. Then new RaftKvClusters with {@code spec.restore.backupName} bootstrap from each:
 * the restored state hash equals the backup's ({@code raftkvctl snapshot status}), the members have
 * fresh ids, pod 0 never answers with less than the backup's index, and every write acknowledged
 * before the backup started is read back.
 */
@EnabledIfSystemProperty(named = "raftkv.e2e.full", matches = "true")
@ExtendWith(E2eDiagnostics.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorBackupE2eTest {

    static final String NS = "bk";
    static final String SOURCE = "src";
    static final String BUCKET = "backups";
    static final Duration STEP_TIMEOUT = Duration.ofMinutes(5);

    static OperatorE2eHarness harness;
    static S3rver s3;
    static WriteLoad beforeBackup;
    static Set<Long> sourceIds;
    static long sourceClusterId;

    @BeforeAll
    static void start() throws Exception {
        harness = OperatorE2eHarness.start(NS);
        E2eDiagnostics.register(harness);
        s3 = S3rver.start(
                OperatorE2eHarness.buildDir("e2e").resolve("s3rver"),
                harness.runDir().resolve("s3rver-data"),
                BUCKET);
    }

    @AfterAll
    static void stop() throws Exception {
        if (s3 != null) {
            s3.close();
        }
        if (harness != null) {
            harness.close();
        }
    }

    @Test
    @Order(1)
    void backupsToAPvcAndToS3SucceedUnderWriteLoadWithTheirChecksums() throws Exception {
        long t0 = System.nanoTime();
        harness.apply(OperatorRestoreE2eTest.cluster(SOURCE, NS, ""));
        awaitThreeVoters(SOURCE);
        beforeBackup = load("before");
        beforeBackup.start(2);
        await("writes acknowledged").atMost(Duration.ofMinutes(2)).untilAsserted(() -> {
            assertThat(beforeBackup.unexpectedSoFar()).isEmpty();
            assertThat(beforeBackup.acknowledgedSoFar()).isGreaterThanOrEqualTo(150);
        });
        assertThat(beforeBackup.stop().unexpected()).isEmpty();
        StatusResponse sourceStatus = harness.nodeStatus(NS, SOURCE, 0);
        sourceIds = sourceStatus.getMembersList().stream().map(m -> m.getId()).collect(Collectors.toSet());
        sourceClusterId = sourceStatus.getHeader().getClusterId();

        harness.client()
                .persistentVolumeClaims()
                .inNamespace(NS)
                .resource(new PersistentVolumeClaimBuilder()
                        .withNewMetadata()
                        .withName("backups")
                        .withNamespace(NS)
                        .endMetadata()
                        .withNewSpec()
                        .withAccessModes("ReadWriteOnce")
                        .withNewResources()
                        .addToRequests("storage", new Quantity("1Gi"))
                        .endResources()
                        .endSpec()
                        .build())
                .create();
        harness.client()
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

        WriteLoad during = load("during");
        during.start(1);
        harness.apply(backup("to-pvc", """
            pvc:
              claimName: backups
              path: nightly
        """));
        harness.apply(backup("to-s3", """
            s3:
              endpoint: %s
              bucket: %s
              prefix: prod/
              credentialsSecret:
                name: s3-credentials
        """.formatted(s3.endpoint(), BUCKET)));
        Map<String, Object> pvc = awaitBackup("to-pvc", "Succeeded");
        Map<String, Object> toS3 = awaitBackup("to-s3", "Succeeded");
        assertThat(during.stop().unexpected()).isEmpty();

        assertThat(pvc).containsEntry("location", "pvc://backups/nightly/to-pvc.snap");
        Path file = harness.kubelet().claimDirectory(NS, "backups").resolve("nightly/to-pvc.snap");
        assertThat(((Number) pvc.get("bytes")).longValue()).isEqualTo(Files.size(file));
        assertThat(pvc.get("sha256")).isEqualTo(sha256(file));
        assertThat(Files.readString(file.resolveSibling("to-pvc.snap.sha256"))).startsWith(sha256(file) + "  ");
        assertThat(toS3).containsEntry("location", "s3://" + BUCKET + "/prod/to-s3.snap");
        for (Map<String, Object> s : List.of(pvc, toS3)) {
            assertThat(((Number) s.get("index")).longValue()).isPositive();
            assertThat(s.get("revision")).as("store revision in %s", s).isInstanceOf(Number.class);
            assertThat(((Number) s.get("revision")).longValue()).isGreaterThan(150);
            assertThat(String.valueOf(s.get("sourceMember"))).isNotEmpty();
            assertThat(s.get("jobName")).isNotNull();
        }
        System.out.printf(
                "backup: to-pvc %s bytes at index %s in %s s, to-s3 %s bytes at index %s in %s s%n",
                pvc.get("bytes"),
                pvc.get("index"),
                pvc.get("durationSeconds"),
                toS3.get("bytes"),
                toS3.get("index"),
                toS3.get("durationSeconds"));
        // the restores below need no source: it goes (and its CPU with it)
        harness.cluster(NS, SOURCE).delete();
        E2eDiagnostics.report(
                "backups (RaftKvBackup -> Job -> PVC and S3 under write load)",
                t0,
                beforeBackup.acknowledgedSoFar(),
                0);
    }

    @Test
    @Order(2)
    void aClusterRestoredFromThePvcBackupHoldsItsStateUnderFreshIds() throws Exception {
        Map<String, Object> backup = backupStatus("to-pvc");
        Path file = harness.kubelet().claimDirectory(NS, "backups").resolve("nightly/to-pvc.snap");
        String backupHash = stateHashOf(List.of(file.toString()), Map.of());
        restoreAndVerify("from-pvc", "to-pvc", backup, backupHash);
    }

    @Test
    @Order(3)
    void aClusterRestoredFromTheS3BackupHoldsItsStateUnderFreshIds() throws Exception {
        Map<String, Object> backup = backupStatus("to-s3");
        String backupHash = stateHashOf(
                List.of(
                        String.valueOf(backup.get("location")),
                        "--s3-endpoint",
                        s3.endpoint().toString(),
                        "--s3-path-style",
                        "true",
                        "--scratch-dir",
                        harness.runDir().resolve("scratch").toString()),
                S3rver.CREDENTIALS);
        restoreAndVerify("from-s3", "to-s3", backup, backupHash);
    }

    @Test
    @Order(4)
    void aRestoreFromAMissingOrCorruptBackupFailsWithItsReasonAndTouchesNothing() throws Exception {
        long t0 = System.nanoTime();
        // corrupt: a copy of the PVC backup with one byte flipped, named with the original's SHA-256
        Path original = harness.kubelet().claimDirectory(NS, "backups").resolve("nightly/to-pvc.snap");
        Path damaged = original.resolveSibling("damaged.snap");
        byte[] bytes = Files.readAllBytes(original);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(damaged, bytes);
        harness.apply(OperatorRestoreE2eTest.cluster("corrupt", NS, """
          restore:
            pvc:
              claimName: backups
              path: nightly/damaged.snap
            sha256: %s
        """.formatted(sha256(original))));
        // missing: an object that is not in the bucket
        harness.apply(OperatorRestoreE2eTest.cluster("missing", NS, """
          restore:
            url: s3://%s/prod/no-such-backup.snap
            credentialsSecret: s3-credentials-with-endpoint
        """.formatted(BUCKET)));
        harness.client()
                .secrets()
                .inNamespace(NS)
                .resource(new SecretBuilder()
                        .withNewMetadata()
                        .withName("s3-credentials-with-endpoint")
                        .withNamespace(NS)
                        .endMetadata()
                        .addToStringData("AWS_ACCESS_KEY_ID", S3rver.KEY)
                        .addToStringData("AWS_SECRET_ACCESS_KEY", S3rver.KEY)
                        .addToStringData("endpoint", s3.endpoint().toString())
                        .build())
                .create();
        for (var expected : Map.of("corrupt", "RestoreSourceCorrupt", "missing", "RestoreSourceMissing")
                .entrySet()) {
            String name = expected.getKey();
            await(name + ": restore Failed with " + expected.getValue())
                    .atMost(STEP_TIMEOUT)
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> {
                        var status = harness.status(NS, name);
                        @SuppressWarnings("unchecked")
                        Map<String, Object> restore =
                                (Map<String, Object>) status.raw().get("restore");
                        assertThat(restore).as("%s", status).isNotNull();
                        assertThat(restore)
                                .as("%s", status)
                                .containsEntry("phase", "Failed")
                                .containsEntry("reason", expected.getValue());
                        assertThat(status.condition("Degraded")).contains("True");
                        assertThat(status.condition("Restored")).contains("False");
                    });
            var status = harness.status(NS, name);
            System.out.println("restore " + name + ": " + status.raw().get("restore"));
            Path volume = harness.kubelet().claimDirectory(NS, "data-" + name + "-0");
            assertThat(volume.resolve("storage")).as("nothing restored").doesNotExist();
            assertThat(volume.resolve("restore.done")).doesNotExist();
            assertThat(harness.podAddresses(NS, name)).as("only pod 0 exists").hasSize(1);
        }
        assertThat(sha256(original))
                .as("the source is only read")
                .isEqualTo(backupStatus("to-pvc").get("sha256"));
        var events = harness.client().v1().events().inNamespace(NS).list().getItems().stream()
                .map(e -> e.getReason() + ": " + e.getMessage())
                .filter(e -> e.startsWith("RestoreSource"))
                .toList();
        assertThat(events)
                .anyMatch(e -> e.startsWith("RestoreSourceCorrupt"))
                .anyMatch(e -> e.startsWith("RestoreSourceMissing"));
        harness.cluster(NS, "corrupt").delete();
        harness.cluster(NS, "missing").delete();
        E2eDiagnostics.report("failed restores (corrupt file, missing object)", t0, 0, 0);
    }

    private void restoreAndVerify(String name, String backupName, Map<String, Object> backup, String backupHash)
            throws Exception {
        long t0 = System.nanoTime();
        long backupIndex = ((Number) backup.get("index")).longValue();
        harness.apply(OperatorRestoreE2eTest.cluster(name, NS, """
          restore:
            backupName: %s
        """.formatted(backupName)));
        // pod 0 answers only once the restore is complete: never with less than the backup's index
        await(name + ": restored member leads")
                .atMost(STEP_TIMEOUT)
                .pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> {
                    try {
                        StatusResponse s = harness.nodeStatus(NS, name, 0);
                        assertThat(s.getAppliedIndex())
                                .as("pod 0 answered before its restore was complete")
                                .isGreaterThanOrEqualTo(backupIndex);
                    } catch (RuntimeException notServingYet) {
                        // not listening yet: what a restoring member does
                    }
                    assertThat(harness.status(NS, name).leader()).isNotEmpty();
                });
        double leadSeconds = (System.nanoTime() - t0) / 1e9;
        awaitThreeVoters(name);
        double votersSeconds = (System.nanoTime() - t0) / 1e9;
        var status = harness.status(NS, name);
        assertThat(status.condition("Restored")).as("%s", status).contains("True");

        String done = Files.readString(
                harness.kubelet().claimDirectory(NS, "data-" + name + "-0").resolve("restore.done"),
                StandardCharsets.UTF_8);
        assertThat(done).contains("at index " + backupIndex);
        Matcher hash = Pattern.compile("hash=(-?[0-9]+)").matcher(done);
        assertThat(hash.find()).as(done).isTrue();
        assertThat(Long.toHexString(Long.parseLong(hash.group(1))))
                .as("the restored state hash (restore.done) equals the backup's (snapshot status)")
                .isEqualTo(backupHash);

        String leader = status.leader();
        StatusResponse leaderStatus = harness.nodeStatus(NS, name, OperatorE2eHarness.podOrdinal(name, leader));
        assertThat(leaderStatus.getMembersList()).hasSize(3).allMatch(m -> m.getRole() == MemberRole.VOTER);
        assertThat(leaderStatus.getMembersList().stream().map(m -> m.getId()))
                .as("fresh member ids")
                .doesNotContainAnyElementsOf(sourceIds);
        assertThat(leaderStatus.getHeader().getClusterId())
                .as("a new cluster id")
                .isNotEqualTo(sourceClusterId);
        long revision = harness.calls()
                .range(
                        harness.kubelet().clientAddress(NS, name, OperatorE2eHarness.podOrdinal(name, leader)),
                        io.raftkv.api.v1.RangeRequest.newBuilder()
                                .setInterval(io.raftkv.api.v1.KeyInterval.newBuilder()
                                        .setStart(com.google.protobuf.ByteString.copyFromUtf8("a")))
                                .setLimit(1)
                                .setConsistency(io.raftkv.api.v1.ReadConsistency.LINEARIZABLE)
                                .build(),
                        Duration.ofSeconds(10))
                .getHeader()
                .getRevision();
        assertThat(revision)
                .as("the restored cluster's store revision (no write since) is the backup's")
                .isEqualTo(((Number) backup.get("revision")).longValue());
        List<String> lost = beforeBackup.verify(
                harness.kubelet().clientAddress(NS, name, OperatorE2eHarness.podOrdinal(name, leader)));
        assertThat(lost)
                .as("writes acknowledged before the backup, missing after the restore")
                .isEmpty();
        await(name + ": equal state hashes").atMost(Duration.ofMinutes(1)).untilAsserted(() -> {
            Set<String> hashes = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                StatusResponse s = harness.nodeStatus(NS, name, i);
                hashes.add(s.getStateHashIndex() + ":" + s.getStateHash());
            }
            assertThat(hashes).hasSize(1);
        });
        System.out.printf(
                "restore %s from %s (index %d): leads %.1f s after the RaftKvCluster was created, three voters"
                        + " after %.1f s%n",
                name, backup.get("location"), backupIndex, leadSeconds, votersSeconds);
        harness.cluster(NS, name).delete();
        E2eDiagnostics.report("restore from " + backup.get("location"), t0, beforeBackup.acknowledgedSoFar(), 0);
    }

    private static WriteLoad load(String run) {
        return new WriteLoad(
                harness.calls(),
                () -> harness.podAddresses(NS, SOURCE),
                harness.network()::toLoopback,
                run,
                harness.seed());
    }

    private static String backup(String name, String target) {
        return """
        apiVersion: raftkv.io/v1alpha1
        kind: RaftKvBackup
        metadata:
          name: %s
          namespace: %s
        spec:
          clusterName: %s
          timeout: 5m
          target:
        %s""".formatted(name, NS, SOURCE, target);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> backupStatus(String name) {
        GenericKubernetesResource b = harness.client()
                .genericKubernetesResources("raftkv.io/v1alpha1", "RaftKvBackup")
                .inNamespace(NS)
                .withName(name)
                .get();
        Object s = b == null ? null : b.getAdditionalProperties().get("status");
        return s instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static Map<String, Object> awaitBackup(String name, String phase) {
        await("RaftKvBackup " + name + " " + phase)
                .atMost(STEP_TIMEOUT)
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    Map<String, Object> s = backupStatus(name);
                    if (!phase.equals(s.get("phase")) && "Failed".equals(s.get("phase"))) {
                        throw new IllegalStateException("RaftKvBackup " + name + " failed: " + s);
                    }
                    assertThat(s.get("phase")).as("%s", s).isEqualTo(phase);
                });
        return backupStatus(name);
    }

    /** The state hash (hex) {@code raftkvctl snapshot status} computes for a backup. */
    private static String stateHashOf(List<String> target, Map<String, String> env) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("-o", "json", "snapshot", "status"));
        args.addAll(target);
        var result = OperatorE2eHarness.raftkvctl(args, env, Duration.ofMinutes(2));
        assertThat(result.getKey()).as(result.getValue()).isZero();
        Matcher m = Pattern.compile("\"stateHash\"\\s*:\\s*\"([0-9a-f]+)\"").matcher(result.getValue());
        assertThat(m.find()).as(result.getValue()).isTrue();
        return m.group(1);
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        try (var in = new java.security.DigestInputStream(Files.newInputStream(file), d)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(d.digest());
    }

    private static void awaitThreeVoters(String name) {
        await(name + ": three voters, Running")
                .atMost(STEP_TIMEOUT)
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    var s = harness.status(NS, name);
                    assertThat(s.phase()).as("%s", s).isEqualTo("Running");
                    assertThat(s.readyReplicas()).isEqualTo(3);
                    assertThat(s.members()).hasSize(3);
                    assertThat(s.members()).allMatch(m -> !"learner".equalsIgnoreCase(String.valueOf(m.get("role"))));
                });
    }
}
