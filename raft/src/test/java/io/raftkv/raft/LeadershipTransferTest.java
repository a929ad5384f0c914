package io.raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Leadership transfer (dissertation §3.10). */
class LeadershipTransferTest {

    @Test
    void transferToUpToDateFollowerSendsTimeoutNowAndTargetWins_3_10() {
        TestNetwork net = TestNetwork.voters(3, b -> b.checkQuorum(true).preVote(true));
        net.elect(1);
        long term = net.status(1).hardState().term();
        net.node(1).transferLeadership(2);
        net.stabilize();
        assertThat(net.sentOfType(MessageType.TIMEOUT_NOW))
                .singleElement()
                .satisfies(m -> assertThat(m.to()).isEqualTo(2));
        assertThat(net.sentOfType(MessageType.VOTE))
                .filteredOn(m -> m.from() == 2)
                .allSatisfy(m -> assertThat(m.context()).isEqualTo(Message.CAMPAIGN_TRANSFER));
        assertThat(net.leader()).isEqualTo(2);
        assertThat(net.status(2).hardState().term()).isEqualTo(term + 1);
        assertThat(net.status(1).softState()).isEqualTo(new SoftState(2, StateType.FOLLOWER));
    }

    @Test
    void laggingTargetIsCaughtUpFirst_3_10() {
        TestNetwork net = TestNetwork.voters(3);
        net.elect(1);
        net.isolate(3);
        net.proposeAndCommit(1, "a");
        net.heal();
        net.node(1).transferLeadership(3);
        assertThat(net.status(1).leadTransferee()).isEqualTo(3);
        assertThatThrownBy(() -> net.node(1).propose("b".getBytes()))
                .satisfies(e -> assertThat(((ProposalDroppedException) e).reason())
                        .isEqualTo(ProposalDroppedException.Reason.LEADERSHIP_TRANSFER_IN_PROGRESS));
        net.stabilize();
        assertThat(net.leader()).isEqualTo(3);
        assertThat(net.appliedData(3)).containsExactly("a");
    }

    @Test
    void transferAbortsAfterAnElectionTimeout_3_10() {
        TestNetwork net = TestNetwork.voters(3);
        net.elect(1);
        net.isolate(3);
        net.node(1).transferLeadership(3);
        net.stabilize();
        net.tick(1, 9);
        assertThat(net.status(1).leadTransferee()).isEqualTo(3);
        net.tick(1, 1);
        assertThat(net.status(1).leadTransferee()).isZero();
        assertThat(net.status(1).softState().state()).isEqualTo(StateType.LEADER);
        net.node(1).propose("resumed".getBytes());
    }

    @Test
    void followerForwardsTransferRequestToLeader() {
        TestNetwork net = TestNetwork.voters(3);
        net.elect(1);
        net.node(2).transferLeadership(2);
        net.stabilize();
        assertThat(net.sentOfType(MessageType.TRANSFER_LEADER)).singleElement().satisfies(m -> {
            assertThat(m.from()).isEqualTo(2);
            assertThat(m.to()).isEqualTo(1);
            assertThat(m.term()).isZero();
        });
        assertThat(net.leader()).isEqualTo(2);
    }

    @Test
    void invalidTargetsAreRefused() {
        TestNetwork net = TestNetwork.voters(3);
        assertThatThrownBy(() -> net.node(1).transferLeadership(2)).isInstanceOf(ProposalDroppedException.class);
        net.elect(1);
        assertThatThrownBy(() -> net.node(1).transferLeadership(9))
                .satisfies(e -> assertThat(((ProposalDroppedException) e).reason())
                        .isEqualTo(ProposalDroppedException.Reason.INVALID));
        assertThatThrownBy(() -> net.node(1).transferLeadership(0)).isInstanceOf(IllegalArgumentException.class);
        net.node(1).transferLeadership(1);
        assertThat(net.status(1).leadTransferee()).isZero();
    }

    @Test
    void newTransferReplacesOldOne() {
        TestNetwork net = TestNetwork.voters(3);
        net.elect(1);
        net.isolate(3);
        net.node(1).transferLeadership(3);
        net.node(1).transferLeadership(3);
        assertThat(net.status(1).leadTransferee()).isEqualTo(3);
        net.node(1).transferLeadership(2);
        assertThat(net.status(1).leadTransferee()).isEqualTo(2);
        net.stabilize();
        assertThat(net.leader()).isEqualTo(2);
    }

    @Test
    void timeoutNowOnANonVoterIsIgnored() {
        TestNetwork net = TestNetwork.voters(1);
        net.elect(1);
        RawNode outsider = net.addEmptyNode(5);
        outsider.step(
                Message.builder(MessageType.TIMEOUT_NOW).from(1).to(5).term(1).build());
        assertThat(outsider.status().softState().state()).isEqualTo(StateType.FOLLOWER);
        assertThat(outsider.status().hardState().term()).isEqualTo(1);
    }
}
