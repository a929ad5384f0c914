package io.raftkv.raft;

import static io.raftkv.raft.Fixtures.config;
import static io.raftkv.raft.Fixtures.persistAndAdvance;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Commitment (§5.4.2): only current-term entries commit by counting replicas. */
class CommitTest {

    /** Node 1 leads term 3 over a log [1/1, 2/2] (the figure-8 situation) with voters 1..3. */
    private static RawNode leaderInTerm3(MemoryStorage s) {
        RawNode n = new RawNode(config(1).build(), s);
        n.campaign();
        persistAndAdvance(n, s);
        n.step(Message.builder(MessageType.VOTE_RESP).from(2).to(1).term(3).build());
        assertThat(n.status().softState().state()).isEqualTo(StateType.LEADER);
        return n;
    }

    @Test
    void entryFromEarlierTermIsNotCommittedByCountingReplicas_5_4_2_figure8() {
        MemoryStorage s = Fixtures.storage(ConfState.ofVoters(1L, 2L, 3L), new HardState(2, 0, 1), 1, 2);
        RawNode n = leaderInTerm3(s);
        persistAndAdvance(n, s); // the no-op at index 3 is durable on the leader
        // Follower 2 acknowledges index 2 (term 2): a majority holds it, yet it must not commit.
        n.step(Message.builder(MessageType.APP_RESP)
                .from(2)
                .to(1)
                .term(3)
                .index(2)
                .build());
        assertThat(n.status().hardState().commit()).isEqualTo(1);
        // Once the term-3 no-op is on a majority, everything up to it commits.
        n.step(Message.builder(MessageType.APP_RESP)
                .from(2)
                .to(1)
                .term(3)
                .index(3)
                .build());
        assertThat(n.status().hardState().commit()).isEqualTo(3);
    }

    @Test
    void leaderCountsItselfOnlyForDurableEntries() {
        MemoryStorage s = Fixtures.storage(ConfState.ofVoters(1L, 2L, 3L), new HardState(2, 0, 2), 1, 2);
        RawNode n = leaderInTerm3(s);
        Ready rd = n.ready(); // carries the no-op; not yet durable
        assertThat(rd.entries()).extracting(Entry::index).containsExactly(3L);
        n.step(Message.builder(MessageType.APP_RESP)
                .from(2)
                .to(1)
                .term(3)
                .index(3)
                .build());
        assertThat(n.status().hardState().commit())
                .as("1 durable copy of 3 is not a majority")
                .isEqualTo(2);
        assertThat(n.status().progress().get(1L).match()).isEqualTo(2);
        s.append(rd.entries());
        s.setHardState(rd.hardState());
        n.advance(rd);
        assertThat(n.status().progress().get(1L).match()).isEqualTo(3);
        assertThat(n.status().hardState().commit()).isEqualTo(3);
    }

    @Test
    void twoFollowerAcksCommitWithoutLeaderDurability() {
        MemoryStorage s = Fixtures.storage(ConfState.ofVoters(1L, 2L, 3L), new HardState(2, 0, 2), 1, 2);
        RawNode n = leaderInTerm3(s);
        n.ready();
        n.step(Message.builder(MessageType.APP_RESP)
                .from(2)
                .to(1)
                .term(3)
                .index(3)
                .build());
        n.step(Message.builder(MessageType.APP_RESP)
                .from(3)
                .to(1)
                .term(3)
                .index(3)
                .build());
        assertThat(n.status().hardState().commit()).isEqualTo(3);
    }

    @Test
    void commitIndexNeverDecreases() {
        TestNetwork net = TestNetwork.voters(3);
        net.elect(1);
        long c = net.proposeAndCommit(1, "a");
        net.node(2)
                .step(Message.builder(MessageType.HEARTBEAT)
                        .from(1)
                        .to(2)
                        .term(net.status(2).hardState().term())
                        .commit(0)
                        .build());
        assertThat(net.status(2).hardState().commit()).isEqualTo(c);
    }
}
