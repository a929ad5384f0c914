package io.raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Linearizable reads through ReadIndex (dissertation §6.4) and leases (§6.4.1). */
class ReadIndexTest {

    private static List<String> contexts(List<ReadState> rs) {
        return rs.stream().map(r -> new String(r.requestCtx())).toList();
    }

    @Test
    void leaderAnswersAfterAQuorumAcknowledgesAHeartbeat_6_4() {
        TestNetwork net = TestNetwork.voters(3);
        net.elect(1);
        long commit = net.proposeAndCommit(1, "w");
        net.node(1).readIndex("r1".getBytes());
        Ready rd = net.node(1).ready();
        assertThat(rd.readStates()).as("not before the heartbeat round").isEmpty();
        List<Message> hbs = rd.messages().stream()
                .filter(m -> m.type() == MessageType.HEARTBEAT)
                .toList();
        assertThat(hbs)
                .hasSize(2)
                .allSatisfy(m -> assertThat(new String(m.context())).isEqualTo("r1"));
        net.node(1).advance(rd);
        // One acknowledgement plus the leader itself is a majority of three.
        net.node(1)
                .step(Message.builder(MessageType.HEARTBEAT_RESP)
                        .from(2)
                        .to(1)
                        .term(1)
                        .context("r1".getBytes())
                        .build());
        Ready answered = net.node(1).ready();
        assertThat(answered.readStates()).singleElement().satisfies(r -> {
            assertThat(r.index()).isEqualTo(commit);
            assertThat(new String(r.requestCtx())).isEqualTo("r1");
        });
        net.node(1).advance(answered);
        // A late acknowledgement of an answered context changes nothing.
        net.node(1)
                .step(Message.builder(MessageType.HEARTBEAT_RESP)
                        .from(3)
                        .to(1)
                        .term(1)
                        .context("r1".getBytes())
                        .build());
        assertThat(net.node(1).ready().readStates()).isEmpty();
    }

    @Test
    void oneHeartbeatRoundConfirmsEveryEarlierRead_6_4() {
        TestNetwork net = TestNetwork.voters(3);
        net.elect(1);
        long commit = net.proposeAndCommit(1, "w");
        int heartbeats = net.sentOfType(MessageType.HEARTBEAT).size();
        net.node(1).readIndex("a".getBytes());
        net.node(1).readIndex("b".getBytes());
        net.node(1).readIndex("c".getBytes());
        net.stabilize();
        assertThat(net.sentOfType(MessageType.HEARTBEAT))
                .as("one round to two followers")
                .hasSize(heartbeats + 2);
        assertThat(contexts(net.readStates.get(1L))).containsExactly("a", "b", "c");
        assertThat(net.readStates.get(1L)).allSatisfy(r -> assertThat(r.index()).isEqualTo(commit));
    }

    @Test
    void isolatedLeaderNeverConfirmsAReadIndex() {
        TestNetwork net = TestNetwork.voters(3);
        net.elect(1);
        net.proposeAndCommit(1, "w");
        net.isolate(1);
        net.node(1).readIndex("r".getBytes());
        net.tickAll(5);
        assertThat(net.readStates.get(1L)).isEmpty();
    }

    @Test
    void oneAckIsNotAQuorumInFiveNodes() {
        TestNetwork net = TestNetwork.voters(5);
        net.elect(1);
        net.proposeAndCommit(1, "w");
        net.isolate(3);
        net.isolate(4);
        net.isolate(5);
        net.node(1).readIndex("r".getBytes());
        net.stabilize();
        assertThat(net.readStates.get(1L)).isEmpty();
        net.heal();
        net.tickAll(1);
        assertThat(contexts(net.readStates.get(1L))).containsExactly("r");
    }

    @Test
    void leaderRefusesReadsBeforeCommittingInItsTerm_6_4() {
        TestNetwork net = TestNetwork.voters(3);
        net.node(1).campaign();
        // Win the election by hand and stop before the no-op commits.
        for (int i = 0; i < 3; i++) {
            net.handleReady(1);
            net.handleReady(2);
            net.handleReady(3);
            net.deliverOne();
            net.deliverOne();
        }
        while (net.status(1).softState().state() != StateType.LEADER) {
            net.handleReady(1);
            net.deliverOne();
        }
        assertThat(net.status(1).hardState().commit()).isZero();
        assertThatThrownBy(() -> net.node(1).readIndex("early".getBytes()))
                .satisfies(e -> assertThat(((ProposalDroppedException) e).reason())
                        .isEqualTo(ProposalDroppedException.Reason.NOT_COMMITTED_IN_TERM));
        // A read forwarded by a follower meanwhile is held and answered once the no-op commits.
        net.node(1)
                .step(Message.builder(MessageType.READ_INDEX)
                        .from(2)
                        .to(1)
                        .context("fwd".getBytes())
                        .build());
        net.stabilize();
        assertThat(net.readStates.get(2L)).singleElement().satisfies(r -> {
            assertThat(r.index()).isEqualTo(1);
            assertThat(new String(r.requestCtx())).isEqualTo("fwd");
        });
    }

    @Test
    void singleVoterAnswersAtOnce() {
        TestNetwork net = TestNetwork.voters(1);
        net.elect(1);
        long commit = net.proposeAndCommit(1, "w");
        net.node(1).readIndex("r".getBytes());
        Ready rd = net.node(1).ready();
        assertThat(rd.readStates()).singleElement().satisfies(r -> {
            assertThat(r.index()).isEqualTo(commit);
            assertThat(new String(r.requestCtx())).isEqualTo("r");
        });
        assertThat(rd.messages()).isEmpty();
        net.node(1).advance(rd);
    }

    @Test
    void followerForwardsToLeaderAndReceivesTheIndex() {
        TestNetwork net = TestNetwork.voters(3);
        net.elect(1);
        long commit = net.proposeAndCommit(1, "w");
        net.node(2).readIndex("f".getBytes());
        net.stabilize();
        assertThat(net.sentOfType(MessageType.READ_INDEX)).singleElement().satisfies(m -> {
            assertThat(m.to()).isEqualTo(1);
            assertThat(m.from()).isEqualTo(2);
        });
        assertThat(net.readStates.get(2L)).singleElement().satisfies(r -> {
            assertThat(r.index()).isEqualTo(commit);
            assertThat(new String(r.requestCtx())).isEqualTo("f");
        });
        assertThat(net.readStates.get(1L)).isEmpty();
    }

    @Test
    void followerWithoutLeaderRefuses() {
        TestNetwork net = TestNetwork.voters(3);
        assertThatThrownBy(() -> net.node(2).readIndex("x".getBytes()))
                .satisfies(e -> assertThat(((ProposalDroppedException) e).reason())
                        .isEqualTo(ProposalDroppedException.Reason.NO_LEADER));
        assertThatThrownBy(() -> net.node(2).readIndex(null)).isInstanceOf(IllegalArgumentException.class);
    }
}
