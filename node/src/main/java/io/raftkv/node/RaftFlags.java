package io.raftkv.node;

import io.raftkv.node.storage.StorageOptions;
import java.util.List;

/** Raft timing and snapshot cadence. */
final class RaftFlags {
    static final List<Setting> SETTINGS = List.of(
            new Setting("tick-ms", "10", "Length of one Raft tick in milliseconds."),
            new Setting("election-ticks", "30", "Election timeout in ticks (randomized in [n, 2n))."),
            new Setting("heartbeat-ticks", "5", "Heartbeat interval in ticks (< election-ticks)."),
            new Setting(
                    "lease-drift-ticks",
                    "3",
                    "Clock drift bound of the leader lease in ticks, in [1,"
                            + " election-ticks): LEASE reads are answered from the lease until election-ticks minus this"
                            + " after the newest heartbeat round a quorum acknowledged."),
            new Setting(
                    "snapshot-threshold-entries",
                    "100000",
                    "Take a snapshot (and compact the log) after this" + " many applied entries."),
            new Setting(
                    "snapshot-retain-entries",
                    "5000",
                    "Log entries kept below a snapshot, so slightly" + " lagging followers catch up without one."));

    private final SettingValues v;

    RaftFlags(SettingValues v) {
        this.v = v;
    }

    long tickMs() {
        return v.positiveLong("tick-ms");
    }

    int electionTicks() {
        return (int) v.positiveLong("election-ticks");
    }

    int leaseDriftTicks() {
        return (int) v.positiveLong("lease-drift-ticks");
    }

    int heartbeatTicks() {
        return (int) v.positiveLong("heartbeat-ticks");
    }

    long snapshotThresholdEntries() {
        return v.positiveLong("snapshot-threshold-entries");
    }

    long snapshotRetainEntries() {
        return v.nonNegativeLong("snapshot-retain-entries");
    }

    /** The storage options these flags set, over the defaults, for the cluster {@code clusterId}. */
    StorageOptions storageOptions(long clusterId) {
        return StorageOptions.defaults()
                .withClusterId(clusterId)
                .withSnapshotThresholdEntries(snapshotThresholdEntries())
                .withLogEntriesRetainedAfterSnapshot(snapshotRetainEntries());
    }

    void validate() {
        tickMs();
        if (heartbeatTicks() >= electionTicks()) {
            throw new IllegalArgumentException("--heartbeat-ticks (" + heartbeatTicks()
                    + ") must be less than --election-ticks (" + electionTicks() + ")");
        }
        if (leaseDriftTicks() >= electionTicks()) {
            throw new IllegalArgumentException("--lease-drift-ticks (" + leaseDriftTicks()
                    + ") must be less than --election-ticks (" + electionTicks() + ")");
        }
        snapshotThresholdEntries();
        snapshotRetainEntries();
    }
}
