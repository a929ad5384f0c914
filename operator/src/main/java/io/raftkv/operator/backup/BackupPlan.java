package io.raftkv.operator.backup;

import io.raftkv.operator.api.v1alpha1.BackupTarget;
import io.raftkv.operator.api.v1alpha1.RaftKvBackup;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import java.time.Duration;
import java.util.Optional;

/**
 * Everything the backup Job is built from, decided by the reconciler before the workflow runs:
 * the backup, its cluster, whether that cluster speaks TLS, the effective target, and the
 * retention a schedule asked for (empty for a one-off backup).
 */
public record BackupPlan(
        RaftKvBackup backup,
        RaftKvCluster cluster,
        boolean tls,
        BackupTarget target,
        Duration timeout,
        Optional<Retention> retention) {

    /** Label on a schedule's backups (the schedule's name) and on the Job's pod (the backup's). */
    public static final String SCHEDULE_LABEL = "raftkv.io/backup-schedule";

    public static final String BACKUP_LABEL = "raftkv.io/backup";

    /** Annotations a schedule puts on its backups: the retention their Job applies to the stored series. */
    public static final String KEEP_LAST_ANNOTATION = "raftkv.io/keep-last";

    public static final String KEEP_WITHIN_ANNOTATION = "raftkv.io/keep-within-seconds";

    /** A schedule's retention of the stored snapshots: the series {@code <prefix>*.snap}. */
    public record Retention(String prefix, int keepLast, Optional<Duration> keepWithin) {}

    /** The target, defaulting to the PVC {@code <cluster>-backups} at its root. */
    public static BackupTarget effectiveTarget(BackupTarget target, String clusterName) {
        BackupTarget t = target != null ? target : new BackupTarget();
        if (t.s3 == null && t.pvc == null) {
            t.pvc = new BackupTarget.PvcTarget();
        }
        if (t.pvc != null && (t.pvc.claimName == null || t.pvc.claimName.isBlank())) {
            t.pvc.claimName = clusterName + "-backups";
        }
        return t;
    }

    /** Parses the CRD's Go-style durations (30m, 1h30m, 90s). */
    public static Duration parseDuration(String text) {
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("(\\d+)([hms])").matcher(text);
        Duration d = Duration.ZERO;
        int end = 0;
        while (m.find()) {
            if (m.start() != end) {
                throw new IllegalArgumentException("not a duration: " + text);
            }
            end = m.end();
            long n = Long.parseLong(m.group(1));
            d = d.plus(
                    switch (m.group(2)) {
                        case "h" -> Duration.ofHours(n);
                        case "m" -> Duration.ofMinutes(n);
                        default -> Duration.ofSeconds(n);
                    });
        }
        if (end != text.length() || end == 0 || d.isZero()) {
            throw new IllegalArgumentException("not a positive duration like 30m or 1h30m: " + text);
        }
        return d;
    }
}
