package io.raftkv.node.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.raftkv.node.driver.NodeStatus;
import io.raftkv.raft.StateType;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterStatusReportTest {
    static final PodIdentity POD =
            PodIdentity.fromEnvironment(PodIdentityTest.podEnv("orders-1", 3)).orElseThrow();

    /** A node status as the driver publishes it; {@code id} 2 is pod orders-1. */
    static NodeStatus status(StateType role, long term, long commit, List<NodeStatus.Member> members) {
        return new NodeStatus(
                2,
                role,
                false,
                term,
                role == StateType.LEADER ? 2 : 0,
                "",
                commit,
                commit,
                1,
                commit,
                0,
                members,
                List.of(),
                true,
                true);
    }

    static List<NodeStatus.Member> threeMembersAndALearner() {
        return List.of(
                new NodeStatus.Member(1, false, "orders-0.orders-peers.prod.svc:9091", ""),
                new NodeStatus.Member(2, false, "orders-1.orders-peers.prod.svc:9091", ""),
                new NodeStatus.Member(3, false, "10.0.0.7:9091", ""),
                new NodeStatus.Member(4294967311L, true, "orders-3.orders-peers.prod.svc:9091", ""));
    }

    @Test
    void leaderViewBecomesTheCrdShape() {
        ClusterStatusReport r =
                ClusterStatusReport.of(status(StateType.LEADER, 7, 120, threeMembersAndALearner()), POD);
        assertThat(r.leader()).isEqualTo("orders-1");
        assertThat(r.term()).isEqualTo(7);
        assertThat(r.commitIndex()).isEqualTo(120);
        assertThat(r.members())
                .containsExactly(
                        new ClusterStatusReport.MemberReport(
                                "1", "orders-0", "orders-0.orders-peers.prod.svc:9091", "Voter"),
                        new ClusterStatusReport.MemberReport(
                                "2", "orders-1", "orders-1.orders-peers.prod.svc:9091", "Voter"),
                        new ClusterStatusReport.MemberReport("3", "", "10.0.0.7:9091", "Voter"),
                        new ClusterStatusReport.MemberReport(
                                "4294967311", "orders-3", "orders-3.orders-peers.prod.svc:9091", "Learner"));
    }

    @Test
    void onlyALeaderHasAReport() {
        assertThatThrownBy(() -> ClusterStatusReport.of(status(StateType.FOLLOWER, 7, 1, List.of()), POD))
                .hasMessageContaining("only a leader reports");
    }

    @Test
    void mergePatchCarriesOnlyTheNodesFieldsAndTheVersionPrecondition() throws Exception {
        ClusterStatusReport r =
                ClusterStatusReport.of(status(StateType.LEADER, 7, 120, threeMembersAndALearner()), POD);
        JsonNode patch = new ObjectMapper().readTree(r.toMergePatch("4711"));
        assertThat(names(patch)).containsExactly("metadata", "status");
        assertThat(names(patch.get("metadata"))).containsExactly("resourceVersion");
        assertThat(patch.get("metadata").get("resourceVersion").asText()).isEqualTo("4711");
        assertThat(names(patch.get("status")))
                .containsExactlyInAnyOrder("leader", "term", "commitIndex", "members", "alarms");
        assertThat(patch.get("status").get("alarms").size())
                .as("an empty list clears the operator's copy")
                .isZero();
        assertThat(patch.get("status").get("members").get(2).has("pod")).isFalse();
        assertThat(patch.get("status").get("members").get(3).get("id").isTextual())
                .isTrue();
    }

    @Test
    void commitIndexAloneIsTheOnlyMinorChange() {
        ClusterStatusReport a =
                ClusterStatusReport.of(status(StateType.LEADER, 7, 120, threeMembersAndALearner()), POD);
        ClusterStatusReport b =
                ClusterStatusReport.of(status(StateType.LEADER, 7, 121, threeMembersAndALearner()), POD);
        ClusterStatusReport c =
                ClusterStatusReport.of(status(StateType.LEADER, 8, 121, threeMembersAndALearner()), POD);
        assertThat(a.differsBeyondCommitIndex(b)).isFalse();
        assertThat(b.differsBeyondCommitIndex(c)).isTrue();
        assertThat(a.differsBeyondCommitIndex(null)).isTrue();
    }

    @Test
    void alarmsAreReportedAndAChangeInThemIsWorthAPatch() throws Exception {
        ClusterStatusReport none =
                ClusterStatusReport.of(status(StateType.LEADER, 7, 120, threeMembersAndALearner()), POD);
        ClusterStatusReport raised = ClusterStatusReport.of(
                status(StateType.LEADER, 7, 121, threeMembersAndALearner()), POD, List.of("NOSPACE:2"));
        assertThat(none.differsBeyondCommitIndex(raised)).isTrue();
        JsonNode patch = new ObjectMapper().readTree(raised.toMergePatch(""));
        assertThat(patch.get("status").get("alarms").get(0).asText()).isEqualTo("NOSPACE:2");
    }

    private static List<String> names(JsonNode node) {
        List<String> out = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            out.add(it.next());
        }
        return out;
    }
}
