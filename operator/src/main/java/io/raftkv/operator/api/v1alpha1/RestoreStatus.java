package io.raftkv.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** Progress of {@code spec.restore}. Written by the operator. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RestoreStatus {

    public static final String PHASE_PENDING = "Pending";
    public static final String PHASE_RESTORING = "Restoring";
    public static final String PHASE_COMPLETE = "Complete";
    public static final String PHASE_FAILED = "Failed";

    @JsonPropertyDescription("Pending (the source is not available yet: nothing is created),"
            + " Restoring (pod 0 restores the file; the cluster serves nothing),"
            + " Complete (the restored member leads; the others join by membership change) or Failed.")
    private String phase;

    @JsonPropertyDescription("The file restored, as pvc://<claim>/<path> or the URL.")
    private String source;

    @JsonPropertyDescription("Why the restore failed or waits, when it does.")
    private String message;

    @JsonPropertyDescription("When Failed, the kind of failure: RestoreSourceMissing, RestoreSourceCorrupt"
            + " (a SHA-256 or checksum mismatch), RestoreSourceUnreadable or RestoreVolumeNotEmpty. Nothing"
            + " was restored; the source was only read.")
    private String reason;

    @JsonPropertyDescription("When the restore completed (RFC 3339).")
    private String completedAt;

    public String getPhase() {
        return phase;
    }

    public void setPhase(String phase) {
        this.phase = phase;
    }

    public String getSource() {
        return source;
    }

    public void setSource(String source) {
        this.source = source;
    }

    public String getMessage() {
        return message;
    }

    public void setMessage(String message) {
        this.message = message;
    }

    public String getReason() {
        return reason;
    }

    public void setReason(String reason) {
        this.reason = reason;
    }

    public String getCompletedAt() {
        return completedAt;
    }

    public void setCompletedAt(String completedAt) {
        this.completedAt = completedAt;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RestoreStatus r
                && Objects.equals(phase, r.phase)
                && Objects.equals(source, r.source)
                && Objects.equals(message, r.message)
                && Objects.equals(reason, r.reason)
                && Objects.equals(completedAt, r.completedAt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(phase, source, message, reason, completedAt);
    }
}
