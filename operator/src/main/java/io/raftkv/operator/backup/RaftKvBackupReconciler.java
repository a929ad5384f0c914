package io.raftkv.operator.backup;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.raftkv.operator.api.v1alpha1.BackupTarget;
import io.raftkv.operator.api.v1alpha1.CaBundleSource;
import io.raftkv.operator.api.v1alpha1.RaftKvBackup;
import io.raftkv.operator.api.v1alpha1.RaftKvBackupStatus;
import io.raftkv.operator.api.v1alpha1.RaftKvBackupStatus.Phase;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.dependents.ClusterObjects;
import io.raftkv.operator.dependents.S3CaBundle;
import io.raftkv.operator.events.EventRecorder;
import io.raftkv.operator.security.SecurityObjects;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reconciles a {@link RaftKvBackup}: waits (Pending, with the reason) until its cluster's
 * StatefulSet and its target (the PVC, or the S3 credentials Secret with both keys) exist, then
 * creates the one backup Job ({@link BackupJobDependent}) and follows it to Succeeded or Failed
 * ({@link BackupStatus}), with an event at each step and the backup metrics. A finished backup is
 * never run again; to back up again, create a new RaftKvBackup.
 */
@ControllerConfiguration(name = RaftKvBackupReconciler.NAME)
@Workflow(explicitInvocation = true, dependents = @Dependent(name = "job", type = BackupJobDependent.class))
public class RaftKvBackupReconciler implements Reconciler<RaftKvBackup> {

    public static final String NAME = "raftkvbackup";

    /** How soon to look again while waiting or running (the Job's informer wakes it up sooner). */
    public static final Duration RECHECK = Duration.ofSeconds(30);

    private final Clock clock;
    private final BackupMetrics metrics;
    private final Duration recheck;

    public RaftKvBackupReconciler(Clock clock, BackupMetrics metrics, Duration recheck) {
        this.clock = clock;
        this.metrics = metrics;
        this.recheck = recheck;
    }

    @Override
    public UpdateControl<RaftKvBackup> reconcile(RaftKvBackup backup, Context<RaftKvBackup> context) {
        KubernetesClient client = context.getClient();
        EventRecorder events = new EventRecorder(client, clock);
        RaftKvBackupStatus previous = backup.getStatus();
        String ns = backup.getMetadata().getNamespace();
        String clusterName = backup.getSpec().clusterName;
        if (previous != null && (previous.phase == Phase.Succeeded || previous.phase == Phase.Failed)) {
            observeSucceeded(backup, previous);
            return UpdateControl.noUpdate();
        }
        Optional<String> waiting = Optional.empty();
        RaftKvCluster cluster = client.resources(RaftKvCluster.class)
                .inNamespace(ns)
                .withName(clusterName)
                .get();
        StatefulSet sts = null;
        BackupTarget target = BackupPlan.effectiveTarget(backup.getSpec().target, clusterName);
        if (cluster == null) {
            waiting = Optional.of("RaftKvCluster " + clusterName + " not found in " + ns);
        } else {
            sts = client.apps()
                    .statefulSets()
                    .inNamespace(ns)
                    .withName(ClusterObjects.statefulSetName(cluster))
                    .get();
            if (sts == null) {
                waiting = Optional.of("RaftKvCluster " + clusterName + " has no StatefulSet yet");
            } else {
                waiting = targetProblem(client, ns, target);
            }
        }
        if (waiting.isPresent()) {
            RaftKvBackupStatus s = BackupStatus.copy(previous);
            s.phase = Phase.Pending;
            s.message = waiting.get();
            s.location = BackupJob.location(target, backup.getMetadata().getName());
            s.observedGeneration = backup.getMetadata().getGeneration();
            if (previous == null || !waiting.get().equals(previous.message)) {
                events.record(backup, "Warning", "BackupWaiting", waiting.get());
            }
            return patch(backup, previous, s).rescheduleAfter(recheck);
        }
        BackupPlan plan = new BackupPlan(
                backup,
                cluster,
                SecurityObjects.runsTls(sts),
                target,
                BackupPlan.parseDuration(backup.getSpec().timeout),
                retention(backup));
        context.managedWorkflowAndDependentResourceContext().put(BackupJobDependent.PLAN, plan);
        context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();
        Job job = context.getSecondaryResource(Job.class)
                .orElseGet(() -> client.batch()
                        .v1()
                        .jobs()
                        .inNamespace(ns)
                        .withName(backup.getMetadata().getName())
                        .get());
        if (job == null) {
            return UpdateControl.<RaftKvBackup>noUpdate().rescheduleAfter(Duration.ofSeconds(2));
        }
        List<Pod> pods = client.pods()
                .inNamespace(ns)
                .withLabel(BackupPlan.BACKUP_LABEL, backup.getMetadata().getName())
                .list()
                .getItems();
        RaftKvBackupStatus s = BackupStatus.of(previous, job, pods, clock.instant());
        s.observedGeneration = backup.getMetadata().getGeneration();
        s.location = BackupJob.location(target, backup.getMetadata().getName());
        Phase before = previous == null ? null : previous.phase;
        if (s.phase != before) {
            switch (s.phase) {
                case Running ->
                    events.record(
                            backup,
                            "Normal",
                            "BackupStarted",
                            "Job " + job.getMetadata().getName() + " backs up " + clusterName + " to " + s.location);
                case Succeeded -> {
                    events.record(backup, "Normal", "BackupSucceeded", s.message);
                    metrics.ended(ns, clusterName, true);
                    backup.setStatus(s);
                    observeSucceeded(backup, s);
                }
                case Failed -> {
                    events.record(backup, "Warning", "BackupFailed", s.message);
                    metrics.ended(ns, clusterName, false);
                }
                default -> {}
            }
        }
        UpdateControl<RaftKvBackup> control = patch(backup, previous, s);
        return s.phase == Phase.Running ? control.rescheduleAfter(recheck) : control;
    }

