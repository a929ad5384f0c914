package io.raftkv.raft;

import static io.raftkv.raft.Fixtures.config;
import static io.raftkv.raft.Fixtures.msg;
import static io.raftkv.raft.Fixtures.persistAndAdvance;
import static io.raftkv.raft.Fixtures.storage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Leader election: §5.2 and the election restriction of §5.4.1. */
class ElectionTest {

    private static Message vote(long from, long to, long term, long lastIndex, long lastTerm) {
        return Message.builder(MessageType.VOTE)
                .from(from)
                .to(to)
                .term(term)
                .index(lastIndex)
                .logTerm(lastTerm)
                .build();
    }

    @Test
    void candidateWithMajorityBecomesLeaderAndOthersFollow_5_2() {
        TestNetwork net = TestNetwork.voters(3);
        net.elect(1);
        assertThat(net.status(1).hardState().term()).isEqualTo(1);
        for (long id : List.of(2L, 3L)) {
            assertThat(net.status(id).softState()).isEqualTo(new SoftState(1, StateType.FOLLOWER));
            assertThat(net.status(id).hardState().vote()).isEqualTo(1);
            assertThat(net.status(id).hardState().term()).isEqualTo(1);
        }
    }

    @Test
    void candidateWithoutMajorityStaysCandidate_5_2() {
        TestNetwork net = TestNetwork.voters(5);
        net.isolate(1);
        net.node(1).campaign();
        net.stabilize();
        assertThat(net.status(1).softState().state()).isEqualTo(StateType.CANDIDATE);
        assertThat(net.status(1).hardState()).isEqualTo(new HardState(1, 1, 0));
    }

    @Test
    void candidateLosingMajorityStepsDown_5_2() {
        RawNode n = new RawNode(config(1).build(), storage());
        n.campaign();
        n.step(Message.builder(MessageType.VOTE_RESP)
                .from(2)
                .to(1)
                .term(1)
                .reject(true)
                .build());
        assertThat(n.status().softState().state()).isEqualTo(StateType.CANDIDATE);
        n.step(Message.builder(MessageType.VOTE_RESP)
                .from(3)
                .to(1)
                .term(1)
                .reject(true)
                .build());
        assertThat(n.status().softState().state()).isEqualTo(StateType.FOLLOWER);
        assertThat(n.status().hardState().term()).isEqualTo(1);
    }

    @Test
    void candidateWithStaleLogIsRejected_5_4_1() {
        // Voter 1 holds terms [1, 2]; a candidate whose last entry is (index 5, term 1) is behind.
        MemoryStorage s = storage(1, 2);
        RawNode n = new RawNode(config(1).build(), s);
        n.step(vote(2, 1, 3, 5, 1));
        Ready rd = persistAndAdvance(n, s);
        assertThat(rd.persistedMessages()).singleElement().satisfies(m -> {
            assertThat(m.type()).isEqualTo(MessageType.VOTE_RESP);
            assertThat(m.reject()).isTrue();
            assertThat(m.term()).isEqualTo(3);
        });
        assertThat(n.status().hardState().vote()).isZero();
        // Same last term, shorter log: also stale.
        n.step(vote(3, 1, 4, 1, 2));
        assertThat(persistAndAdvance(n, s).persistedMessages().get(0).reject()).isTrue();
        // At least as up to date: granted.
        n.step(vote(3, 1, 5, 2, 2));
        Ready granted = persistAndAdvance(n, s);
        assertThat(granted.persistedMessages().get(0).reject()).isFalse();
        assertThat(granted.hardState()).isEqualTo(new HardState(5, 3, 0));
        assertThat(granted.mustSync()).isTrue();
    }

