package io.raftkv.operator.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.raftkv.operator.TestClusters;
import io.raftkv.operator.api.v1alpha1.RaftKvBackup;
import io.raftkv.operator.api.v1alpha1.RaftKvBackupStatus;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.api.v1alpha1.RaftKvClusterStatus;
import io.raftkv.operator.api.v1alpha1.RestoreSpec;
import io.raftkv.operator.api.v1alpha1.RestoreStatus;
import io.raftkv.operator.dependents.RestoreMount;
import io.raftkv.operator.dependents.S3CaBundle;
import io.raftkv.operator.dependents.StatefulSetDependentAccess;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RestorePlannerTest {
    private static final Instant NOW = Instant.parse("2026-12-07T16:00:00Z");
    private static final String SHA = "ab".repeat(32);

    private static RaftKvCluster restoring(RestoreSpec restore) {
        RaftKvCluster c = TestClusters.stored("ns", "back", 3);
        c.getSpec().setRestore(restore);
        return c;
    }

    private static RestoreSpec fromPvc() {
        RestoreSpec r = new RestoreSpec();
        r.setPvc(new RestoreSpec.PvcSource("backups", "nightly/a.snap"));
        r.setSha256(SHA);
        return r;
    }

    private static RestoreSpec fromBackup(String name) {
        RestoreSpec r = new RestoreSpec();
        r.setBackupName(name);
        return r;
    }

    private static RaftKvBackup backup(RaftKvBackupStatus.Phase phase, String location) {
        RaftKvBackup b = new RaftKvBackup();
        b.setMetadata(new ObjectMetaBuilder().withName("nightly").build());
        RaftKvBackupStatus s = new RaftKvBackupStatus();
        s.phase = phase;
        s.location = location;
        s.sha256 = SHA;
        b.setStatus(s);
        return b;
    }

    @Test
    void aNewClusterFromAPvcIsCreatedWithOnePodCarryingTheSource() {
        var d = RestorePlanner.decide(restoring(fromPvc()), Optional.empty(), n -> Optional.empty(), List.of(), NOW);
        assertThat(d.creating()).isTrue();
        assertThat(d.blocked()).isEmpty();
        assertThat(d.mount()).contains(new RestoreMount("backups", "nightly/a.snap", SHA));
        assertThat(d.status().getPhase()).isEqualTo(RestoreStatus.PHASE_RESTORING);
        assertThat(d.status().getSource()).isEqualTo("pvc://backups/nightly/a.snap");
    }

    @Test
    void aBackupResourceIsRestoredOnlyOnceSucceededAndOnlyFromAPvc() {
        Map<String, RaftKvBackup> backups = new java.util.HashMap<>();
        RaftKvCluster c = restoring(fromBackup("nightly"));
        var missing =
                RestorePlanner.decide(c, Optional.empty(), n -> Optional.ofNullable(backups.get(n)), List.of(), NOW);
        assertThat(missing.blocked())
                .get()
                .extracting(RestorePlanner.Blocked::reason)
                .isEqualTo(RestorePlanner.REASON_SOURCE_UNAVAILABLE);
        assertThat(missing.mount()).isEmpty();
        assertThat(missing.status().getPhase()).isEqualTo(RestoreStatus.PHASE_PENDING);

        backups.put("nightly", backup(RaftKvBackupStatus.Phase.Running, null));
        assertThat(RestorePlanner.decide(c, Optional.empty(), n -> Optional.ofNullable(backups.get(n)), List.of(), NOW)
                        .blocked())
                .get()
                .extracting(RestorePlanner.Blocked::message)
                .asString()
                .contains("Running, not Succeeded");

        backups.put("nightly", backup(RaftKvBackupStatus.Phase.Succeeded, "s3://bucket/raftkv/nightly.snap"));
        assertThat(RestorePlanner.decide(c, Optional.empty(), n -> Optional.ofNullable(backups.get(n)), List.of(), NOW)
                        .blocked())
                .get()
                .extracting(RestorePlanner.Blocked::reason)
                .isEqualTo(RestorePlanner.REASON_SOURCE_UNSUPPORTED);

        backups.put("nightly", backup(RaftKvBackupStatus.Phase.Succeeded, "pvc://back-backups/raftkv/nightly.snap"));
        var ok = RestorePlanner.decide(c, Optional.empty(), n -> Optional.ofNullable(backups.get(n)), List.of(), NOW);
        assertThat(ok.mount()).contains(new RestoreMount("back-backups", "raftkv/nightly.snap", SHA));
        assertThat(ok.creating()).isTrue();
    }

    @Test
    void volumesOfAnEarlierClusterBlockTheRestore() {
        var d = RestorePlanner.decide(
                restoring(fromPvc()), Optional.empty(), n -> Optional.empty(), List.of("data-back-0"), NOW);
        assertThat(d.blocked())
                .get()
                .extracting(RestorePlanner.Blocked::message)
                .asString()
                .contains("data-back-0");
        assertThat(d.mount()).isEmpty();
    }

    @Test
    void theTemplateKeepsTheSourceUntilTheRestoredMemberLeadsThenDropsIt() {
        RaftKvCluster c = restoring(fromPvc());
        RestoreMount mount = new RestoreMount("backups", "nightly/a.snap", SHA);
        StatefulSet sts = StatefulSetDependentAccess.desiredRestoring(c, mount);
        assertThat(RestoreMount.of(sts)).contains(mount);

        var restoringNow = RestorePlanner.decide(c, Optional.of(sts), n -> Optional.empty(), List.of(), NOW);
        assertThat(restoringNow.mount()).contains(mount);
        assertThat(restoringNow.creating()).isFalse();
        assertThat(restoringNow.status().getPhase()).isEqualTo(RestoreStatus.PHASE_RESTORING);

        c.setStatus(new RaftKvClusterStatus());
        c.getStatus().setLeader("back-0");
        var done = RestorePlanner.decide(c, Optional.of(sts), n -> Optional.empty(), List.of(), NOW);
        assertThat(done.mount()).isEmpty();
        assertThat(done.status().getPhase()).isEqualTo(RestoreStatus.PHASE_COMPLETE);
        assertThat(done.status().getCompletedAt()).isEqualTo("2026-12-07T16:00:00Z");

        // after the template dropped it, the completed status is carried as it is
        c.getStatus().setRestore(done.status());
        StatefulSet plain = StatefulSetDependentAccess.desired(c);
        var later = RestorePlanner.decide(c, Optional.of(plain), n -> Optional.empty(), List.of(), NOW.plusSeconds(60));
        assertThat(later.mount()).isEmpty();
        assertThat(later.status()).isEqualTo(done.status());
    }

    @Test
    void aRestoreAddedToARunningClusterIsReportedNotActedOn() {
        RaftKvCluster c = TestClusters.stored("ns", "back", 3);
        StatefulSet running = StatefulSetDependentAccess.desired(c);
        c.getSpec().setRestore(fromPvc());
        var d = RestorePlanner.decide(c, Optional.of(running), n -> Optional.empty(), List.of(), NOW);
        assertThat(d.mount()).isEmpty();
        assertThat(d.creating()).isFalse();
        assertThat(d.status().getPhase()).isEqualTo(RestoreStatus.PHASE_FAILED);
        assertThat(d.status().getMessage()).contains("added after the cluster was created");
    }

    @Test
    void anObjectIsFetchedByAnInitContainerAndTheTemplateReadsBackExactly() {
        RaftKvCluster c = restoring(fromBackup("nightly"));
        RaftKvBackup b = backup(RaftKvBackupStatus.Phase.Succeeded, "s3://bucket/prod/nightly.snap");
        b.setSpec(new io.raftkv.operator.api.v1alpha1.RaftKvBackupSpec());
        b.getSpec().target = new io.raftkv.operator.api.v1alpha1.BackupTarget();
        b.getSpec().target.s3 = new io.raftkv.operator.api.v1alpha1.BackupTarget.S3Target();
        b.getSpec().target.s3.endpoint = "http://minio:9000";
        b.getSpec().target.s3.bucket = "bucket";
        b.getSpec().target.s3.credentialsSecret = new io.raftkv.operator.api.v1alpha1.BackupTarget.CredentialsSecret();
        b.getSpec().target.s3.credentialsSecret.name = "s3";
        var d = RestorePlanner.decide(c, Optional.empty(), n -> Optional.of(b), List.of(), NOW);
        assertThat(d.creating()).isTrue();
        RestoreMount mount = d.mount().orElseThrow();
        assertThat(mount.location()).isEqualTo("s3://bucket/prod/nightly.snap");
        assertThat(mount.s3().endpoint()).isEqualTo("http://minio:9000");
        assertThat(mount.sha256()).isEqualTo(SHA);

        StatefulSet sts = StatefulSetDependentAccess.desiredRestoring(c, mount);
        var pod = sts.getSpec().getTemplate().getSpec();
        assertThat(pod.getVolumes())
                .filteredOn(v -> RestoreMount.VOLUME.equals(v.getName()))
                .singleElement()
                .satisfies(v -> assertThat(v.getEmptyDir()).isNotNull());
        var fetch = pod.getInitContainers().get(0);
        assertThat(fetch.getName()).isEqualTo(RestoreMount.FETCH_CONTAINER);
        assertThat(fetch.getArgs()).containsSequence("snapshot", "fetch", "$(RAFTKV_RESTORE_URL)");
        assertThat(fetch.getVolumeMounts())
                .extracting(m -> m.getMountPath())
                .containsExactly(RestoreMount.MOUNT_PATH, "/tmp");
        assertThat(fetch.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(fetch.getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("AWS_SECRET_ACCESS_KEY");
            assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("s3");
        });
        assertThat(pod.getContainers().get(0).getEnv())
                .noneMatch(e -> e.getName().startsWith("AWS_"))
                .anyMatch(e -> e.getName().equals("RAFTKV_RESTORE_FROM")
                        && e.getValue().equals(RestoreMount.MOUNT_PATH + "/" + RestoreMount.FETCHED_FILE));
        assertThat(RestoreMount.of(sts)).contains(mount);

        // a URL needs credentials
        RestoreSpec url = new RestoreSpec();
        url.setUrl("s3://bucket/x.snap");
        assertThat(RestorePlanner.decide(restoring(url), Optional.empty(), n -> Optional.empty(), List.of(), NOW)
                        .blocked())
                .get()
                .extracting(RestorePlanner.Blocked::message)
                .asString()
                .contains("credentialsSecret");
        url.setCredentialsSecret("creds");
        RestoreMount fromUrl = RestorePlanner.decide(
                        restoring(url), Optional.empty(), n -> Optional.empty(), List.of(), NOW)
                .mount()
                .orElseThrow();
        assertThat(RestoreMount.of(StatefulSetDependentAccess.desiredRestoring(c, fromUrl)))
                .contains(fromUrl);
        assertThat(fromUrl.s3().ca()).isNull();
    }

    @Test
    void theCaBundleOfAnHttpsStoreIsMountedIntoTheFetchContainerAndReadsBack() {
        RaftKvBackup b = backup(RaftKvBackupStatus.Phase.Succeeded, "s3://bucket/prod/nightly.snap");
        b.setSpec(new io.raftkv.operator.api.v1alpha1.RaftKvBackupSpec());
        b.getSpec().target = new io.raftkv.operator.api.v1alpha1.BackupTarget();
        b.getSpec().target.s3 = new io.raftkv.operator.api.v1alpha1.BackupTarget.S3Target();
        b.getSpec().target.s3.endpoint = "https://minio:9000";
        b.getSpec().target.s3.bucket = "bucket";
        b.getSpec().target.s3.credentialsSecret = new io.raftkv.operator.api.v1alpha1.BackupTarget.CredentialsSecret();
        b.getSpec().target.s3.credentialsSecret.name = "s3";
        b.getSpec().target.s3.caBundle = io.raftkv.operator.api.v1alpha1.CaBundleSource.configMap("minio-ca", "ca.pem");
        RaftKvCluster c = restoring(fromBackup("nightly"));
        RestoreMount mount = RestorePlanner.decide(c, Optional.empty(), n -> Optional.of(b), List.of(), NOW)
                .mount()
                .orElseThrow();
        assertThat(mount.s3().ca()).isEqualTo(new S3CaBundle(false, "minio-ca", "ca.pem"));
        StatefulSet sts = StatefulSetDependentAccess.desiredRestoring(c, mount);
        var pod = sts.getSpec().getTemplate().getSpec();
        assertThat(pod.getVolumes())
                .filteredOn(v -> S3CaBundle.VOLUME.equals(v.getName()))
                .singleElement()
                .satisfies(v -> {
                    assertThat(v.getConfigMap().getName()).isEqualTo("minio-ca");
                    assertThat(v.getConfigMap().getItems().get(0).getKey()).isEqualTo("ca.pem");
                    assertThat(v.getConfigMap().getItems().get(0).getPath()).isEqualTo("ca.crt");
                });
        var fetch = pod.getInitContainers().get(0);
        assertThat(String.join(" ", fetch.getArgs())).contains("--s3-ca-file /etc/raftkv/s3-ca/ca.crt");
        assertThat(fetch.getVolumeMounts())
                .extracting(m -> m.getMountPath())
                .containsExactly(RestoreMount.MOUNT_PATH, S3CaBundle.DIR, "/tmp");
        assertThat(pod.getContainers().get(0).getVolumeMounts())
                .as("only the fetch container needs the CA")
                .noneMatch(m -> S3CaBundle.VOLUME.equals(m.getName()));
        assertThat(RestoreMount.of(sts)).contains(mount);

        // a URL restore names its own bundle, here in a Secret
        RestoreSpec url = new RestoreSpec();
        url.setUrl("s3://bucket/x.snap");
        url.setCredentialsSecret("creds");
        url.setCaBundle(io.raftkv.operator.api.v1alpha1.CaBundleSource.secret("store-ca", "ca.crt"));
        RestoreMount fromUrl = RestorePlanner.decide(
                        restoring(url), Optional.empty(), n -> Optional.empty(), List.of(), NOW)
                .mount()
                .orElseThrow();
        assertThat(fromUrl.s3().ca()).isEqualTo(new S3CaBundle(true, "store-ca", "ca.crt"));
        StatefulSet fromUrlSts = StatefulSetDependentAccess.desiredRestoring(c, fromUrl);
        assertThat(fromUrlSts.getSpec().getTemplate().getSpec().getVolumes())
                .filteredOn(v -> S3CaBundle.VOLUME.equals(v.getName()))
                .singleElement()
                .satisfies(v -> assertThat(v.getSecret().getSecretName()).isEqualTo("store-ca"));
        assertThat(RestoreMount.of(fromUrlSts)).contains(fromUrl);
    }

    @Test
    void aFailureReportedByPodZeroTurnsTheRestoreFailedWithItsReason() {
        RaftKvCluster c = restoring(fromPvc());
        RestoreMount mount = new RestoreMount("backups", "nightly/a.snap", SHA);
        StatefulSet sts = StatefulSetDependentAccess.desiredRestoring(c, mount);
        io.fabric8.kubernetes.api.model.Pod pod = new io.fabric8.kubernetes.api.model.PodBuilder()
                .withNewMetadata()
                .withName("back-0")
                .endMetadata()
                .withNewStatus()
                .addNewContainerStatus()
                .withName("raftkv")
                .withNewLastState()
                .withNewTerminated()
                .withExitCode(10)
                .withMessage("restore refused (CORRUPT): --restore-from x has SHA-256 00, expected ab")
                .endTerminated()
                .endLastState()
                .endContainerStatus()
                .endStatus()
                .build();
        Optional<RestoreFailure> failure = RestoreFailure.of(pod);
        assertThat(failure).get().extracting(RestoreFailure::reason).isEqualTo(RestoreFailure.CORRUPT);
        assertThat(failure.get().message()).contains("has SHA-256 00").contains("exit 10");

        var d = RestorePlanner.decide(c, Optional.of(sts), n -> Optional.empty(), List.of(), failure, NOW);
        assertThat(d.status().getPhase()).isEqualTo(RestoreStatus.PHASE_FAILED);
        assertThat(d.status().getReason()).isEqualTo(RestoreFailure.CORRUPT);
        assertThat(d.mount()).contains(mount);

        // the fetch init container: 3 = no such object
        pod.getStatus().setContainerStatuses(List.of());
        pod.getStatus()
                .setInitContainerStatuses(List.of(new io.fabric8.kubernetes.api.model.ContainerStatusBuilder()
                        .withName(RestoreMount.FETCH_CONTAINER)
                        .withNewState()
                        .withNewTerminated()
                        .withExitCode(3)
                        .endTerminated()
                        .endState()
                        .build()));
        assertThat(RestoreFailure.of(pod))
                .get()
                .extracting(RestoreFailure::reason)
                .isEqualTo(RestoreFailure.MISSING);
        // an ordinary crash of the node is not a restore failure
        pod.getStatus().setInitContainerStatuses(List.of());
        pod.getStatus()
                .setContainerStatuses(List.of(new io.fabric8.kubernetes.api.model.ContainerStatusBuilder()
                        .withName("raftkv")
                        .withNewLastState()
                        .withNewTerminated()
                        .withExitCode(137)
                        .endTerminated()
                        .endLastState()
                        .build()));
        assertThat(RestoreFailure.of(pod)).isEmpty();
    }

    @Test
    void pvcLocationsParseAndOthersDoNot() {
        assertThat(RestorePlanner.parsePvcLocation("pvc://c/p/q.snap", ""))
                .contains(new RestoreMount("c", "p/q.snap", ""));
        assertThat(RestorePlanner.parsePvcLocation("pvc://c/", "")).isEmpty();
        assertThat(RestorePlanner.parsePvcLocation("pvc://c/../x", "")).isEmpty();
        assertThat(RestorePlanner.parsePvcLocation("s3://b/k", "")).isEmpty();
    }
}
