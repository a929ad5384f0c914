package io.raftkv.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Raft timing, expressed the way the consensus core counts time: in ticks of {@code tickMs}.
 * Invariant (enforced by the schema and again by the reconciler):
 * {@code 1 <= heartbeatTicks < electionTicks}, so followers hear from a leader several times per
 * election timeout.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "self.heartbeatTicks < self.electionTicks",
        message = "raft.heartbeatTicks must be smaller than raft.electionTicks")
public class RaftTuningSpec {

    @Min(10)
    @Max(5000)
    @Default("100")
    @JsonPropertyDescription("Length of one Raft tick in milliseconds (RAFTKV_TICK_MS).")
    private Integer tickMs = 100;

    @Min(2)
    @Max(1000)
    @Default("10")
    @JsonPropertyDescription("Election timeout in ticks; each node randomizes it within"
            + " [electionTicks, 2*electionTicks) (RAFTKV_ELECTION_TICKS).")
    private Integer electionTicks = 10;

    @Min(1)
    @Max(500)
    @Default("1")
    @JsonPropertyDescription("Leader heartbeat interval in ticks (RAFTKV_HEARTBEAT_TICKS).")
    private Integer heartbeatTicks = 1;

    @Min(100)
    @Default("100000")
    @JsonPropertyDescription("Applied entries after which a node snapshots its state machine and"
            + " compacts its log (RAFTKV_SNAPSHOT_THRESHOLD_ENTRIES).")
    private Long snapshotThresholdEntries = 100_000L;

    public Integer getTickMs() {
        return tickMs;
    }

    public void setTickMs(Integer tickMs) {
        this.tickMs = tickMs;
    }

    public Integer getElectionTicks() {
        return electionTicks;
    }

    public void setElectionTicks(Integer electionTicks) {
        this.electionTicks = electionTicks;
    }

    public Integer getHeartbeatTicks() {
        return heartbeatTicks;
    }

    public void setHeartbeatTicks(Integer heartbeatTicks) {
        this.heartbeatTicks = heartbeatTicks;
    }

    public Long getSnapshotThresholdEntries() {
        return snapshotThresholdEntries;
    }

    public void setSnapshotThresholdEntries(Long snapshotThresholdEntries) {
        this.snapshotThresholdEntries = snapshotThresholdEntries;
    }
}
