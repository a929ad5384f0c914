package io.raftkv.raft;

import static io.raftkv.raft.Fixtures.config;
import static io.raftkv.raft.Fixtures.msg;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Pre-vote (§9.6), check-quorum and leader stickiness (§4.2.3, §6.2). */
class PreVoteCheckQuorumTest {

    @Test
    void partitionedNodeDoesNotInflateTermWithPreVote_9_6() {
        TestNetwork net = TestNetwork.voters(3, b -> b.preVote(true).checkQuorum(true));
        net.elect(1);
        long term = net.status(1).hardState().term();
        net.isolate(3);
        net.tickAll(100);
        assertThat(net.status(3).hardState().term()).isEqualTo(term);
        assertThat(net.status(3).softState().state()).isEqualTo(StateType.PRE_CANDIDATE);
        net.heal();
        net.tickAll(20);
        assertThat(net.leader()).isEqualTo(1);
        assertThat(net.status(1).hardState().term())
                .as("rejoining node did not disrupt")
                .isEqualTo(term);
        assertThat(net.status(3).softState()).isEqualTo(new SoftState(1, StateType.FOLLOWER));
    }

    @Test
    void withoutPreVoteAPartitionedNodeInflatesItsTerm() {
        TestNetwork net = TestNetwork.voters(3);
        net.elect(1);
        net.isolate(3);
        net.tickAll(100);
        assertThat(net.status(3).hardState().term()).isGreaterThan(3);
    }

    @Test
    void preCandidateWinsThenCampaignsForReal_9_6() {
        TestNetwork net = TestNetwork.voters(3, b -> b.preVote(true));
        net.node(1).campaign();
        assertThat(net.status(1).softState().state()).isEqualTo(StateType.PRE_CANDIDATE);
        assertThat(net.status(1).hardState().term())
                .as("pre-vote does not bump the term")
                .isZero();
        net.stabilize();
        assertThat(net.leader()).isEqualTo(1);
        assertThat(net.status(1).hardState().term()).isEqualTo(1);
        assertThat(net.sentOfType(MessageType.PRE_VOTE))
                .hasSize(2)
                .allSatisfy(m -> assertThat(m.term()).isEqualTo(1));
    }

    @Test
    void preVoteRejectedByStaleLog_9_6() {
        TestNetwork net = TestNetwork.voters(3, b -> b.preVote(true));
        net.elect(1);
        net.isolate(3);
        net.proposeAndCommit(1, "x");
        net.heal();
        net.node(3).campaign();
        net.stabilize();
        // Both 1 and 2 hold the committed entry 3 lacks: the pre-vote is lost, no term was burnt.
        assertThat(net.status(3).softState()).isEqualTo(new SoftState(0, StateType.FOLLOWER));
        assertThat(net.sentOfType(MessageType.PRE_VOTE_RESP))
                .filteredOn(m -> m.to() == 3)
                .hasSize(2)
                .allSatisfy(m -> assertThat(m.reject()).isTrue());
        assertThat(net.status(3).hardState().term()).isEqualTo(1);
    }

    @Test
    void leaderWithoutQuorumStepsDownAfterElectionTimeout() {
        TestNetwork net = TestNetwork.voters(3, b -> b.checkQuorum(true));
        net.elect(1);
        net.isolate(1);
        net.tick(1, 10);
        assertThat(net.status(1).softState().state())
                .as("first check sees the old activity")
                .isEqualTo(StateType.LEADER);
        net.tick(1, 10);
        assertThat(net.status(1).softState()).isEqualTo(new SoftState(0, StateType.FOLLOWER));
    }

    @Test
    void leaderWithActiveQuorumStaysLeader() {
        TestNetwork net = TestNetwork.voters(3, b -> b.checkQuorum(true));
        net.elect(1);
        net.isolate(3);
        net.tickAll(50);
        assertThat(net.leader()).isEqualTo(1);
        assertThat(net.status(1).progress().get(2L).recentActive()).isTrue();
    }

    @Test
    void withoutCheckQuorumAnIsolatedLeaderStaysLeader() {
        TestNetwork net = TestNetwork.voters(3);
        net.elect(1);
        net.isolate(1);
        net.tick(1, 50);
        assertThat(net.status(1).softState().state()).isEqualTo(StateType.LEADER);
    }

