package io.raftkv.operator.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.raftkv.operator.OperatorSettings;
import io.raftkv.operator.RaftKvOperator;
import io.raftkv.operator.TestClusters;
import io.raftkv.operator.api.v1alpha1.BackupTarget;
import io.raftkv.operator.api.v1alpha1.RaftKvBackup;
import io.raftkv.operator.api.v1alpha1.RaftKvBackupSchedule;
import io.raftkv.operator.api.v1alpha1.RaftKvBackupScheduleSpec;
import io.raftkv.operator.api.v1alpha1.RaftKvBackupSpec;
import io.raftkv.operator.api.v1alpha1.RaftKvBackupStatus;
import io.raftkv.operator.api.v1alpha1.RaftKvBackupStatus.Phase;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.dependents.ClusterObjects;
import io.raftkv.operator.security.MutableClock;
import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The backup controllers against the Fabric8 mock API server: the Job a RaftKvBackup gets (S3 and
 * PVC targets, TLS credentials), waiting for a missing target, the status from a pod's termination
 * message (Succeeded) or a failed Job (Failed), events and metrics; a schedule's firing and its
 * retention. No kubelet runs here: the Job's completion is written by the test as the Job
 * controller would write it, and the data path itself is tested against a real S3 server in
 * raftkv-cli (S3BackupTest).
 */
@EnableKubernetesMockClient(crud = true)
class BackupMockServerTest {
    static KubernetesClient client;
    private static Operator operator;
    private static SimpleMeterRegistry registry;
    private static final MutableClock CLOCK = new MutableClock(Instant.now());

    @BeforeAll
    static void startOperator() throws Exception {
        Path dir = TestClusters.generatedCrd().getParent();
        for (String crd : List.of(RaftKvCluster.CRD_NAME, RaftKvBackup.CRD_NAME, RaftKvBackupSchedule.CRD_NAME)) {
            try (InputStream in =
                    new FileInputStream(dir.resolve(crd + "-v1.yml").toFile())) {
                client.apiextensions().v1().customResourceDefinitions().load(in).create();
            }
        }
        registry = new SimpleMeterRegistry();
        OperatorSettings settings = new OperatorSettings(Set.of(), false, "unused", Optional.empty(), "test", 0);
        operator = RaftKvOperator.backupsOnly(client, registry, settings, CLOCK, Duration.ofSeconds(1));
        operator.start();
    }

    @AfterAll
    static void stopOperator() {
        if (operator != null) {
            operator.stop();
        }
    }

    /** A cluster and its StatefulSet (as the cluster controller would have made it), TLS on or off. */
    private static RaftKvCluster cluster(String ns, String name, boolean tls) {
        RaftKvCluster c = client.resource(TestClusters.cluster(ns, name, 3)).create();
        StatefulSet sts = new StatefulSetBuilder()
                .withNewMetadata()
                .withName(ClusterObjects.statefulSetName(c))
                .withNamespace(ns)
                .endMetadata()
                .withNewSpec()
                .withNewTemplate()
                .withNewSpec()
                .addNewContainer()
                .withName("node")
                .withImage("raftkv/raftkv-node:test")
                .addNewEnv()
                .withName(ClusterObjects.ENV_TLS)
                .withValue(tls ? "on" : "off")
                .endEnv()
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
        client.resource(sts).create();
        return c;
    }

    private static RaftKvBackup backup(String ns, String name, String cluster, BackupTarget target) {
        RaftKvBackup b = new RaftKvBackup();
        b.getMetadata().setName(name);
        b.getMetadata().setNamespace(ns);
        b.setSpec(new RaftKvBackupSpec());
        b.getSpec().clusterName = cluster;
        b.getSpec().target = target;
        b.getSpec().timeout = "10m";
        return client.resource(b).create();
    }

