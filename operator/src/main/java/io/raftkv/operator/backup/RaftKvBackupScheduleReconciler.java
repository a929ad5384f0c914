package io.raftkv.operator.backup;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.raftkv.operator.api.v1alpha1.RaftKvBackup;
import io.raftkv.operator.api.v1alpha1.RaftKvBackupSchedule;
import io.raftkv.operator.api.v1alpha1.RaftKvBackupScheduleSpec;
import io.raftkv.operator.api.v1alpha1.RaftKvBackupScheduleStatus;
import io.raftkv.operator.api.v1alpha1.RaftKvBackupSpec;
import io.raftkv.operator.api.v1alpha1.RaftKvBackupStatus.Phase;
import io.raftkv.operator.dependents.ClusterObjects;
import io.raftkv.operator.events.EventRecorder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reconciles a {@link RaftKvBackupSchedule}: at each cron firing (UTC) it creates a RaftKvBackup
 * {@code <schedule>-<yyyyMMddHHmm>} labelled with the schedule, carrying its target, timeout and
 * retention; then it applies the retention to the schedule's RaftKvBackups (the backups' Jobs apply
 * the same rule to the stored snapshots, so the resources and the data agree).
 *
 * <p>Missed firings (operator down) give one catch-up backup, never a burst. While a backup of the
 * schedule is still Pending or Running, a firing is skipped (with an event), like a CronJob's
 * {@code concurrencyPolicy: Forbid}. The schedule's backups are not owned by it: deleting the
 * schedule keeps them.
 */
@ControllerConfiguration(name = RaftKvBackupScheduleReconciler.NAME)
public class RaftKvBackupScheduleReconciler implements Reconciler<RaftKvBackupSchedule> {

    public static final String NAME = "raftkvbackupschedule";

    /** Longest sleep between reconciliations, so the status follows the backups it created. */
    static final Duration MAX_SLEEP = Duration.ofMinutes(1);

    private static final CronParser CRON = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    private static final DateTimeFormatter SUFFIX =
            DateTimeFormatter.ofPattern("yyyyMMddHHmm").withZone(ZoneOffset.UTC);

    private final Clock clock;

    public RaftKvBackupScheduleReconciler(Clock clock) {
        this.clock = clock;
    }

    /** The cron expression's execution times, or the reason it is not one. */
    static ExecutionTime executionTime(String cron) {
        return ExecutionTime.forCron(CRON.parse(cron.trim()));
    }