    @Test
    void followerInLeaseIgnoresVotes_4_2_3() {
        TestNetwork net = TestNetwork.voters(3, b -> b.checkQuorum(true));
        net.elect(1);
        RawNode two = net.node(2);
        long term = net.status(2).hardState().term();
        two.step(Message.builder(MessageType.VOTE)
                .from(3)
                .to(2)
                .term(term + 1)
                .index(10)
                .logTerm(term)
                .build());
        assertThat(net.status(2).hardState().term()).isEqualTo(term);
        assertThat(two.ready().persistedMessages()).isEmpty();
    }

    @Test
    void transferCampaignBypassesLease_3_10() {
        TestNetwork net = TestNetwork.voters(3, b -> b.checkQuorum(true));
        net.elect(1);
        RawNode two = net.node(2);
        long term = net.status(2).hardState().term();
        two.step(Message.builder(MessageType.VOTE)
                .from(3)
                .to(2)
                .term(term + 1)
                .index(10)
                .logTerm(term)
                .context(Message.CAMPAIGN_TRANSFER)
                .build());
        assertThat(net.status(2).hardState())
                .extracting(HardState::term, HardState::vote)
                .containsExactly(term + 1, 3L);
    }

    @Test
    void followerPastElectionTimeoutGrantsVotes() {
        TestNetwork net = TestNetwork.voters(3, b -> b.checkQuorum(true));
        net.elect(1);
        net.isolate(1);
        net.tick(2, 10); // lease of 2 expired, but its own randomized timeout may not have
        RawNode two = net.node(2);
        long term = net.status(2).hardState().term();
        two.step(Message.builder(MessageType.VOTE)
                .from(3)
                .to(2)
                .term(term + 1)
                .index(10)
                .logTerm(term)
                .build());
        assertThat(net.status(2).hardState().vote()).isEqualTo(3);
    }

    @Test
    void staleLeaderLearnsHigherTermFromAppendResponse() {
        TestNetwork net = TestNetwork.voters(3, b -> b.checkQuorum(true).preVote(true));
        net.elect(1);
        RawNode three = net.node(3);
        // 3 advanced its term while partitioned (e.g. an older pre-vote-less binary).
        three.step(msg(MessageType.HEARTBEAT, 2, 3, 9));
        net.stabilize();
        three.step(msg(MessageType.HEARTBEAT, 1, 3, 1));
        Ready rd = three.ready();
        assertThat(rd.persistedMessages()).singleElement().satisfies(m -> {
            assertThat(m.type()).isEqualTo(MessageType.APP_RESP);
            assertThat(m.term()).isEqualTo(9);
            assertThat(m.to()).isEqualTo(1);
        });
        three.advance(rd);
        net.node(1).step(rd.persistedMessages().get(0));
        assertThat(net.status(1).softState().state()).isEqualTo(StateType.FOLLOWER);
        assertThat(net.status(1).hardState().term()).isEqualTo(9);
    }

    @Test
    void staleTermPreVoteIsRejectedWithOurTerm() {
        MemoryStorage s = Fixtures.storage();
        RawNode n = new RawNode(config(1).preVote(true).build(), s);
        n.step(msg(MessageType.HEARTBEAT, 2, 1, 5));
        Fixtures.persistAndAdvance(n, s);
        n.step(Message.builder(MessageType.PRE_VOTE).from(3).to(1).term(4).build());
        Ready rd = n.ready();
        assertThat(rd.persistedMessages()).singleElement().satisfies(m -> {
            assertThat(m.type()).isEqualTo(MessageType.PRE_VOTE_RESP);
            assertThat(m.reject()).isTrue();
            assertThat(m.term()).isEqualTo(5);
        });
        assertThat(n.status().hardState().term()).isEqualTo(5);
    }

    @Test
    void preVoteForFutureTermDoesNotChangeTermOrVote() {
        MemoryStorage s = Fixtures.storage();
        RawNode n = new RawNode(config(1).preVote(true).build(), s);
        n.step(Message.builder(MessageType.PRE_VOTE).from(3).to(1).term(4).build());
        Ready rd = n.ready();
        assertThat(rd.hardState()).isNull();
        assertThat(rd.persistedMessages()).singleElement().satisfies(m -> {
            assertThat(m.reject()).isFalse();
            assertThat(m.term()).isEqualTo(4);
        });
    }
}
