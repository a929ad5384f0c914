package io.raftkv.operator.backup;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.raftkv.operator.api.v1alpha1.BackupTarget;
import io.raftkv.operator.api.v1alpha1.RaftKvBackup;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.dependents.ClusterObjects;
import io.raftkv.operator.dependents.S3CaBundle;
import io.raftkv.operator.security.SecurityObjects;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Job that takes one backup (the backup-pod contract, docs/operations.md "Backups"): one pod,
 * never restarted in place (a retry is a new pod, up to {@value #BACKOFF_LIMIT} times), stopped at
 * the backup's timeout, running raftkvctl from the cluster's own node image
 * ({@code java -cp /app/raftkvctl.jar:/app/raftkv-node.jar io.raftkv.cli.RaftKvCtl}):
 *
 * <pre>
 * raftkvctl --endpoints &lt;every member's client address&gt; [--cacert --cert --key: the admin Secret]
 *   -o json snapshot save &lt;target&gt; --snapshot-timeout &lt;timeout&gt; --result-file /dev/termination-log
 *   [--checksum-file | --s3-endpoint … --s3-region … --s3-path-style … [--s3-ca-file /etc/raftkv/s3-ca/ca.crt]]
 *   [--prune-prefix &lt;schedule&gt;- --keep-last N --keep-within Ss]
 * </pre>
 *
 * raftkvctl picks the most up-to-date follower itself. The PVC target is mounted at
 * {@value #BACKUP_DIR}; the S3 keys come from the target's Secret as {@code AWS_ACCESS_KEY_ID} and
 * {@code AWS_SECRET_ACCESS_KEY}. The JSON result lands in the pod's termination message, which the
 * reconciler copies into the status; on failure the last log lines do. The owner reference to the
 * RaftKvBackup is added by JOSDK, so deleting the backup deletes its Job (not the stored snapshot).
 */
public final class BackupJob {

    public static final String CONTAINER = "backup";
    public static final String BACKUP_DIR = "/var/lib/raftkv-backup";
    /** raftkvctl in the node image: its own classes and the AWS SDK, then the node jar. */
    public static final String CLASSPATH = "/app/raftkvctl.jar:/app/raftkv-node.jar";

    public static final String CLI_MAIN = "io.raftkv.cli.RaftKvCtl";
    static final int BACKOFF_LIMIT = 2;
    static final String ADMIN_DIR = "/etc/raftkv/admin";

    private BackupJob() {}

    /** Where the backup is stored: {@code s3://bucket/<prefix><name>.snap} or {@code pvc://claim/<path>/<name>.snap}. */
    public static String location(BackupTarget target, String backupName) {
        String file = backupName + ".snap";
        if (target.s3 != null) {
            return "s3://" + target.s3.bucket + "/" + (target.s3.prefix == null ? "" : target.s3.prefix) + file;
        }
        return "pvc://" + target.pvc.claimName + "/" + folder(target.pvc) + file;
    }

    private static String folder(BackupTarget.PvcTarget pvc) {
        String p = pvc.path == null ? "" : pvc.path.replaceAll("/+$", "");
        return p.isEmpty() ? "" : p + "/";
    }

    public static Job desired(BackupPlan plan) {
        RaftKvBackup backup = plan.backup();
        RaftKvCluster cluster = plan.cluster();
        BackupTarget target = plan.target();
        String name = backup.getMetadata().getName();
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(ClusterObjects.LABEL_NAME, ClusterObjects.APP_NAME);
        labels.put(ClusterObjects.LABEL_INSTANCE, cluster.getMetadata().getName());
        labels.put(ClusterObjects.LABEL_COMPONENT, "backup");
        labels.put(ClusterObjects.LABEL_MANAGED_BY, ClusterObjects.MANAGER);
        labels.put(BackupPlan.BACKUP_LABEL, name);

        List<String> args = new ArrayList<>(List.of("-cp", CLASSPATH, CLI_MAIN, "--endpoints", endpoints(cluster)));
        List<Volume> volumes = new ArrayList<>();
        List<VolumeMount> mounts = new ArrayList<>();
        List<EnvVar> env = new ArrayList<>();
        if (plan.tls()) {
            args.addAll(List.of(
                    "--cacert", ADMIN_DIR + "/" + SecurityObjects.CA_CERT,
                    "--cert", ADMIN_DIR + "/" + SecurityObjects.TLS_CERT,
                    "--key", ADMIN_DIR + "/" + SecurityObjects.TLS_KEY));
            volumes.add(new VolumeBuilder()
                    .withName("admin")
                    .withNewSecret()
                    .withSecretName(SecurityObjects.adminSecretName(cluster))
                    .withDefaultMode(0440)
                    .endSecret()
                    .build());
            mounts.add(new io.fabric8.kubernetes.api.model.VolumeMountBuilder()
                    .withMountPath(ADMIN_DIR)
                    .withName("admin")
                    .withReadOnly(true)
                    .build());
        }
        String saveTo;
        List<String> targetArgs = new ArrayList<>();
        if (target.s3 != null) {
            saveTo = location(target, name);
            if (target.s3.endpoint != null) {
                targetArgs.addAll(List.of("--s3-endpoint", target.s3.endpoint));
            }
            targetArgs.addAll(List.of(
                    "--s3-region",
                    target.s3.region == null ? "us-east-1" : target.s3.region,
                    "--s3-path-style",
                    String.valueOf(!Boolean.FALSE.equals(target.s3.forcePathStyle))));
            BackupTarget.CredentialsSecret creds = target.s3.credentialsSecret;
            env.add(secretEnv("AWS_ACCESS_KEY_ID", creds.name, creds.accessKeyIdKey));
            env.add(secretEnv("AWS_SECRET_ACCESS_KEY", creds.name, creds.secretAccessKeyKey));
            S3CaBundle ca = S3CaBundle.of(target.s3.caBundle);
            if (ca != null) {
                targetArgs.addAll(ca.args());
                volumes.add(ca.volume());
                mounts.add(ca.mount());
            }
        } else {
            String dir = BACKUP_DIR + "/" + folder(target.pvc);
            saveTo = dir + name + ".snap";
            targetArgs.add("--checksum-file");
            volumes.add(new VolumeBuilder()
                    .withName("backup")
                    .withNewPersistentVolumeClaim(target.pvc.claimName, false)
                    .build());
            mounts.add(new io.fabric8.kubernetes.api.model.VolumeMountBuilder()
                    .withMountPath(BACKUP_DIR)
                    .withName("backup")
                    .build());
        }
        args.addAll(List.of(
                "-o",
                "json",
                "snapshot",
                "save",
                saveTo,
                "--snapshot-timeout",
                plan.timeout().toSeconds() + "s",
                "--result-file",
                "/dev/termination-log"));
        args.addAll(targetArgs);
        plan.retention().ifPresent(r -> {
            args.addAll(List.of("--prune-prefix", r.prefix(), "--keep-last", String.valueOf(r.keepLast())));
            r.keepWithin().ifPresent(d -> args.addAll(List.of("--keep-within", d.toSeconds() + "s")));
        });

        Container container = new ContainerBuilder()
                .withName(CONTAINER)
                .withImage(cluster.getSpec().getImage())
                .withImagePullPolicy(cluster.getSpec().getImagePullPolicy().name())
                .withCommand("java")
                .withArgs(args)
                .withEnv(env)
                .withVolumeMounts(mounts)
                .withTerminationMessagePolicy("FallbackToLogsOnError")
                .withNewResources()
                .withRequests(Map.of("cpu", new Quantity("100m"), "memory", new Quantity("256Mi")))
                .withLimits(Map.of("memory", new Quantity("512Mi")))
                .endResources()
                .withNewSecurityContext()
                .withAllowPrivilegeEscalation(false)
                .withReadOnlyRootFilesystem(false)
                .withNewCapabilities()
                .withDrop("ALL")
                .endCapabilities()
                .endSecurityContext()
                .build();
        List<LocalObjectReference> pullSecrets = cluster.getSpec().getImagePullSecrets() == null
                ? List.of()
                : cluster.getSpec().getImagePullSecrets().stream()
                        .map(LocalObjectReference::new)
                        .toList();
        return new JobBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(backup.getMetadata().getNamespace())
                .withLabels(labels)
                .endMetadata()
                .withNewSpec()
                .withBackoffLimit(BACKOFF_LIMIT)
                .withActiveDeadlineSeconds(plan.timeout().toSeconds() + 60)
                .withNewTemplate()
                .withNewMetadata()
                .withLabels(labels)
                .endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .withImagePullSecrets(pullSecrets)
                .withNewSecurityContext()
                .withRunAsNonRoot(true)
                .withRunAsUser(10001L)
                .withRunAsGroup(10001L)
                .withFsGroup(10001L)
                .withNewSeccompProfile()
                .withType("RuntimeDefault")
                .endSeccompProfile()
                .endSecurityContext()
                .withContainers(container)
                .withVolumes(volumes)
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    /** Every member's client address, so raftkvctl can pick the most up-to-date follower. */
    static String endpoints(RaftKvCluster cluster) {
        List<String> all = new ArrayList<>();
        for (int i = 0; i < cluster.getSpec().getReplicas(); i++) {
            all.add(ClusterObjects.clientAddress(cluster, i));
        }
        return String.join(",", all);
    }

    private static EnvVar secretEnv(String name, String secret, String key) {
        return new EnvVarBuilder()
                .withName(name)
                .withNewValueFrom()
                .withNewSecretKeyRef(key, secret, false)
                .endValueFrom()
                .build();
    }
}
