package io.raftkv.e2e.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.raftkv.e2e.proxy.Link;
import io.raftkv.e2e.proxy.LinkBehavior;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Fault logic against a recording fake cluster: what is checked here is what the fault decides
 * (which node, which links), not what a real cluster does about it. Seeds are fixed; the fault's
 * choices come from the cluster's seeded Random.
 */
class FaultsTest {

    @Test
    void killLeaderRestartsTheSameNodeEvenAfterLeadershipMoved() {
        RecordingCluster cluster = new RecordingCluster(3, 1);
        cluster.setLeader(2);
        Fault fault = new KillLeader();
        fault.inject(cluster);
        cluster.setLeader(3);
        fault.heal(cluster);
        fault.heal(cluster); // idempotent
        assertThat(cluster.actions).containsExactly("kill 2", "restart 2");
    }

    @Test
    void killFollowerNeverKillsTheLeader() {
        RecordingCluster cluster = new RecordingCluster(5, 2);
        cluster.setLeader(4);
        Set<String> victims = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            Fault fault = new KillFollower();
            fault.inject(cluster);
            fault.heal(cluster);
        }
        cluster.actions.stream().filter(a -> a.startsWith("kill")).forEach(victims::add);
        assertThat(victims).doesNotContain("kill 4").hasSizeGreaterThan(1);
    }

    @Test
    void killLeaderWithoutALeaderFailsClearlyAndHealIsHarmless() {
        RecordingCluster cluster = new RecordingCluster(3, 3);
        cluster.setLeader(0);
        Fault fault = new KillLeader();
        assertThatThrownBy(() -> fault.inject(cluster)).hasMessageContaining("no leader");
        fault.heal(cluster);
        assertThat(cluster.actions).isEmpty();
    }

    @Test
    void pauseLeaderOutlastsTheElectionTimeout() {
        RecordingCluster cluster = new RecordingCluster(3, 4);
        cluster.setLeader(1);
        Fault fault = new PauseLeader();
        assertThat(fault.minimumActive(cluster)).isGreaterThan(cluster.electionTimeout());
        fault.inject(cluster);
        fault.heal(cluster);
        assertThat(cluster.actions).containsExactly("pause 1", "resume 1");
    }

    @Test
    void isolateLeaderLeavesTheLeaderAloneAndTheRestConnected() {
        RecordingCluster cluster = new RecordingCluster(5, 5);
        cluster.setLeader(3);
        new IsolateLeader().inject(cluster);
        assertThat(cluster.network().reachableFrom(3)).isEmpty();
        assertThat(((RecordingCluster.MapNetwork) cluster.network()).components())
                .containsExactlyInAnyOrder(Set.of(3), Set.of(1, 2, 4, 5));
        new IsolateLeader().heal(cluster);
        assertThat(cluster.network().links())
                .allSatisfy(
                        l -> assertThat(cluster.network().behavior(l).isOpen()).isTrue());
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 5})
    void minorityPartitionLeavesAConnectedMajority(int size) {
        for (long seed = 0; seed < 20; seed++) {
            RecordingCluster cluster = new RecordingCluster(size, seed);
            new PartitionMinority().inject(cluster);
            Set<Set<Integer>> components = ((RecordingCluster.MapNetwork) cluster.network()).components();
            assertThat(components).hasSize(2);
            List<Integer> sizes = components.stream().map(Set::size).sorted().collect(Collectors.toList());
            assertThat(sizes).containsExactly((size - 1) / 2, size - (size - 1) / 2);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 5})
    void bridgeGivesTwoOverlappingMajoritiesThatShareOnlyTheBridge(int size) {
        for (long seed = 0; seed < 20; seed++) {
            RecordingCluster cluster = new RecordingCluster(size, seed);
            new BridgePartition(LinkBehavior.cut()).inject(cluster);
            var net = cluster.network();
            List<Integer> bridges = net.nodeIds().stream()
                    .filter(n -> net.reachableFrom(n).size() == size - 1)
                    .toList();
            assertThat(bridges).as("seed %d", seed).hasSize(1);
            int bridge = bridges.get(0);
            for (int node : net.nodeIds()) {
                if (node == bridge) {
                    continue;
                }
                // What this node sees, plus itself: its side and the bridge — a majority.
                Set<Integer> view = new HashSet<>(net.reachableFrom(node));
                view.add(node);
                assertThat(view).as("seed %d node %d", seed, node).contains(bridge);
                assertThat(view.size())
                        .as("seed %d node %d sees a majority", seed, node)
                        .isGreaterThan(size / 2);
                assertThat(view.size()).isLessThan(size);
                for (int other : view) { // symmetric cuts
                    if (other != node) {
                        assertThat(net.behavior(new Link(other, node)).isOpen()).isTrue();
                    }
                }
            }
        }
    }

    @Test
    void randomHalvesSplitsInTwo() {
        RecordingCluster cluster = new RecordingCluster(5, 9);
        new RandomHalves().inject(cluster);
        assertThat(((RecordingCluster.MapNetwork) cluster.network()).components())
                .extracting(Set::size)
                .containsExactlyInAnyOrder(2, 3);
    }

    @Test
    void slowAndLossyLinksTouchEveryLinkAndHealRestoresThem() {
        RecordingCluster cluster = new RecordingCluster(3, 10);
        new SlowLinks(30, 10).inject(cluster);
        assertThat(cluster.network().links())
                .hasSize(6)
                .allSatisfy(l -> assertThat(cluster.network().behavior(l)).isEqualTo(LinkBehavior.delayed(30, 10)));
        new LossyLinks(0.2, 150, 0.0).inject(cluster);
        assertThat(cluster.network().links())
                .allSatisfy(l ->
                        assertThat(cluster.network().behavior(l).lossShare()).isEqualTo(0.2));
        new LossyLinks().heal(cluster);
        assertThat(cluster.network().links())
                .allSatisfy(l -> assertThat(cluster.network().behavior(l)).isEqualTo(LinkBehavior.PASS));
    }

    @Test
    void partitionsRefuseAnOpenCutBehaviour() {
        assertThatThrownBy(() -> new IsolateLeader(LinkBehavior.delayed(5, 0)))
                .hasMessageContaining("severing behaviour");
    }

    @Test
    void membershipChangeRemovesAFollowerAndAddsAFreshMember() {
        RecordingCluster cluster = new RecordingCluster(3, 11);
        cluster.setLeader(2);
        Fault fault = new MembershipChange();
        fault.inject(cluster);
        assertThat(cluster.nodeIds()).hasSize(2).contains(2);
        fault.heal(cluster);
        assertThat(cluster.nodeIds()).hasSize(3).contains(4); // a new id, never a reused one
        assertThat(cluster.actions.get(0)).startsWith("remove ").isNotEqualTo("remove 2");
        assertThat(cluster.actions.get(1)).isEqualTo("add 4");
    }

    @Test
    void transferStormMovesLeadershipUntilHealed() {
        RecordingCluster cluster = new RecordingCluster(3, 12);
        TransferStorm storm = new TransferStorm(Duration.ofMillis(10));
        storm.inject(cluster);
        await().atMost(Duration.ofSeconds(10)).until(() -> cluster.actions.size() >= 5);
        storm.heal(cluster);
        int after = cluster.actions.size();
        assertThat(storm.failed()).isZero(); // the fake never refuses, and never sees a self-transfer
        assertThat(storm.attempted()).isEqualTo(after);
        assertThat(cluster.actions).allSatisfy(a -> assertThat(a).startsWith("transfer "));
        assertThatThrownBy(() -> new TransferStorm(Duration.ZERO)).hasMessageContaining("positive");
    }

    @Test
    void catalogueHasEveryKindOnceAndTheGateHasEight() {
        assertThat(Faults.all()).extracting(Fault::name).doesNotHaveDuplicates().hasSize(12);
        assertThat(Faults.gate())
                .extracting(Fault::name)
                .containsExactly(
                        "kill-leader",
                        "kill-follower",
                        "partition-minority",
                        "isolate-leader",
                        "bridge",
                        "pause-leader",
                        "slow-links",
                        "lossy-links");
    }
}
