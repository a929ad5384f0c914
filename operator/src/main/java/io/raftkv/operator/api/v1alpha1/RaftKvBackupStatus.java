package io.raftkv.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** What the backup Job did: written by the operator only. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RaftKvBackupStatus {

    /** Phases of a backup. */
    public enum Phase {
        Pending,
        Running,
        Succeeded,
        Failed
    }

    @JsonPropertyDescription("Pending (waiting for the cluster or the target), Running (the Job"
            + " runs), Succeeded or Failed (final; message says why).")
    public Phase phase;

    @JsonPropertyDescription("Why the backup is in its phase, in words.")
    public String message;

    @JsonPropertyDescription("Name of the Job that takes the backup.")
    public String jobName;

    @JsonPropertyDescription("Where the snapshot is: s3://<bucket>/<key> or pvc://<claim>/<path>.")
    public String location;

    @JsonPropertyDescription("Raft log index the snapshot holds the state of (every entry up to it applied).")
    public Long index;

    @JsonPropertyDescription("Raft term of the entry at index.")
    public Long term;

    @JsonPropertyDescription("Store revision of the snapshot's state (docs/api.md, Revisions): the revision a"
            + " restored cluster starts from. Absent when the member could not tell it.")
    public Long revision;

    @JsonPropertyDescription("Snapshot size in bytes.")
    public Long bytes;

    @JsonPropertyDescription("SHA-256 of the whole snapshot file, hex.")
    public String sha256;

    @JsonPropertyDescription("CRC-32C of the snapshot data as the node sent it, hex (verified by the Job).")
    public String crc32c;

    @JsonPropertyDescription("Member (host:port) the snapshot was taken from.")
    public String sourceMember;

    @JsonPropertyDescription("When the Job started (RFC 3339).")
    public String startTime;

    @JsonPropertyDescription("When the backup succeeded or failed (RFC 3339).")
    public String completionTime;

    @JsonPropertyDescription("Seconds from start to completion.")
    public Double durationSeconds;

    @JsonPropertyDescription("The metadata.generation this status describes.")
    public Long observedGeneration;
}
