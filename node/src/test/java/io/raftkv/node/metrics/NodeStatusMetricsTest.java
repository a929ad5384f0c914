package io.raftkv.node.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.raftkv.node.driver.NodeStatus;
import io.raftkv.raft.ProgressState;
import io.raftkv.raft.StateType;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Leader-change counting and follower-lag series from status samples. */
class NodeStatusMetricsTest {
    private static NodeStatus status(long term, long leader, List<NodeStatus.FollowerLag> progress) {
        return new NodeStatus(
                1,
                leader == 1 ? StateType.LEADER : StateType.FOLLOWER,
                false,
                term,
                leader,
                "",
                0,
                0,
                0,
                0,
                0,
                List.of(new NodeStatus.Member(1, false, "a:1", "a:2")),
                progress,
                true,
                leader != 0);
    }

    @Test
    void gaugesReadTheCurrentStatusIncludingHasLeader() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AtomicReference<NodeStatus> now = new AtomicReference<>(status(1, 0, List.of()));
        NodeStatusMetrics m = new NodeStatusMetrics(registry, now::get, () -> true);
        assertThat(registry.get(RaftKvMeters.HAS_LEADER.name()).gauge().value()).isZero();
        now.set(status(3, 1, List.of()));
        assertThat(registry.get(RaftKvMeters.HAS_LEADER.name()).gauge().value()).isEqualTo(1);
        assertThat(registry.get(RaftKvMeters.ROLE.name())
                        .tag("role", "leader")
                        .gauge()
                        .value())
                .isEqualTo(1);
        assertThat(registry.get(RaftKvMeters.TERM.name()).gauge().value()).isEqualTo(3);
        m.close();
        assertThat(registry.find(RaftKvMeters.HAS_LEADER.name()).gauge()).isNull();
    }

    @Test
    void followerLagSeriesFollowTheConfiguration() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        NodeStatusMetrics m = new NodeStatusMetrics(registry, () -> status(1, 1, List.of()), () -> true);
        m.observe(status(
                1,
                1,
                List.of(
                        new NodeStatus.FollowerLag(2, 5, 6, 7, ProgressState.REPLICATE, true, false),
                        new NodeStatus.FollowerLag(3, 1, 2, 11, ProgressState.PROBE, true, false))));
        assertThat(registry.get(RaftKvMeters.FOLLOWER_LAG.name())
                        .tag("peer", "3")
                        .gauge()
                        .value())
                .isEqualTo(11);
        m.observe(status(1, 1, List.of(new NodeStatus.FollowerLag(2, 9, 10, 3, ProgressState.REPLICATE, true, false))));
        assertThat(registry.get(RaftKvMeters.FOLLOWER_LAG.name())
                        .tag("peer", "2")
                        .gauge()
                        .value())
                .isEqualTo(3);
        assertThat(registry.find(RaftKvMeters.FOLLOWER_LAG.name())
                        .tag("peer", "3")
                        .gauge())
                .isNull();
        m.close();
        assertThat(registry.getMeters()).isEmpty();
    }
}
