package io.raftkv.operator.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.operator.TestClusters;
import io.raftkv.operator.api.v1alpha1.RaftKvCluster;
import io.raftkv.operator.api.v1alpha1.RaftKvClusterStatus;
import io.raftkv.operator.api.v1alpha1.RaftKvMember;
import io.raftkv.operator.api.v1alpha1.SurvivorStatus;
import io.raftkv.operator.membership.MemberView;
import io.raftkv.operator.membership.NodeStatusView;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QuorumRecoveryTest {

    private static RaftKvCluster threeVoters() {
        RaftKvCluster c = TestClusters.stored("ns", "kv", 3);
        RaftKvClusterStatus s = new RaftKvClusterStatus();
        s.setMembers(List.of(member("1", "kv-0"), member("2", "kv-1"), member("3", "kv-2")));
        c.setStatus(s);
        return c;
    }

    private static RaftKvMember member(String id, String pod) {
        RaftKvMember m = new RaftKvMember();
        m.setId(id);
        m.setPod(pod);
        m.setRole("voter");
        return m;
    }

    private static NodeStatusView node(long id, long term, long lastIndex) {
        return new NodeStatusView(
                id,
                false,
                false,
                term,
                0,
                "",
                lastIndex,
                lastIndex,
                lastIndex == 0 ? List.of() : List.of(new MemberView(id, true, "p:1", "c:1")),
                Map.of());
    }

    @Test
    void oneSurvivorOfThreeIsALostQuorumNamingItsTermAndLastIndex() {
        // pods 1 and 2 came back on fresh volumes under new ids: not survivors
        var a = QuorumRecovery.assess(
                threeVoters(),
                Map.of(0, node(1, 7, 812), 1, node(5_000_000_000L, 0, 0), 2, node(6_000_000_000L, 0, 0)),
                null);
        assertThat(a.lost()).isTrue();
        assertThat(a.survivors()).containsExactly(new SurvivorStatus("kv-0", "1", 7L, 812L, null));
        assertThat(a.message())
                .contains("1 of 3 voters")
                .contains("kv-0 (member 1, term 7, last index 812)")
                .contains("raftkv.io/force-new-cluster=kv-0/1");
        assertThat(a.rebuild()).isEmpty();
    }

    @Test
    void survivorsAreOrderedByTermThenLastIndex() {
        RaftKvCluster c = TestClusters.stored("ns", "kv", 5);
        RaftKvClusterStatus s = new RaftKvClusterStatus();
        s.setMembers(List.of(
                member("1", "kv-0"),
                member("2", "kv-1"),
                member("3", "kv-2"),
                member("4", "kv-3"),
                member("5", "kv-4")));
        c.setStatus(s);
        var a = QuorumRecovery.assess(c, Map.of(0, node(1, 7, 900), 3, node(4, 8, 850)), null);
        assertThat(a.lost()).isTrue();
        assertThat(a.survivors()).extracting(SurvivorStatus::getPod).containsExactly("kv-3", "kv-0");
    }

    @Test
    void aMajorityAnsweringIsNoQuorumLoss() {
        var a = QuorumRecovery.assess(threeVoters(), Map.of(0, node(1, 7, 812), 2, node(3, 7, 810)), null);
        assertThat(a.lost()).isFalse();
        assertThat(a.rebuild()).isEmpty();
        // a cluster that never reported members (being created) is not judged at all
        assertThat(QuorumRecovery.assess(TestClusters.stored("ns", "kv", 3), Map.of(), "kv-0/1")
                        .lost())
                .isFalse();
    }

    @Test
    void onlyAnAnnotationNamingASurvivorsPodAndIdTriggersTheRebuild() {
        Map<Integer, NodeStatusView> probes = Map.of(0, node(1, 7, 812));
        assertThat(QuorumRecovery.assess(threeVoters(), probes, "kv-0/1").rebuild())
                .contains(new QuorumRecovery.Rebuild(0, "kv-0", 1));
        var wrongId = QuorumRecovery.assess(threeVoters(), probes, "kv-0/2");
        assertThat(wrongId.rebuild()).isEmpty();
        assertThat(wrongId.message()).contains("names no survivor");
        assertThat(QuorumRecovery.assess(threeVoters(), probes, "kv-1/2").rebuild())
                .isEmpty();
        // with a quorum, the annotation does nothing
        assertThat(QuorumRecovery.assess(threeVoters(), Map.of(0, node(1, 7, 812), 1, node(2, 7, 812)), "kv-0/1")
                        .rebuild())
                .isEmpty();
    }
}