    @Test
    void votesForAtMostOneCandidatePerTerm_5_2() {
        MemoryStorage s = storage();
        RawNode n = new RawNode(config(1).build(), s);
        n.step(vote(2, 1, 5, 0, 0));
        n.step(vote(3, 1, 5, 0, 0));
        n.step(vote(2, 1, 5, 0, 0)); // a retransmission from the candidate we voted for is granted again
        Ready rd = persistAndAdvance(n, s);
        assertThat(rd.persistedMessages())
                .extracting(Message::to, Message::reject)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(2L, false),
                        org.assertj.core.groups.Tuple.tuple(3L, true),
                        org.assertj.core.groups.Tuple.tuple(2L, false));
        assertThat(s.hardState().vote()).isEqualTo(2);
    }

    @Test
    void voteGrantIsSentOnlyAfterPersisting_5_1() {
        RawNode n = new RawNode(config(1).build(), storage());
        n.step(vote(2, 1, 1, 0, 0));
        Ready rd = n.ready();
        assertThat(rd.messages()).isEmpty();
        assertThat(rd.persistedMessages()).extracting(Message::type).containsExactly(MessageType.VOTE_RESP);
        assertThat(rd.hardState()).isEqualTo(new HardState(1, 2, 0));
    }

    @Test
    void candidateCountsItsOwnVoteOnlyOnceDurable() {
        MemoryStorage s = new MemoryStorage();
        s.setConfState(ConfState.ofVoters(1L));
        RawNode n = new RawNode(config(1).build(), s);
        n.campaign();
        assertThat(n.status().softState().state()).isEqualTo(StateType.CANDIDATE);
        Ready rd = n.ready();
        assertThat(rd.hardState()).isEqualTo(new HardState(1, 1, 0));
        assertThat(rd.persistedMessages()).as("self vote is internal").isEmpty();
        assertThat(n.status().softState().state()).isEqualTo(StateType.CANDIDATE);
        s.setHardState(rd.hardState());
        n.advance(rd);
        assertThat(n.status().softState()).isEqualTo(new SoftState(1, StateType.LEADER));
    }

    @Test
    void selfVoteOfAnEarlierTermIsIgnored() {
        MemoryStorage s = new MemoryStorage();
        s.setConfState(ConfState.ofVoters(1L, 2L));
        RawNode n = new RawNode(config(1).build(), s);
        n.campaign();
        Ready rd = n.ready();
        // Before the vote is durable a higher term arrives: the pending self-vote must not count.
        n.step(msg(MessageType.HEARTBEAT, 2, 1, 5));
        s.setHardState(rd.hardState());
        n.advance(rd);
        assertThat(n.status().softState()).isEqualTo(new SoftState(2, StateType.FOLLOWER));
        assertThat(n.status().hardState().term()).isEqualTo(5);
    }

    @Test
    void randomizedElectionTimeoutIsInOneToTwoElectionTimeouts_5_2() {
        Set<Integer> seen = new java.util.TreeSet<>();
        for (long seed = 0; seed < 200; seed++) {
            MemoryStorage s = storage();
            RawNode n = new RawNode(config(1).electionTicks(10).randomSeed(seed).build(), s);
            int ticks = 0;
            while (n.status().softState().state() == StateType.FOLLOWER) {
                n.tick();
                ticks++;
                assertThat(ticks).as("seed %d", seed).isLessThan(20);
            }
            assertThat(ticks).as("seed %d", seed).isBetween(10, 19);
            seen.add(ticks);
        }
        assertThat(seen).as("timeouts are spread, not constant").hasSizeGreaterThan(5);
    }

    @Test
    void electionTimeoutIsDeterministicPerSeed() {
        List<Integer> a = new ArrayList<>();
        List<Integer> b = new ArrayList<>();
        for (List<Integer> out : List.of(a, b)) {
            RawNode n = new RawNode(config(1).randomSeed(42).build(), storage());
            for (int round = 0; round < 5; round++) {
                int ticks = 0;
                long term = n.status().hardState().term();
                while (n.status().hardState().term() == term) {
                    n.tick();
                    ticks++;
                }
                out.add(ticks);
            }
        }
        assertThat(a).isEqualTo(b);
    }

    @Test
    void higherTermMakesLeaderStepDown_5_1() {
        TestNetwork net = TestNetwork.voters(3);
        net.elect(1);
        net.node(1).step(msg(MessageType.HEARTBEAT, 2, 1, 7));
        assertThat(net.status(1).softState()).isEqualTo(new SoftState(2, StateType.FOLLOWER));
        assertThat(net.status(1).hardState().term()).isEqualTo(7);
    }

    @Test
    void staleTermMessagesAreIgnored_5_1() {
        TestNetwork net = TestNetwork.voters(3);
        net.elect(1);
        net.elect(2);
        net.node(3)
                .step(Message.builder(MessageType.APP)
                        .from(1)
                        .to(3)
                        .term(1)
                        .index(5)
                        .logTerm(1)
                        .commit(5)
                        .build());
        assertThat(net.status(3).softState().leader()).isEqualTo(2);
        assertThat(net.status(3).hardState().commit()).isEqualTo(2);
    }

    @Test
    void staleTermVoteIsRejectedWithOurTerm_5_1() {
        MemoryStorage s = storage();
        RawNode n = new RawNode(config(1).build(), s);
        n.step(msg(MessageType.HEARTBEAT, 2, 1, 5));
        persistAndAdvance(n, s);
        n.step(vote(3, 1, 4, 9, 3));
        Ready rd = persistAndAdvance(n, s);
        assertThat(rd.messages()).isEmpty();
        assertThat(rd.persistedMessages()).singleElement().satisfies(m -> {
            assertThat(m.type()).isEqualTo(MessageType.VOTE_RESP);
            assertThat(m.to()).isEqualTo(3);
            assertThat(m.reject()).isTrue();
            assertThat(m.term()).isEqualTo(5);
        });
        assertThat(n.status().hardState()).isEqualTo(new HardState(5, 0, 0));
        assertThat(n.status().softState().leader()).isEqualTo(2);
    }

    @Test
    void aRejectedVoteForAHigherTermDoesNotRestartTheElectionTimer_5_2() {
        // Node 1 holds entries 1..3 of term 1; candidate 3 (log behind) asks for its vote at term 2.
        MemoryStorage s = storage(ConfState.ofVoters(1L, 2L, 3L), new HardState(1, 0, 0), 1, 1, 1);
        Raft r = new Raft(config(1).build(), s);
        for (int i = 0; i < 9; i++) {
            r.tick();
        }
        int timeout = r.randomizedElectionTimeout;
        r.step(vote(3, 1, 2, 1, 1));
        assertThat(r.term).isEqualTo(2);
        assertThat(r.vote).isZero();
        assertThat(r.electionElapsed).isEqualTo(9);
        assertThat(r.randomizedElectionTimeout).isEqualTo(timeout);
        // A granted vote does restart it.
        r.step(vote(2, 1, 3, 3, 1));
        assertThat(r.vote).isEqualTo(2);
        assertThat(r.electionElapsed).isZero();
    }

    @Test
    void candidateBehindInTermCatchesUpFromTheRejectionAndWins_5_1() {
        // Voter 2 sits at term 9 after failed campaigns of its own; candidate 1 campaigns at term 1.
        // Without an answer it would never learn term 9; the rejection teaches it, so its next
        // campaign (term 10) wins.
        TestNetwork net = TestNetwork.voters(2);
        net.isolate(2);
        for (int i = 0; i < 9; i++) {
            net.node(2).campaign();
            net.stabilize();
        }
        net.heal();
        assertThat(net.status(2).hardState().term()).isEqualTo(9);
        net.node(1).campaign();
        net.stabilize();
        assertThat(net.status(1).hardState().term()).isEqualTo(9);
        assertThat(net.status(1).softState().state()).isEqualTo(StateType.FOLLOWER);
        net.node(1).campaign();
        net.stabilize();
        assertThat(net.status(1).softState()).isEqualTo(new SoftState(1, StateType.LEADER));
        assertThat(net.status(1).hardState().term()).isEqualTo(10);
    }

    @Test
    void electionRestrictionKeepsCommittedEntries_5_4_1() {
        TestNetwork net = TestNetwork.voters(3);
        net.elect(1);
        net.isolate(3);
        net.proposeAndCommit(1, "committed");
        net.heal();
        // 3 missed the entry: it cannot win against 2, who has it.
        net.node(3).campaign();
        net.stabilize();
        assertThat(net.status(3).softState().state()).isNotEqualTo(StateType.LEADER);
        net.elect(2);
        net.stabilize();
        assertThat(net.appliedData(3)).containsExactly("committed");
    }

    @Test
    void nodeWithEmptyConfStateNeverCampaigns() {
        RawNode n = new RawNode(config(9).build(), new MemoryStorage());
        for (int i = 0; i < 100; i++) {
            n.tick();
        }
        n.campaign();
        assertThat(n.status().softState().state()).isEqualTo(StateType.FOLLOWER);
        assertThat(n.status().hardState().term()).isZero();
        assertThat(n.hasReady()).isFalse();
    }

    @Test
    void learnerNeverCampaigns() {
        MemoryStorage s = new MemoryStorage();
        s.setConfState(new ConfState(Set.of(1L), Set.of(2L)));
        RawNode n = new RawNode(config(2).build(), s);
        for (int i = 0; i < 100; i++) {
            n.tick();
        }
        n.campaign();
        assertThat(n.status().softState().state()).isEqualTo(StateType.FOLLOWER);
        assertThat(n.status().hardState().term()).isZero();
    }

    @Test
    void leaderDoesNotCampaignAgain() {
        TestNetwork net = TestNetwork.voters(3);
        net.elect(1);
        long term = net.status(1).hardState().term();
        net.node(1).campaign();
        assertThat(net.status(1).hardState().term()).isEqualTo(term);
        assertThat(net.status(1).softState().state()).isEqualTo(StateType.LEADER);
    }

    @Test
    void newLeaderAppendsNoOpOfItsTerm_5_4_2() {
        TestNetwork net = TestNetwork.voters(3);
        net.elect(1);
        Entry first = net.applied.get(2L).get(0);
        assertThat(first.index()).isEqualTo(1);
        assertThat(first.term()).isEqualTo(1);
        assertThat(first.data()).isEmpty();
        assertThat(first.type()).isEqualTo(EntryType.NORMAL);
    }

    @Test
    void candidateReceivingAppendFromLeaderOfSameTermBecomesFollower_5_2() {
        RawNode n = new RawNode(config(1).build(), storage());
        n.campaign();
        n.step(Message.builder(MessageType.APP).from(2).to(1).term(1).build());
        assertThat(n.status().softState()).isEqualTo(new SoftState(2, StateType.FOLLOWER));
    }

    @Test
    void illegalLocalMessagesFromNetworkAreRefused() {
        RawNode n = new RawNode(config(1).build(), storage());
        assertThatThrownBy(() -> n.step(msg(MessageType.HUP, 2, 1, 0))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> n.step(msg(MessageType.PROP, 2, 1, 0))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> n.step(msg(MessageType.APP_RESP, 0, 1, 1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