    private void observeSucceeded(RaftKvBackup backup, RaftKvBackupStatus s) {
        if (s.phase == Phase.Succeeded && s.completionTime != null) {
            metrics.success(
                    backup.getMetadata().getNamespace(),
                    backup.getSpec().clusterName,
                    Instant.parse(s.completionTime).getEpochSecond(),
                    s.durationSeconds == null ? 0 : s.durationSeconds,
                    s.bytes == null ? 0 : s.bytes);
        }
    }

    private static UpdateControl<RaftKvBackup> patch(
            RaftKvBackup backup, RaftKvBackupStatus previous, RaftKvBackupStatus next) {
        if (previous != null && BackupStatus.same(previous, next)) {
            return UpdateControl.noUpdate();
        }
        backup.setStatus(next);
        return UpdateControl.patchStatus(backup);
    }

    /** Why the target cannot be written yet, if so. */
    static Optional<String> targetProblem(KubernetesClient client, String ns, BackupTarget target) {
        if (target.pvc != null) {
            PersistentVolumeClaim pvc = client.persistentVolumeClaims()
                    .inNamespace(ns)
                    .withName(target.pvc.claimName)
                    .get();
            return pvc == null
                    ? Optional.of("PersistentVolumeClaim " + target.pvc.claimName + " not found in " + ns
                            + ": create it (docs/operations.md, Backups) or set spec.target")
                    : Optional.empty();
        }
        BackupTarget.CredentialsSecret creds = target.s3.credentialsSecret;
        Secret secret = client.secrets().inNamespace(ns).withName(creds.name).get();
        if (secret == null) {
            return Optional.of("Secret " + creds.name + " (the S3 credentials) not found in " + ns);
        }
        for (String key : List.of(creds.accessKeyIdKey, creds.secretAccessKeyKey)) {
            boolean has = (secret.getData() != null && secret.getData().containsKey(key))
                    || (secret.getStringData() != null && secret.getStringData().containsKey(key));
            if (!has) {
                return Optional.of("Secret " + creds.name + " has no key " + key);
            }
        }
        return caBundleProblem(client, ns, target.s3.caBundle);
    }

    /** Why the CA bundle of an https target cannot be mounted yet (its ConfigMap/Secret or key missing), if so. */
    static Optional<String> caBundleProblem(KubernetesClient client, String ns, CaBundleSource ca) {
        S3CaBundle bundle = S3CaBundle.of(ca);
        if (bundle == null) {
            return Optional.empty();
        }
        Map<String, String> data = new java.util.HashMap<>();
        if (bundle.secret()) {
            Secret s = client.secrets().inNamespace(ns).withName(bundle.name()).get();
            if (s != null) {
                Optional.ofNullable(s.getData()).ifPresent(data::putAll);
                Optional.ofNullable(s.getStringData()).ifPresent(data::putAll);
            } else {
                data = null;
            }
        } else {
            ConfigMap m =
                    client.configMaps().inNamespace(ns).withName(bundle.name()).get();
            if (m != null) {
                Optional.ofNullable(m.getData()).ifPresent(data::putAll);
            } else {
                data = null;
            }
        }
        String what = (bundle.secret() ? "Secret " : "ConfigMap ") + bundle.name();
        if (data == null) {
            return Optional.of(what + " (target.s3.caBundle) not found in " + ns);
        }
        return data.containsKey(bundle.key())
                ? Optional.empty()
                : Optional.of(what + " has no key " + bundle.key() + " (target.s3.caBundle)");
    }

    /** The retention a schedule put on its backup (annotations), applied by the Job to the stored series. */
    static Optional<BackupPlan.Retention> retention(RaftKvBackup backup) {
        Map<String, String> labels = backup.getMetadata().getLabels();
        Map<String, String> annotations = backup.getMetadata().getAnnotations();
        if (labels == null
                || !labels.containsKey(BackupPlan.SCHEDULE_LABEL)
                || annotations == null
                || !annotations.containsKey(BackupPlan.KEEP_LAST_ANNOTATION)) {
            return Optional.empty();
        }
        Optional<Duration> within = Optional.ofNullable(annotations.get(BackupPlan.KEEP_WITHIN_ANNOTATION))
                .map(v -> Duration.ofSeconds(Long.parseLong(v)));
        return Optional.of(new BackupPlan.Retention(
                labels.get(BackupPlan.SCHEDULE_LABEL) + "-",
                Integer.parseInt(annotations.get(BackupPlan.KEEP_LAST_ANNOTATION)),
                within));
    }
}
