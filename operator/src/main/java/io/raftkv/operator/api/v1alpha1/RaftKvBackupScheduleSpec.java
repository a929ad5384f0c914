package io.raftkv.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** When to back up a cluster, where to, and how many backups to keep. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RaftKvBackupScheduleSpec {

    @Required
    @Pattern("^[a-z]([-a-z0-9]*[a-z0-9])?$")
    @JsonPropertyDescription("Name of the RaftKvCluster (same namespace) to back up.")
    public String clusterName;

    @Required
    @JsonPropertyDescription("Standard five-field cron expression (minute hour day-of-month month"
            + " day-of-week), in UTC, e.g. '0 */6 * * *'. A firing missed while the operator was down"
            + " is taken once when it comes back (never more than one catch-up backup).")
    public String schedule;

    @Default("false")
    @JsonPropertyDescription("true stops new backups (existing ones and retention stay).")
    public Boolean suspend = Boolean.FALSE;

    @JsonPropertyDescription("Where the snapshots go (as a RaftKvBackup's target); a"
            + " PersistentVolumeClaim <clusterName>-backups when unset.")
    public BackupTarget target;

    @Default("30m")
    @Pattern(RaftKvBackupSpec.DURATION_PATTERN)
    @JsonPropertyDescription("Deadline of each backup, e.g. 30m.")
    public String timeout = "30m";

    @JsonPropertyDescription("How many of this schedule's backups to keep.")
    public Retention retention = new Retention();

    /** Retention by count and age; a backup is deleted when either rule says so. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Retention {
        @Default("7")
        @Min(1)
        @Max(1000)
        @JsonPropertyDescription("Keep at most this many successful backups (the newest).")
        public Integer maxCount = 7;

        @Pattern(RaftKvBackupSpec.DURATION_PATTERN)
        @JsonPropertyDescription("Delete backups older than this (e.g. 168h); no age limit when unset."
                + " The newest successful backup is kept whatever its age.")
        public String maxAge;

        @Default("3")
        @Min(0)
        @Max(100)
        @JsonPropertyDescription("Keep at most this many failed backups (the newest), for their messages.")
        public Integer failedToKeep = 3;
    }
}
