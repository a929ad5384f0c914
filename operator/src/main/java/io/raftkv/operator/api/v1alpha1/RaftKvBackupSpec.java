package io.raftkv.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** What to back up and where to (immutable: a backup is a record of one run). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self == oldSelf", message = "a RaftKvBackup's spec is immutable; create a new backup")
public class RaftKvBackupSpec {

    /** Duration pattern of {@link #timeout}: Go-style, e.g. 30m, 1h30m, 90s. */
    public static final String DURATION_PATTERN = "^([0-9]+(h|m|s))+$";

    @Required
    @Pattern("^[a-z]([-a-z0-9]*[a-z0-9])?$")
    @JsonPropertyDescription("Name of the RaftKvCluster (same namespace) to back up.")
    public String clusterName;

    @JsonPropertyDescription("Where the snapshot goes; a PersistentVolumeClaim <clusterName>-backups when unset.")
    public BackupTarget target;

    @Default("30m")
    @Pattern(DURATION_PATTERN)
    @JsonPropertyDescription("Deadline of the whole backup (download and upload), e.g. 30m or 2h;"
            + " the Job is stopped and the backup Failed when it passes.")
    public String timeout = "30m";
}