    @Override
    public UpdateControl<RaftKvBackupSchedule> reconcile(
            RaftKvBackupSchedule schedule, Context<RaftKvBackupSchedule> context) {
        KubernetesClient client = context.getClient();
        EventRecorder events = new EventRecorder(client, clock);
        RaftKvBackupScheduleSpec spec = schedule.getSpec();
        RaftKvBackupScheduleStatus previous =
                schedule.getStatus() == null ? new RaftKvBackupScheduleStatus() : schedule.getStatus();
        RaftKvBackupScheduleStatus s = copy(previous);
        s.observedGeneration = schedule.getMetadata().getGeneration();
        Instant now = clock.instant();
        ExecutionTime times;
        try {
            times = executionTime(spec.schedule);
            if (spec.retention != null && spec.retention.maxAge != null) {
                BackupPlan.parseDuration(spec.retention.maxAge);
            }
        } catch (IllegalArgumentException e) {
            String msg = "spec.schedule '" + spec.schedule + "' is not a five-field cron expression: " + e.getMessage();
            if (!msg.equals(previous.message)) {
                events.record(schedule, "Warning", "InvalidSchedule", msg);
            }
            s.message = msg;
            s.nextScheduleTime = null;
            return patch(schedule, previous, s);
        }
        List<RaftKvBackup> backups = backupsOf(client, schedule);
        ZonedDateTime utcNow = now.atZone(ZoneOffset.UTC);
        Instant since = previous.lastScheduleTime != null
                ? Instant.parse(previous.lastScheduleTime)
                : Instant.parse(schedule.getMetadata().getCreationTimestamp());
        Optional<Instant> due =
                times.lastExecution(utcNow).map(ZonedDateTime::toInstant).filter(t -> t.isAfter(since));
        s.message = Boolean.TRUE.equals(spec.suspend) ? "suspended" : null;
        if (due.isPresent() && !Boolean.TRUE.equals(spec.suspend)) {
            Optional<RaftKvBackup> active = backups.stream()
                    .filter(b -> b.getStatus() == null
                            || b.getStatus().phase == null
                            || b.getStatus().phase == Phase.Pending
                            || b.getStatus().phase == Phase.Running)
                    .findFirst();
            if (active.isPresent()) {
                s.message = "firing at " + due.get() + " skipped: "
                        + active.get().getMetadata().getName() + " has not finished";
                events.record(schedule, "Warning", "BackupSkipped", s.message);
            } else {
                RaftKvBackup created = create(client, schedule, due.get());
                events.record(
                        schedule,
                        "Normal",
                        "BackupCreated",
                        "created RaftKvBackup " + created.getMetadata().getName() + " for the firing at " + due.get());
                s.lastBackup = created.getMetadata().getName();
                backups.add(created);
            }
            s.lastScheduleTime = due.get().toString();
        }
        prune(client, events, schedule, backups, now);
        backups.stream()
                .filter(b -> b.getStatus() != null && b.getStatus().phase == Phase.Succeeded)
                .max(Comparator.comparing(b -> b.getMetadata().getName()))
                .ifPresent(b -> {
                    s.lastSuccessfulBackup = b.getMetadata().getName();
                    s.lastSuccessfulTime = b.getStatus().completionTime;
                });
        s.failedBackups = (int) backups.stream()
                .filter(b -> b.getStatus() != null && b.getStatus().phase == Phase.Failed)
                .count();
        Optional<Instant> next = Boolean.TRUE.equals(spec.suspend)
                ? Optional.empty()
                : times.nextExecution(utcNow).map(ZonedDateTime::toInstant);
        s.nextScheduleTime = next.map(Instant::toString).orElse(null);
        Duration sleep = next.map(t -> Duration.between(now, t))
                .filter(d -> d.compareTo(MAX_SLEEP) < 0)
                .orElse(MAX_SLEEP);
        return patch(schedule, previous, s).rescheduleAfter(sleep.isNegative() ? Duration.ofSeconds(1) : sleep);
    }

    private static List<RaftKvBackup> backupsOf(KubernetesClient client, RaftKvBackupSchedule schedule) {
        return new ArrayList<>(client.resources(RaftKvBackup.class)
                .inNamespace(schedule.getMetadata().getNamespace())
                .withLabel(BackupPlan.SCHEDULE_LABEL, schedule.getMetadata().getName())
                .list()
                .getItems());
    }

