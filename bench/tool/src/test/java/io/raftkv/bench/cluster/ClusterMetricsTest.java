package io.raftkv.bench.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterMetricsTest {
    private static final ClusterMetrics.Names RAFTKV =
            new ClusterMetrics.Names("raftkv_raft_leader_changes_total", "raftkv_raft_persist_duration_seconds");

    private static String raftkv(double changes, double le10ms, double le20ms, double inf) {
        return """
                # HELP raftkv_raft_leader_changes_total leader changes
                # TYPE raftkv_raft_leader_changes_total counter
                raftkv_raft_leader_changes_total %s
                raftkv_raft_persist_duration_seconds_bucket{le="0.01",} %s
                raftkv_raft_persist_duration_seconds_bucket{le="0.02",} %s
                raftkv_raft_persist_duration_seconds_bucket{le="+Inf",} %s
                raftkv_raft_persist_duration_seconds_count %s
                """.formatted(changes, le10ms, le20ms, inf, inf);
    }

    @Test
    void leaderChangesAreTheMostAnyMemberSawAndSlowestPersistIsTheSmallestBoundHoldingAll() {
        ClusterMetrics.Snapshot open = new ClusterMetrics.Snapshot(List.of(
                ClusterMetrics.parse(raftkv(1, 100, 100, 100), RAFTKV),
                ClusterMetrics.parse(raftkv(1, 50, 60, 60), RAFTKV)));
        ClusterMetrics.Snapshot close = new ClusterMetrics.Snapshot(List.of(
                ClusterMetrics.parse(raftkv(3, 200, 200, 200), RAFTKV), // 2 changes, all ≤ 10 ms
                ClusterMetrics.parse(raftkv(2, 80, 91, 91), RAFTKV))); // 1 change, one persist in (10, 20] ms

        ClusterMetrics.Window w = ClusterMetrics.between(open, close);

        assertThat(w.leaderChanges()).isEqualTo(2);
        assertThat(w.slowestPersistMs()).isEqualTo(20.0);
    }

    @Test
    void aPersistBeyondTheLargestBoundIsInfiniteAndAnUnreadableMemberMakesTheWindowUnknown() {
        ClusterMetrics.Snapshot open =
                new ClusterMetrics.Snapshot(List.of(ClusterMetrics.parse(raftkv(0, 0, 0, 0), RAFTKV)));
        ClusterMetrics.Snapshot close =
                new ClusterMetrics.Snapshot(List.of(ClusterMetrics.parse(raftkv(0, 5, 5, 6), RAFTKV)));
        assertThat(ClusterMetrics.between(open, close).slowestPersistMs()).isInfinite();
        assertThat(ClusterMetrics.between(open, open).slowestPersistMs()).isZero();

        java.util.ArrayList<ClusterMetrics.Member> missing = new java.util.ArrayList<>();
        missing.add(null);
        assertThat(ClusterMetrics.between(open, new ClusterMetrics.Snapshot(missing)))
                .isEqualTo(ClusterMetrics.Window.UNKNOWN);
    }

    @Test
    void etcdExpositionWithoutTrailingCommaParses() {
        ClusterMetrics.Names etcd = new ClusterMetrics.Names(
                "etcd_server_leader_changes_seen_total", "etcd_disk_wal_fsync_duration_seconds");
        ClusterMetrics.Member m = ClusterMetrics.parse("""
                etcd_disk_wal_fsync_duration_seconds_bucket{le="0.001"} 7
                etcd_disk_wal_fsync_duration_seconds_bucket{le="+Inf"} 9
                etcd_server_leader_changes_seen_total 1
                etcd_server_leader_changes_seen_total_other 5
                """, etcd);
        assertThat(m.leaderChanges()).isEqualTo(1.0);
        assertThat(m.persistBuckets()).containsEntry(0.001, 7.0).containsEntry(Double.POSITIVE_INFINITY, 9.0);
    }
}
