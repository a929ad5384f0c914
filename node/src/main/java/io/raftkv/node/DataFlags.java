package io.raftkv.node;

import io.raftkv.node.compaction.CompactionPolicy;
import io.raftkv.node.corruption.CorruptionCheck;
import io.raftkv.node.watch.WatchOptions;
import java.util.List;

/**
 * What the data may grow to and how its history is kept, watched and checked: quota, automatic
 * compaction, watch bounds, the corruption check.
 */
final class DataFlags {
    static final List<Setting> SETTINGS = List.of(
            new Setting(
                    "quota-backend-bytes",
                    "2147483648",
                    "Space quota of the state machine's data, in bytes"
                            + " (etcd's --quota-backend-bytes; 0: none). Above it the member raises the cluster-wide NOSPACE"
                            + " alarm: writes that add data fail RESOURCE_EXHAUSTED NO_SPACE until keys are deleted and an"
                            + " admin disarms it (raftkvctl alarm disarm). The Raft log and snapshots are not counted:"
                            + " leave room for them on the volume."),
            new Setting(
                    "corrupt-check-interval-seconds",
                    "300",
                    "Corruption check (etcd's corrupt check, docs/operations.md): every this often the leader"
                            + " compares every member's state hash at the same applied index and raises the"
                            + " cluster-wide CORRUPT alarm for a member whose hash differs (writes then fail"
                            + " DATA_LOSS CORRUPT); 0: no periodic check."),
            new Setting(
                    "initial-corrupt-check",
                    "true",
                    "Whether a member, once started and caught up, asks the leader for a corruption check"
                            + " (true or false)."),
            new Setting(
                    "corrupt-check-timeout-seconds",
                    "60",
                    "How long a corruption check waits for each member's state hash."),
            new Setting(
                    "auto-compaction-mode",
                    "periodic",
                    "How --auto-compaction-retention is read (etcd's flag): periodic (a duration of history"
                            + " to keep) or revision (a number of revisions to keep)."),
            new Setting(
                    "auto-compaction-retention",
                    "0",
                    "History the leader keeps when it compacts automatically: periodic mode a duration"
                            + " (1h, 30m, 1h30m, or a bare number of hours), revision mode a number of revisions;"
                            + " 0: never compact automatically (KV.Compact by hand). See docs/operations.md."),
            new Setting(
                    "watch-stream-buffer-bytes",
                    "8388608",
                    "Responses one Watch stream may hold unsent; beyond, a watcher with more to send is"
                            + " canceled as slow (its client watches again from the revision it names)."),
            new Setting(
                    "watch-recent-change-bytes",
                    "16777216",
                    "Most keys and values of changes each member keeps in memory for watchers that have"
                            + " not been sent them yet; other changes are read from the history on disk."),
            new Setting(
                    "watch-hand-off-bytes",
                    "67108864",
                    "Changes the apply thread may queue for the watch hub; beyond, they are dropped from"
                            + " the queue and watchers read them from the history (writes never wait)."),
            new Setting("watch-max-watchers-per-stream", "10000", "Watchers one Watch stream may hold."),
            new Setting(
                    "watch-progress-interval-ms",
                    "10000",
                    "How often an idle, caught-up watcher that asked for progress notifications gets one."));

    private final SettingValues v;

    DataFlags(SettingValues v) {
        this.v = v;
    }

    long quotaBackendBytes() {
        return v.nonNegativeLong("quota-backend-bytes");
    }

    CompactionPolicy autoCompaction() {
        try {
            return CompactionPolicy.parse(v.text("auto-compaction-mode"), v.text("auto-compaction-retention"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--auto-compaction-mode/--auto-compaction-retention: " + e.getMessage()
                    + " (" + v.source("auto-compaction-mode") + ", " + v.source("auto-compaction-retention") + ")");
        }
    }

    CorruptionCheck.Settings corruptionCheck() {
        String initial = v.text("initial-corrupt-check");
        if (!initial.equals("true") && !initial.equals("false")) {
            throw new IllegalArgumentException("--initial-corrupt-check must be true or false, got '" + initial + "' ("
                    + v.source("initial-corrupt-check") + ")");
        }
        return new CorruptionCheck.Settings(
                java.time.Duration.ofSeconds(v.nonNegativeLong("corrupt-check-interval-seconds")),
                Boolean.parseBoolean(initial),
                java.time.Duration.ofSeconds(v.positiveLong("corrupt-check-timeout-seconds")));
    }

    WatchOptions watchOptions() {
        WatchOptions d = WatchOptions.defaults();
        return new WatchOptions(
                v.positiveLong("watch-stream-buffer-bytes"),
                v.positiveLong("watch-recent-change-bytes"),
                v.positiveLong("watch-hand-off-bytes"),
                v.positiveIntCapped("watch-max-watchers-per-stream"),
                v.positiveLong("watch-progress-interval-ms"),
                d.batchEvents(),
                d.batchBytes());
    }

    void validate() {
        autoCompaction();
        corruptionCheck();
        watchOptions();
    }
}
