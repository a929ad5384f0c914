package io.raftkv.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Leader leases (Raft dissertation §6.4.1): one test per rule of {@link RawNode#leaseRead(byte[])}.
 * Clusters of three with check-quorum, electionTicks 10, heartbeatTicks 1 and a drift bound of 2.
 */
class LeaseReadTest {
    private static final int ELECTION = 10;
    private static final int DRIFT = 2;

    private static TestNetwork cluster() {
        return TestNetwork.voters(3, b -> b.checkQuorum(true).leaseDriftTicks(DRIFT));
    }

    /** Elected, an entry of its term committed, and one heartbeat round acknowledged by everyone. */
    private static TestNetwork leaderWithLease() {
        TestNetwork net = cluster();
        net.elect(1);
        net.proposeAndCommit(1, "w");
        net.tickAll(1);
        assertThat(net.node(1).hasLease()).isTrue();
        return net;
    }

    private static List<Message> heartbeats(Ready rd) {
        return rd.messages().stream()
                .filter(m -> m.type() == MessageType.HEARTBEAT)
                .toList();
    }

    @Test
    void leaderWithLeaseAnswersAtOnceWithoutARoundTrip_6_4_1() {
        TestNetwork net = leaderWithLease();
        long commit = net.status(1).hardState().commit();
        assertThat(net.node(1).leaseRead("r".getBytes())).isTrue();
        Ready rd = net.node(1).ready();
        assertThat(rd.readStates()).singleElement().satisfies(r -> {
            assertThat(r.index()).isEqualTo(commit);
            assertThat(new String(r.requestCtx())).isEqualTo("r");
        });
        assertThat(heartbeats(rd)).as("no confirmation round").isEmpty();
        net.node(1).advance(rd);
    }

    @Test
    void noAcknowledgedRoundNoLease_readFallsBackToReadIndex() {
        TestNetwork net = cluster();
        net.elect(1);
        net.proposeAndCommit(1, "w");
        assertThat(net.node(1).hasLease())
                .as("no heartbeat round acknowledged yet")
                .isFalse();
        assertThat(net.node(1).leaseRead("r".getBytes())).isFalse();
        Ready rd = net.handleReady(1);
        assertThat(rd.readStates()).isEmpty();
        assertThat(heartbeats(rd))
                .hasSize(2)
                .allSatisfy(m -> assertThat(new String(m.context())).isEqualTo("r"));
        net.stabilize();
        assertThat(net.readStates.get(1L)).singleElement();
        assertThat(net.node(1).hasLease())
                .as("the ReadIndex round was acknowledged: it extends the lease")
                .isTrue();
    }

    @Test
    void heartbeatsCarryTheRoundStartAndFollowersEchoIt() {
        TestNetwork net = leaderWithLease();
        long now = net.node(1).core().now;
        net.tick(1, 1);
        Ready rd = net.node(1).ready();
        assertThat(heartbeats(rd))
                .hasSize(2)
                .allSatisfy(m -> assertThat(m.index()).isEqualTo(now + 1));
        net.node(1).advance(rd);
        net.node(2).step(heartbeats(rd).get(0));
        assertThat(net.node(2).ready().messages())
                .filteredOn(m -> m.type() == MessageType.HEARTBEAT_RESP)
                .singleElement()
                .satisfies(m -> assertThat(m.index()).isEqualTo(now + 1));
    }

    @Test
    void leaseHoldsUntilRoundStartPlusElectionTicksMinusDrift() {
        TestNetwork net = leaderWithLease();
        Raft leader = net.node(1).core();
        long start = leader.leaseStart();
        net.isolate(1);
        while (leader.now < start + ELECTION - DRIFT - 1) {
            net.tick(1, 1);
            assertThat(net.node(1).hasLease()).as("tick %d", leader.now).isTrue();
        }
        net.tick(1, 1);
        assertThat(leader.now).isEqualTo(start + ELECTION - DRIFT);
        assertThat(net.node(1).hasLease()).isFalse();
        assertThat(net.status(1).softState().state())
                .as("still leader: check-quorum has not fired")
                .isEqualTo(StateType.LEADER);
        assertThat(net.node(1).leaseRead("late".getBytes())).isFalse();
    }

    @Test
    void aQuorumIsNeeded_oneAckOfFiveIsNotALease() {
        TestNetwork net = TestNetwork.voters(5, b -> b.checkQuorum(true).leaseDriftTicks(DRIFT));
        net.elect(1);
        net.proposeAndCommit(1, "w");
        net.isolate(3);
        net.isolate(4);
        net.isolate(5);
        net.tickAll(1);
        assertThat(net.node(1).hasLease()).as("leader and one follower of five").isFalse();
        net.heal();
        net.tickAll(1);
        assertThat(net.node(1).hasLease()).isTrue();
    }

    @Test
    void theQuorumsOldestAckCounts() {
        TestNetwork net = leaderWithLease();
        Raft leader = net.node(1).core();
        long first = leader.leaseStart();
        // Only 2 acknowledges the later rounds: 1 and 2 are a quorum of three, so the lease moves.
        net.isolate(3);
        net.tickAll(3);
        assertThat(leader.leaseStart()).isEqualTo(first + 3);
        // Now nobody acknowledges: the start stays at the last round a quorum acknowledged.
        net.isolate(2);
        net.tickAll(2);
        assertThat(leader.leaseStart()).isEqualTo(first + 3);
    }

    @Test
    void noLeaseBeforeTheLeaderCommittedAnEntryOfItsTerm_6_4() {
        TestNetwork net = cluster();
        net.dropIf(m -> m.type() == MessageType.APP_RESP);
        net.elect(1);
        net.tickAll(1);
        assertThat(net.status(1).softState().state()).isEqualTo(StateType.LEADER);
        assertThat(net.node(1).core().leaseStart())
                .as("the round was acknowledged")
                .isEqualTo(net.node(1).core().now);
        assertThat(net.node(1).hasLease()).isFalse();
        assertThatThrownBy(() -> net.node(1).leaseRead("r".getBytes()))
                .satisfies(e -> assertThat(((ProposalDroppedException) e).reason())
                        .isEqualTo(ProposalDroppedException.Reason.NOT_COMMITTED_IN_TERM));
    }

    @Test
    void aTransferDropsTheLeaseAtOnceAndForTheRestOfTheTerm_3_10() {
        TestNetwork net = leaderWithLease();
        net.dropIf(m -> m.type() == MessageType.TIMEOUT_NOW); // the transfer never completes
        net.node(1).transferLeadership(2);
        assertThat(net.node(1).hasLease())
                .as("from the moment the transfer starts")
                .isFalse();
        assertThat(net.node(1).leaseRead("r".getBytes())).isFalse();
        net.tickAll(3 * ELECTION);
        assertThat(net.status(1).softState().state()).isEqualTo(StateType.LEADER);
        assertThat(net.status(1).leadTransferee()).as("transfer abandoned").isZero();
        assertThat(net.node(1).hasLease())
                .as("a late TIMEOUT_NOW could still elect 2 in this term")
                .isFalse();
    }

    @Test
    void steppingDownDropsTheLeaseAndANewTermStartsWithout() {
        TestNetwork net = leaderWithLease();
        long term = net.status(1).hardState().term();
        net.node(1).step(Fixtures.msg(MessageType.APP_RESP, 3, 1, term + 1));
        assertThat(net.status(1).softState().state()).isEqualTo(StateType.FOLLOWER);
        assertThat(net.node(1).hasLease()).isFalse();
        net.stabilize();
        net.tickAll(ELECTION); // past the followers' leases, so 1 can win again
        if (net.leader() != 1) {
            net.elect(1);
        }
        assertThat(net.node(1).hasLease())
                .as("acks of the earlier term do not count")
                .isFalse();
    }

    @Test
    void withoutCheckQuorumThereIsNoLease() {
        TestNetwork net = TestNetwork.voters(3, b -> b.checkQuorum(false));
        net.elect(1);
        net.proposeAndCommit(1, "w");
        net.tickAll(1);
        assertThat(net.node(1).hasLease()).isFalse();
        assertThat(net.node(1).leaseRead("r".getBytes())).isFalse();
    }

    @Test
    void anAckClaimingAFutureRoundStartIsCappedAtNow() {
        TestNetwork net = leaderWithLease();
        Raft leader = net.node(1).core();
        long term = net.status(1).hardState().term();
        for (long from : new long[] {2, 3}) {
            net.node(1)
                    .step(Message.builder(MessageType.HEARTBEAT_RESP)
                            .from(from)
                            .to(1)
                            .term(term)
                            .index(leader.now + 1_000)
                            .build());
        }
        assertThat(leader.leaseStart()).isEqualTo(leader.now);
    }

    @Test
    void aFollowerForwardsALeaseReadAsReadIndex() {
        TestNetwork net = leaderWithLease();
        assertThat(net.node(2).leaseRead("f".getBytes())).isFalse();
        net.stabilize();
        assertThat(net.readStates.get(2L))
                .singleElement()
                .satisfies(r -> assertThat(new String(r.requestCtx())).isEqualTo("f"));
    }

    @Test
    void followersRefuseVotesForTheMinimumElectionTimeoutNotTheRandomizedOne() {
        TestNetwork net = leaderWithLease();
        net.isolate(1);
        RawNode two = net.node(2);
        long term = net.status(2).hardState().term();
        net.tick(2, ELECTION - 1);
        two.step(Message.builder(MessageType.VOTE)
                .from(3)
                .to(2)
                .term(term + 1)
                .index(100)
                .logTerm(term)
                .build());
        assertThat(net.status(2).hardState().term())
                .as("within electionTicks of the heartbeat")
                .isEqualTo(term);
        net.tick(2, 1);
        two.step(Message.builder(MessageType.VOTE)
                .from(3)
                .to(2)
                .term(term + 1)
                .index(100)
                .logTerm(term)
                .build());
        assertThat(net.status(2).hardState().vote())
                .as("at electionTicks, whatever its randomized timeout")
                .isEqualTo(3);
    }

    @Test
    void aRestartedNodeRefusesVotesForItsFirstElectionTicks() {
        TestNetwork net = leaderWithLease();
        long term = net.status(3).hardState().term();
        RawNode three = net.restart(3);
        net.isolate(3);
        three.step(Message.builder(MessageType.VOTE)
                .from(2)
                .to(3)
                .term(term + 1)
                .index(100)
                .logTerm(term)
                .build());
        assertThat(net.status(3).hardState().term())
                .as("it may have acknowledged the leader's heartbeat just before it stopped")
                .isEqualTo(term);
        net.tick(3, ELECTION);
        three.step(Message.builder(MessageType.VOTE)
                .from(2)
                .to(3)
                .term(term + 1)
                .index(100)
                .logTerm(term)
                .build());
        assertThat(net.status(3).hardState().vote()).isEqualTo(2);
    }

    @Test
    void aTransferCampaignStillWinsARestartedNodesVote_3_10() {
        TestNetwork net = leaderWithLease();
        long term = net.status(3).hardState().term();
        RawNode three = net.restart(3);
        three.step(Message.builder(MessageType.VOTE)
                .from(2)
                .to(3)
                .term(term + 1)
                .index(100)
                .logTerm(term)
                .context(Message.CAMPAIGN_TRANSFER)
                .build());
        assertThat(net.status(3).hardState().vote()).isEqualTo(2);
    }
}