    private static RaftKvBackupStatus awaitPhase(String ns, String name, Phase phase) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            RaftKvBackup b = client.resources(RaftKvBackup.class)
                    .inNamespace(ns)
                    .withName(name)
                    .get();
            assertThat(b.getStatus()).isNotNull();
            assertThat(b.getStatus().phase).as("%s", b.getStatus().message).isEqualTo(phase);
        });
        return client.resources(RaftKvBackup.class)
                .inNamespace(ns)
                .withName(name)
                .get()
                .getStatus();
    }

    private static Job awaitJob(String ns, String name) {
        await().atMost(Duration.ofSeconds(30))
                .until(() -> client.batch()
                                .v1()
                                .jobs()
                                .inNamespace(ns)
                                .withName(name)
                                .get()
                        != null);
        return client.batch().v1().jobs().inNamespace(ns).withName(name).get();
    }

    /** The backup pod as the kubelet leaves it: terminated with {@code exit} and {@code message}. */
    private static void finishedPod(String ns, String backup, int exit, String message) {
        Pod pod = new PodBuilder()
                .withNewMetadata()
                .withName(backup + "-" + exit + "-pod")
                .withNamespace(ns)
                .withLabels(Map.of(BackupPlan.BACKUP_LABEL, backup))
                .withCreationTimestamp(Instant.now().toString())
                .endMetadata()
                .withNewStatus()
                .withContainerStatuses(new ContainerStatusBuilder()
                        .withName(BackupJob.CONTAINER)
                        .withNewState()
                        .withNewTerminated()
                        .withExitCode(exit)
                        .withMessage(message)
                        .endTerminated()
                        .endState()
                        .build())
                .endStatus()
                .build();
        client.resource(pod).create();
    }

    private static List<String> events(String ns, String name) {
        return client.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName()))
                .map(e -> e.getReason())
                .toList();
    }

    @Test
    void anS3BackupRunsAJobAndReportsWhatRaftkvctlSaved() {
        String ns = "b-s3";
        cluster(ns, "prod", true);
        client.resource(new SecretBuilder()
                        .withNewMetadata()
                        .withName("s3-creds")
                        .withNamespace(ns)
                        .endMetadata()
                        .withStringData(Map.of("AWS_ACCESS_KEY_ID", "id", "AWS_SECRET_ACCESS_KEY", "secret"))
                        .build())
                .create();
        BackupTarget target = new BackupTarget();
        target.s3 = new BackupTarget.S3Target();
        target.s3.bucket = "backups";
        target.s3.prefix = "raftkv/prod/";
        target.s3.endpoint = "http://minio.storage:9000";
        target.s3.credentialsSecret = new BackupTarget.CredentialsSecret();
        target.s3.credentialsSecret.name = "s3-creds";
        target.s3.caBundle = io.raftkv.operator.api.v1alpha1.CaBundleSource.configMap("minio-ca", "ca.pem");
        assertThat(RaftKvBackupReconciler.targetProblem(client, ns, target))
                .contains("ConfigMap minio-ca (target.s3.caBundle) not found in " + ns);
        client.resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                        .withNewMetadata()
                        .withName("minio-ca")
                        .withNamespace(ns)
                        .endMetadata()
                        .withData(Map.of("other.pem", "x"))
                        .build())
                .create();
        assertThat(RaftKvBackupReconciler.targetProblem(client, ns, target))
                .contains("ConfigMap minio-ca has no key ca.pem (target.s3.caBundle)");
        client.configMaps()
                .inNamespace(ns)
                .withName("minio-ca")
                .edit(m -> new io.fabric8.kubernetes.api.model.ConfigMapBuilder(m)
                        .addToData("ca.pem", "-----BEGIN CERTIFICATE-----\n")
                        .build());
        assertThat(RaftKvBackupReconciler.targetProblem(client, ns, target)).isEmpty();
        RaftKvBackup created = backup(ns, "nightly-1", "prod", target);

        Job job = awaitJob(ns, "nightly-1");
        assertThat(job.getMetadata().getOwnerReferences())
                .singleElement()
                .satisfies(o ->
                        assertThat(o.getUid()).isEqualTo(created.getMetadata().getUid()));
        var pod = job.getSpec().getTemplate().getSpec();
        assertThat(pod.getRestartPolicy()).isEqualTo("Never");
        var c = pod.getContainers().get(0);
        assertThat(c.getImage())
                .isEqualTo(TestClusters.cluster(ns, "prod", 3).getSpec().getImage());
        assertThat(String.join(" ", c.getArgs()))
                .startsWith(
                        "-cp /app/raftkvctl.jar:/app/raftkv-node.jar io.raftkv.cli.RaftKvCtl --endpoints prod-0.prod-peers."
                                + ns)
                .contains("--cacert /etc/raftkv/admin/ca.crt --cert /etc/raftkv/admin/tls.crt")
                .contains("snapshot save s3://backups/raftkv/prod/nightly-1.snap --snapshot-timeout 600s")
                .contains("--result-file /dev/termination-log")
                .contains("--s3-endpoint http://minio.storage:9000 --s3-region us-east-1 --s3-path-style true"
                        + " --s3-ca-file /etc/raftkv/s3-ca/ca.crt")
                .doesNotContain("--prune-prefix");
        assertThat(c.getVolumeMounts())
                .filteredOn(m -> "s3-ca".equals(m.getName()))
                .singleElement()
                .satisfies(m -> {
                    assertThat(m.getMountPath()).isEqualTo("/etc/raftkv/s3-ca");
                    assertThat(m.getReadOnly()).isTrue();
                });
        assertThat(c.getArgs().get(4).split(",")).hasSize(3);
        assertThat(c.getEnv())
                .extracting(e ->
                        e.getName() + "=" + e.getValueFrom().getSecretKeyRef().getName() + "/"
                                + e.getValueFrom().getSecretKeyRef().getKey())
                .containsExactly(
                        "AWS_ACCESS_KEY_ID=s3-creds/AWS_ACCESS_KEY_ID",
                        "AWS_SECRET_ACCESS_KEY=s3-creds/AWS_SECRET_ACCESS_KEY");
        assertThat(pod.getVolumes())
                .extracting(v -> v.getSecret() != null
                        ? "secret " + v.getSecret().getSecretName()
                        : "configMap " + v.getConfigMap().getName() + " "
                                + v.getConfigMap().getItems().get(0).getKey() + "->"
                                + v.getConfigMap().getItems().get(0).getPath())
                .containsExactly("secret prod-admin", "configMap minio-ca ca.pem->ca.crt");
        assertThat(awaitPhase(ns, "nightly-1", Phase.Running).location)
                .isEqualTo("s3://backups/raftkv/prod/nightly-1.snap");

        finishedPod(
                ns,
                "nightly-1",
                0,
                "{\"location\":\"s3://backups/raftkv/prod/nightly-1.snap\",\"bytes\":1048576,\"crc32c\":\"0badf00d\","
                        + "\"sha256\":\"ab12\",\"index\":4242,\"term\":7,\"source\":\"prod-2.prod-peers:9090\","
                        + "\"millis\":2500}");
        String done = Instant.parse("2026-12-07T16:00:00Z").toString();
        job.setStatus(new JobStatusBuilder()
                .withStartTime("2026-12-07T15:59:57Z")
                .withCompletionTime(done)
                .withSucceeded(1)
                .build());
        client.resource(job).updateStatus();

        RaftKvBackupStatus s = awaitPhase(ns, "nightly-1", Phase.Succeeded);
        assertThat(s.index).isEqualTo(4242L);
        assertThat(s.term).isEqualTo(7L);
        assertThat(s.bytes).isEqualTo(1048576L);
        assertThat(s.sha256).isEqualTo("ab12");
        assertThat(s.crc32c).isEqualTo("0badf00d");
        assertThat(s.sourceMember).isEqualTo("prod-2.prod-peers:9090");
        assertThat(s.durationSeconds).isEqualTo(2.5);
        assertThat(s.completionTime).isEqualTo(done);
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(events(ns, "nightly-1")).contains("BackupStarted", "BackupSucceeded"));
        assertThat(registry.get("raftkv_backup_last_success_timestamp_seconds")
                        .tag("namespace", ns)
                        .tag("cluster", "prod")
                        .gauge()
                        .value())
                .isEqualTo((double) Instant.parse(done).getEpochSecond());
        assertThat(registry.get("raftkv_backup_last_size_bytes")
                        .tag("cluster", "prod")
                        .gauge()
                        .value())
                .isEqualTo(1048576.0);
    }

    @Test
    void aPvcBackupWaitsForItsClaimThenFailsWithRaftkvctlsMessage() {
        String ns = "b-pvc";
        cluster(ns, "stage", false);
        backup(ns, "once", "stage", null);
        RaftKvBackupStatus pending = awaitPhase(ns, "once", Phase.Pending);
        assertThat(pending.message).contains("PersistentVolumeClaim stage-backups not found");
        assertThat(pending.location).isEqualTo("pvc://stage-backups/once.snap");
        assertThat(client.batch().v1().jobs().inNamespace(ns).withName("once").get())
                .isNull();

        client.resource(new PersistentVolumeClaimBuilder()
                        .withNewMetadata()
                        .withName("stage-backups")
                        .withNamespace(ns)
                        .endMetadata()
                        .build())
                .create();
        Job job = awaitJob(ns, "once"); // found at the next recheck (1 s here, 30 s in production)
        var c = job.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(String.join(" ", c.getArgs()))
                .contains("snapshot save /var/lib/raftkv-backup/once.snap")
                .contains("--checksum-file")
                .doesNotContain("--cacert");
        assertThat(job.getSpec().getTemplate().getSpec().getVolumes())
                .extracting(v -> v.getPersistentVolumeClaim().getClaimName())
                .containsExactly("stage-backups");

        finishedPod(ns, "once", 10, "raftkvctl: DATA_LOSS: snapshot stream is corrupt: CRC-32C mismatch");
        job.setStatus(new JobStatusBuilder()
                .withFailed(3)
                .withConditions(new JobConditionBuilder()
                        .withType("Failed")
                        .withStatus("True")
                        .withReason("BackoffLimitExceeded")
                        .withMessage("Job has reached the specified backoff limit")
                        .build())
                .build());
        client.resource(job).updateStatus();
        RaftKvBackupStatus failed = awaitPhase(ns, "once", Phase.Failed);
        assertThat(failed.message).contains("BackoffLimitExceeded").contains("CRC-32C mismatch");
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(events(ns, "once")).contains("BackupWaiting", "BackupFailed"));
        assertThat(registry.get("raftkv_backup_failures_total")
                        .tag("namespace", ns)
                        .counter()
                        .count())
                .isEqualTo(1.0);
    }

    @Test
    void aScheduleCreatesABackupAtItsFiringAndPrunesBeyondItsRetention() {
        String ns = "b-sched";
        cluster(ns, "prod", false);
        // three earlier successful backups of the schedule
        for (String stamp : List.of("202612010000", "202612020000", "202612030000")) {
            RaftKvBackup old = new RaftKvBackup();
            old.getMetadata().setName("daily-" + stamp);
            old.getMetadata().setNamespace(ns);
            old.getMetadata().setLabels(Map.of(BackupPlan.SCHEDULE_LABEL, "daily"));
            old.setSpec(new RaftKvBackupSpec());
            old.getSpec().clusterName = "prod";
            client.resource(old).create();
        }
        // mark them Succeeded (as their Jobs would have), after the backup controller's first look
        // (Pending: no PVC) so that it does not overwrite the status
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            for (RaftKvBackup b :
                    client.resources(RaftKvBackup.class).inNamespace(ns).list().getItems()) {
                assertThat(b.getStatus()).isNotNull();
                if (b.getStatus().phase != Phase.Succeeded) {
                    b.getStatus().phase = Phase.Succeeded;
                    b.getStatus().completionTime = Instant.now().toString();
                    client.resource(b).updateStatus();
                }
            }
            assertThat(client.resources(RaftKvBackup.class)
                            .inNamespace(ns)
                            .list()
                            .getItems())
                    .allMatch(b -> b.getStatus().phase == Phase.Succeeded);
        });
        RaftKvBackupSchedule schedule = new RaftKvBackupSchedule();
        schedule.getMetadata().setName("daily");
        schedule.getMetadata().setNamespace(ns);
        schedule.setSpec(new RaftKvBackupScheduleSpec());
        schedule.getSpec().clusterName = "prod";
        schedule.getSpec().schedule = "*/5 * * * *";
        schedule.getSpec().retention = new RaftKvBackupScheduleSpec.Retention();
        schedule.getSpec().retention.maxCount = 2;
        schedule.getSpec().retention.maxAge = "168h";
        CLOCK.advance(Duration.ofMinutes(6)); // a firing has passed since the schedule's creation
        client.resource(schedule).create();

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            List<String> names = client.resources(RaftKvBackup.class).inNamespace(ns).list().getItems().stream()
                    .map(b -> b.getMetadata().getName())
                    .sorted()
                    .toList();
            assertThat(names).hasSize(3).contains("daily-202612020000", "daily-202612030000");
            assertThat(names).doesNotContain("daily-202612010000");
        });
        RaftKvBackup fired = client.resources(RaftKvBackup.class).inNamespace(ns).list().getItems().stream()
                .filter(b -> !List.of("daily-202612020000", "daily-202612030000")
                        .contains(b.getMetadata().getName()))
                .findFirst()
                .orElseThrow();
        assertThat(fired.getMetadata().getName()).matches("daily-\\d{12}");
        assertThat(fired.getMetadata().getAnnotations())
                .containsEntry(BackupPlan.KEEP_LAST_ANNOTATION, "2")
                .containsEntry(BackupPlan.KEEP_WITHIN_ANNOTATION, String.valueOf(168 * 3600));
        assertThat(fired.getSpec().clusterName).isEqualTo("prod");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            RaftKvBackupSchedule s = client.resources(RaftKvBackupSchedule.class)
                    .inNamespace(ns)
                    .withName("daily")
                    .get();
            assertThat(s.getStatus().lastBackup).isEqualTo(fired.getMetadata().getName());
            assertThat(s.getStatus().lastSuccessfulBackup).isEqualTo("daily-202612030000");
            assertThat(s.getStatus().nextScheduleTime).isNotNull();
            assertThat(events(ns, "daily")).contains("BackupCreated", "BackupPruned");
        });
        // once its PVC exists, its Job applies the same retention to the stored snapshots
        client.resource(new PersistentVolumeClaimBuilder()
                        .withNewMetadata()
                        .withName("prod-backups")
                        .withNamespace(ns)
                        .endMetadata()
                        .build())
                .create();
        Job job = awaitJob(ns, fired.getMetadata().getName());
        assertThat(String.join(
                        " ",
                        job.getSpec()
                                .getTemplate()
                                .getSpec()
                                .getContainers()
                                .get(0)
                                .getArgs()))
                .contains("--prune-prefix daily- --keep-last 2 --keep-within 604800s");
    }

    @Test
    void anInvalidCronExpressionIsReportedNotFired() {
        String ns = "b-cron";
        RaftKvBackupSchedule schedule = new RaftKvBackupSchedule();
        schedule.getMetadata().setName("bad");
        schedule.getMetadata().setNamespace(ns);
        schedule.setSpec(new RaftKvBackupScheduleSpec());
        schedule.getSpec().clusterName = "prod";
        schedule.getSpec().schedule = "every day";
        client.resource(schedule).create();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            RaftKvBackupSchedule s = client.resources(RaftKvBackupSchedule.class)
                    .inNamespace(ns)
                    .withName("bad")
                    .get();
            assertThat(s.getStatus()).isNotNull();
            assertThat(s.getStatus().message).contains("is not a five-field cron expression");
        });
        assertThat(client.resources(RaftKvBackup.class).inNamespace(ns).list().getItems())
                .isEmpty();
    }
}
