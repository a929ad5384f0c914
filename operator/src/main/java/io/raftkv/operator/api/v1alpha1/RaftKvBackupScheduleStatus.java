package io.raftkv.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** What the schedule did last: written by the operator only. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RaftKvBackupScheduleStatus {

    @JsonPropertyDescription("When the schedule last created a backup (RFC 3339).")
    public String lastScheduleTime;

    @JsonPropertyDescription("When it will next create one (RFC 3339); unset while suspended.")
    public String nextScheduleTime;

    @JsonPropertyDescription("The RaftKvBackup created last.")
    public String lastBackup;

    @JsonPropertyDescription("The newest RaftKvBackup that succeeded.")
    public String lastSuccessfulBackup;

    @JsonPropertyDescription("When that backup completed (RFC 3339).")
    public String lastSuccessfulTime;

    @JsonPropertyDescription("Failed backups among the kept ones.")
    public Integer failedBackups;

    @JsonPropertyDescription("Why the schedule is not creating backups (bad cron expression, suspended), if so.")
    public String message;

    @JsonPropertyDescription("The metadata.generation this status describes.")
    public Long observedGeneration;
}