    private RaftKvBackup create(KubernetesClient client, RaftKvBackupSchedule schedule, Instant firing) {
        RaftKvBackupScheduleSpec spec = schedule.getSpec();
        RaftKvBackup b = new RaftKvBackup();
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(ClusterObjects.LABEL_NAME, ClusterObjects.APP_NAME);
        labels.put(ClusterObjects.LABEL_INSTANCE, spec.clusterName);
        labels.put(ClusterObjects.LABEL_MANAGED_BY, ClusterObjects.MANAGER);
        labels.put(BackupPlan.SCHEDULE_LABEL, schedule.getMetadata().getName());
        Map<String, String> annotations = new LinkedHashMap<>();
        RaftKvBackupScheduleSpec.Retention r =
                spec.retention != null ? spec.retention : new RaftKvBackupScheduleSpec.Retention();
        annotations.put(BackupPlan.KEEP_LAST_ANNOTATION, String.valueOf(r.maxCount == null ? 7 : r.maxCount));
        if (r.maxAge != null) {
            annotations.put(
                    BackupPlan.KEEP_WITHIN_ANNOTATION,
                    String.valueOf(BackupPlan.parseDuration(r.maxAge).toSeconds()));
        }
        b.setMetadata(new ObjectMetaBuilder()
                .withName(schedule.getMetadata().getName() + "-" + SUFFIX.format(firing))
                .withNamespace(schedule.getMetadata().getNamespace())
                .withLabels(labels)
                .withAnnotations(annotations)
                .build());
        RaftKvBackupSpec bs = new RaftKvBackupSpec();
        bs.clusterName = spec.clusterName;
        bs.target = spec.target;
        bs.timeout = spec.timeout == null ? "30m" : spec.timeout;
        b.setSpec(bs);
        try {
            return client.resource(b).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) { // created before a crash, status not yet patched
                return client.resource(b).get();
            }
            throw e;
        }
    }

    /**
     * Deletes the schedule's RaftKvBackups beyond the retention: succeeded ones beyond
     * {@code maxCount} or older than {@code maxAge} (never the newest), failed ones beyond
     * {@code failedToKeep}. Names sort by firing time.
     */
    private void prune(
            KubernetesClient client,
            EventRecorder events,
            RaftKvBackupSchedule schedule,
            List<RaftKvBackup> backups,
            Instant now) {
        RaftKvBackupScheduleSpec.Retention r = schedule.getSpec().retention != null
                ? schedule.getSpec().retention
                : new RaftKvBackupScheduleSpec.Retention();
        int keep = r.maxCount == null ? 7 : r.maxCount;
        Optional<Duration> maxAge = Optional.ofNullable(r.maxAge).map(BackupPlan::parseDuration);
        int keepFailed = r.failedToKeep == null ? 3 : r.failedToKeep;
        List<RaftKvBackup> succeeded = sortedNewestFirst(backups, Phase.Succeeded);
        List<RaftKvBackup> failed = sortedNewestFirst(backups, Phase.Failed);
        List<RaftKvBackup> delete = new ArrayList<>();
        for (int i = 1; i < succeeded.size(); i++) {
            RaftKvBackup b = succeeded.get(i);
            String done = b.getStatus().completionTime;
            boolean tooOld =
                    maxAge.isPresent() && done != null && Instant.parse(done).isBefore(now.minus(maxAge.get()));
            if (i >= keep || tooOld) {
                delete.add(b);
            }
        }
        delete.addAll(failed.subList(Math.min(keepFailed, failed.size()), failed.size()));
        for (RaftKvBackup b : delete) {
            client.resource(b).delete();
            backups.remove(b);
            events.record(
                    schedule,
                    "Normal",
                    "BackupPruned",
                    "deleted RaftKvBackup " + b.getMetadata().getName() + " (retention: " + keep + " newest"
                            + maxAge.map(d -> ", at most " + r.maxAge + " old").orElse("") + ")");
        }
    }

    private static List<RaftKvBackup> sortedNewestFirst(List<RaftKvBackup> backups, Phase phase) {
        return backups.stream()
                .filter(b -> b.getStatus() != null && b.getStatus().phase == phase)
                .sorted(Comparator.comparing((RaftKvBackup b) -> b.getMetadata().getName())
                        .reversed())
                .toList();
    }

    private static UpdateControl<RaftKvBackupSchedule> patch(
            RaftKvBackupSchedule schedule, RaftKvBackupScheduleStatus previous, RaftKvBackupScheduleStatus next) {
        if (new com.fasterxml.jackson.databind.ObjectMapper()
                .valueToTree(previous)
                .equals(new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(next))) {
            return UpdateControl.noUpdate();
        }
        schedule.setStatus(next);
        return UpdateControl.patchStatus(schedule);
    }

    private static RaftKvBackupScheduleStatus copy(RaftKvBackupScheduleStatus p) {
        RaftKvBackupScheduleStatus s = new RaftKvBackupScheduleStatus();
        s.lastScheduleTime = p.lastScheduleTime;
        s.nextScheduleTime = p.nextScheduleTime;
        s.lastBackup = p.lastBackup;
        s.lastSuccessfulBackup = p.lastSuccessfulBackup;
        s.lastSuccessfulTime = p.lastSuccessfulTime;
        s.failedBackups = p.failedBackups;
        s.message = p.message;
        s.observedGeneration = p.observedGeneration;
        return s;
    }
}
