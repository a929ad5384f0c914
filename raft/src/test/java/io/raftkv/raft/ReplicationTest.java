package io.raftkv.raft;

import static io.raftkv.raft.Fixtures.config;
import static io.raftkv.raft.Fixtures.entries;
import static io.raftkv.raft.Fixtures.persistAndAdvance;
import static io.raftkv.raft.Fixtures.storage;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Log replication: the consistency check and conflict resolution of §5.3, with fast backtracking. */
class ReplicationTest {

    private static Message app(long term, long prevIndex, long prevTerm, long commit, List<Entry> ents) {
        return Message.builder(MessageType.APP)
                .from(2)
                .to(1)
                .term(term)
                .index(prevIndex)
                .logTerm(prevTerm)
                .commit(commit)
                .entries(ents)
                .build();
    }

    private static Message onlyResponse(RawNode n, MemoryStorage s) {
        Ready rd = persistAndAdvance(n, s);
        assertThat(rd.persistedMessages()).hasSize(1);
        return rd.persistedMessages().get(0);
    }

    @Test
    void followerRejectsAppendWhosePrecedingEntryDoesNotMatch_5_3() {
        MemoryStorage s = storage(1, 1, 2);
        RawNode n = new RawNode(config(1).build(), s);
        n.step(app(3, 3, 3, 3, entries(4, 3)));
        Message resp = onlyResponse(n, s);
        assertThat(resp.type()).isEqualTo(MessageType.APP_RESP);
        assertThat(resp.reject()).isTrue();
        assertThat(resp.index()).isEqualTo(3);
        // Hint: the last entry with term ≤ 3 is index 3 (term 2).
        assertThat(resp.rejectHint()).isEqualTo(3);
        assertThat(resp.logTerm()).isEqualTo(2);
        assertThat(s.lastIndex()).isEqualTo(3);
    }

    @Test
    void followerRejectsAppendBeyondItsLastIndexWithLastIndexHint_5_3() {
        MemoryStorage s = storage(1, 1);
        RawNode n = new RawNode(config(1).build(), s);
        n.step(app(2, 7, 2, 0, entries(8, 2)));
        Message resp = onlyResponse(n, s);
        assertThat(resp.reject()).isTrue();
        assertThat(resp.rejectHint()).isEqualTo(2);
        assertThat(resp.logTerm()).isEqualTo(1);
    }

    @Test
    void followerAcceptsMatchingAppendAndTruncatesConflicts_5_3() {
        MemoryStorage s = storage(1, 1, 1, 1);
        RawNode n = new RawNode(config(1).build(), s);
        n.step(app(2, 2, 1, 3, entries(3, 2)));
        Message resp = onlyResponse(n, s);
        assertThat(resp.reject()).isFalse();
        assertThat(resp.index()).isEqualTo(3);
        assertThat(s.lastIndex()).as("conflicting entry 4 is gone").isEqualTo(3);
        assertThat(s.term(3)).isEqualTo(2);
        assertThat(s.hardState().commit()).isEqualTo(3);
    }

    @Test
    void appendOlderThanCommitIsAnsweredWithCommitIndex() {
        MemoryStorage s = storage(ConfState.ofVoters(1L, 2L, 3L), new HardState(1, 0, 3), 1, 1, 1);
        RawNode n = new RawNode(config(1).applied(3).build(), s);
        n.step(app(1, 1, 1, 3, entries(2, 1)));
        Message resp = onlyResponse(n, s);
        assertThat(resp.reject()).isFalse();
        assertThat(resp.index()).isEqualTo(3);
    }

    @Test
    void leaderBacktracksOverAWholeConflictingTermInOneRoundTrip() {
        // 1 and 2 hold [1, 3, 3, 3, 3, 3]; 3 holds [1] plus 50 entries of a deposed term-2 leader.
        TestNetwork net = TestNetwork.voters(3);
        ConfState cs = ConfState.ofVoters(1L, 2L, 3L);
        net.start(1, storage(cs, new HardState(3, 0, 1), 1, 3, 3, 3, 3, 3), 0);
        net.start(2, storage(cs, new HardState(3, 0, 1), 1, 3, 3, 3, 3, 3), 0);
        long[] stale = new long[51];
        java.util.Arrays.fill(stale, 2);
        stale[0] = 1;
        net.start(3, storage(cs, new HardState(2, 0, 1), stale), 0);
        net.elect(1);
        net.stabilize();
        List<Message> rejections = net.sent.stream()
                .filter(m -> m.type() == MessageType.APP_RESP && m.reject() && m.from() == 3)
                .toList();
        // Without hints the leader would step back one index per round trip (5 rejections).
        assertThat(rejections).singleElement().satisfies(m -> {
            assertThat(m.index()).isEqualTo(6);
            assertThat(m.rejectHint()).isEqualTo(6);
            assertThat(m.logTerm()).isEqualTo(2);
        });
        assertThat(net.durableTerms(3)).isEqualTo(net.durableTerms(1));
        assertThat(net.storages.get(3L).lastIndex()).isEqualTo(7);
        assertThat(net.status(3).hardState().commit()).isEqualTo(7);
    }

    @Test
    void logsConvergeAfterLeaderChanges_5_3() {
        TestNetwork net = TestNetwork.voters(5);
        net.elect(1);
        net.proposeAndCommit(1, "a");
        net.isolate(1);
        net.node(1).propose("lost".getBytes());
        net.stabilize();
        net.elect(2);
        net.proposeAndCommit(2, "b");
        net.heal();
        net.proposeAndCommit(2, "c");
        net.tickAll(3); // the deposed leader's probe was lost; heartbeats resume it
        for (long id = 1; id <= 5; id++) {
            assertThat(net.appliedData(id)).as("node %d", id).containsExactly("a", "b", "c");
            assertThat(net.durableTerms(id)).isEqualTo(net.durableTerms(2));
        }
    }

    @Test
    void heartbeatCommitsOnlyWhatFollowerHolds() {
        MemoryStorage s = storage(1, 1);
        RawNode n = new RawNode(config(1).build(), s);
        n.step(Message.builder(MessageType.HEARTBEAT)
                .from(2)
                .to(1)
                .term(1)
                .commit(2)
                .context("c".getBytes())
                .build());
        Ready rd = persistAndAdvance(n, s);
        assertThat(rd.hardState().commit()).isEqualTo(2);
        assertThat(rd.messages()).singleElement().satisfies(m -> {
            assertThat(m.type()).isEqualTo(MessageType.HEARTBEAT_RESP);
            assertThat(new String(m.context())).isEqualTo("c");
        });
        assertThat(rd.committedEntries()).extracting(Entry::index).containsExactly(1L, 2L);
    }

    @Test
    void leaderSendsCommitToFollowersAfterQuorumAcks() {
        TestNetwork net = TestNetwork.voters(3);
        net.elect(1);
        long idx = net.proposeAndCommit(1, "x");
        for (long id = 1; id <= 3; id++) {
            assertThat(net.status(id).hardState().commit()).isEqualTo(idx);
        }
    }
}
