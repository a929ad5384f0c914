package io.raftkv.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Automatic compaction of the key history (the node's {@code --auto-compaction-mode} and
 * {@code --auto-compaction-retention}, etcd's flags; docs/operations.md "Automatic compaction").
 * On by default here (periodic, 1 h), so the history of a cluster on Kubernetes does not grow
 * without bound; {@code retention: "0"} turns it off.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "self.mode != 'revision' || self.retention.matches('^[0-9]+$')",
        message = "autoCompaction.retention must be a whole number of revisions in revision mode")
public class AutoCompactionSpec {
    public static final String DEFAULT_RETENTION = "1h";

    @Default("periodic")
    @JsonPropertyDescription("periodic: retention is a duration of history to keep; revision: a number of"
            + " revisions to keep (RAFTKV_AUTO_COMPACTION_MODE).")
    private Mode mode = Mode.periodic;

    @Default(DEFAULT_RETENTION)
    @Pattern("^([0-9]+(\\.[0-9]+)?|([0-9]+(\\.[0-9]+)?(ms|s|m|h))+)$")
    @JsonPropertyDescription("History the leader keeps: a duration such as 1h, 30m or 1h30m (a bare number is"
            + " hours) in periodic mode, a number of revisions in revision mode; \"0\" turns automatic"
            + " compaction off (RAFTKV_AUTO_COMPACTION_RETENTION).")
    private String retention = DEFAULT_RETENTION;

    public Mode getMode() {
        return mode;
    }

    public void setMode(Mode mode) {
        this.mode = mode;
    }

    public String getRetention() {
        return retention;
    }

    public void setRetention(String retention) {
        this.retention = retention;
    }

    /** The node's compaction modes, spelled as its flag takes them. */
    public enum Mode {
        periodic,
        revision
    }
}
