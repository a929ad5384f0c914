package io.raftkv.raft;

import static io.raftkv.raft.Fixtures.config;
import static io.raftkv.raft.Fixtures.persistAndAdvance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The Ready contract: what may be sent before persisting, what only after, and when to apply. */
class ReadyContractTest {

    @Test
    void leaderMessagesAreImmediateFollowerAcksWaitForPersistence() {
        TestNetwork net = TestNetwork.voters(3);
        net.elect(1);
        net.node(1).propose("x".getBytes());
        Ready leader = net.node(1).ready();
        assertThat(leader.messages()).extracting(Message::type).containsOnly(MessageType.APP);
        assertThat(leader.persistedMessages()).isEmpty();
        assertThat(leader.mustSync()).isTrue();
        net.node(2).step(leader.messages().get(0));
        Ready follower = net.node(2).ready();
        assertThat(follower.messages()).isEmpty();
        assertThat(follower.persistedMessages()).extracting(Message::type).containsExactly(MessageType.APP_RESP);
        assertThat(follower.entries()).extracting(e -> new String(e.data())).containsExactly("x");
    }

    @Test
    void heartbeatsFlowWhileAReadyIsOutstandingButAcksWaitForItsWrites() {
        TestNetwork net = TestNetwork.voters(3);
        net.elect(1);
        net.node(1).propose("x".getBytes());
        Ready slow = net.node(1).ready(); // the leader's own write has not finished yet
        net.node(1).tick(); // heartbeat interval is one tick in TestNetwork
        List<Message> now = net.node(1).takeMessages();
        assertThat(now).extracting(Message::type).containsOnly(MessageType.HEARTBEAT);
        assertThat(now).extracting(Message::to).containsExactlyInAnyOrder(2L, 3L);
        assertThat(net.node(1).takeMessages()).as("taken once").isEmpty();

        // A follower with a write outstanding answers heartbeats at once, but its append ack waits.
        net.node(2)
                .step(slow.messages().stream()
                        .filter(m -> m.to() == 2)
                        .findFirst()
                        .orElseThrow());
        Ready f = net.node(2).ready();
        assertThat(f.persistedMessages()).extracting(Message::type).containsExactly(MessageType.APP_RESP);
        net.node(2).step(now.stream().filter(m -> m.to() == 2).findFirst().orElseThrow());
        assertThat(net.node(2).takeMessages()).extracting(Message::type).containsExactly(MessageType.HEARTBEAT_RESP);
        net.node(2)
                .step(slow.messages().stream()
                        .filter(m -> m.to() == 2)
                        .findFirst()
                        .orElseThrow());
        assertThat(net.node(2).takeMessages())
                .as("a duplicate append's ack promises durable state: not here")
                .extracting(Message::type)
                .doesNotContain(MessageType.APP_RESP);
        net.persist(2, f);
        net.node(2).advance(f);
        net.persist(1, slow);
        net.node(1).advance(slow);
    }

    @Test
    void leaderDoesNotCommitItsEntryBeforeItsOwnAdvance() {
        TestNetwork net = TestNetwork.voters(3);
        net.elect(1);
        net.isolate(3);
        long idx = net.node(1).propose("x".getBytes());
        Ready rd = net.node(1).ready();
        net.node(2)
                .step(rd.messages().stream()
                        .filter(m -> m.to() == 2)
                        .findFirst()
                        .orElseThrow());
        Ready f = net.node(2).ready();
        net.persist(2, f);
        net.node(2).advance(f);
        net.node(1).step(f.persistedMessages().get(0));
        assertThat(net.status(1).hardState().commit())
                .as("leader's copy is not durable yet")
                .isLessThan(idx);
        net.persist(1, rd);
        net.node(1).advance(rd);
        assertThat(net.status(1).hardState().commit()).isEqualTo(idx);
        Ready next = net.node(1).ready();
        assertThat(next.committedEntries()).extracting(Entry::index).containsExactly(idx);
        assertThat(next.hardState().commit()).isEqualTo(idx);
        assertThat(next.mustSync()).as("commit alone needs no fsync").isFalse();
    }

    @Test
    void followerMayApplyEntriesPersistedInTheSameReady() {
        MemoryStorage s = new MemoryStorage();
        s.setConfState(ConfState.ofVoters(1L, 2L));
        RawNode n = new RawNode(config(1).build(), s);
        n.step(Message.builder(MessageType.APP)
                .from(2)
                .to(1)
                .term(1)
                .index(0)
                .logTerm(0)
                .commit(2)
                .entries(Fixtures.entries(1, 1, 1))
                .build());
        Ready rd = n.ready();
        assertThat(rd.entries()).extracting(Entry::index).containsExactly(1L, 2L);
        assertThat(rd.committedEntries()).extracting(Entry::index).containsExactly(1L, 2L);
        assertThat(rd.hardState()).isEqualTo(new HardState(1, 0, 2));
    }

    @Test
    void readyTwiceWithoutAdvanceAndForeignAdvanceFailLoudly() {
        MemoryStorage s = Fixtures.storage();
        RawNode n = new RawNode(config(1).build(), s);
        n.campaign();
        assertThat(n.hasReady()).isTrue();
        Ready rd = n.ready();
        assertThat(n.hasReady())
                .as("nothing new may be taken while one is outstanding")
                .isFalse();
        assertThatThrownBy(n::ready).isInstanceOf(IllegalStateException.class).hasMessageContaining("advance");
        Ready other = new Ready(null, null, null, null, null, null, null, null, false);
        assertThatThrownBy(() -> n.advance(other))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("different");
        n.advance(rd);
        assertThatThrownBy(() -> n.advance(rd))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("without");
    }

    @Test
    void softAndHardStateAppearOnlyWhenChanged() {
        MemoryStorage s = Fixtures.storage();
        RawNode n = new RawNode(config(1).build(), s);
        assertThat(n.hasReady()).isFalse();
        n.campaign();
        Ready rd = persistAndAdvance(n, s);
        assertThat(rd.softState()).isEqualTo(new SoftState(0, StateType.CANDIDATE));
        assertThat(rd.hardState()).isEqualTo(new HardState(1, 1, 0));
        assertThat(rd.messages()).extracting(Message::type).containsExactly(MessageType.VOTE, MessageType.VOTE);
        assertThat(rd.messages()).allSatisfy(m -> {
            assertThat(m.index()).isZero();
            assertThat(m.term()).isEqualTo(1);
        });
        assertThat(n.hasReady()).isFalse();
        n.tick();
        assertThat(n.hasReady()).isFalse();
    }

    @Test
    void restartRestoresHardStateConfigurationAndApplied() {
        TestNetwork net = TestNetwork.voters(3);
        net.elect(1);
        net.proposeAndCommit(1, "a");
        net.proposeAndCommit(1, "b");
        HardState before = net.status(2).hardState();
        long applied = net.lastApplied(2);
        RawNode restarted = net.restart(2);
        assertThat(restarted.status().hardState()).isEqualTo(before);
        assertThat(restarted.status().applied()).isEqualTo(applied);
        assertThat(restarted.status().confState()).isEqualTo(ConfState.ofVoters(1L, 2L, 3L));
        assertThat(restarted.status().softState()).isEqualTo(new SoftState(0, StateType.FOLLOWER));
        assertThat(restarted.hasReady()).as("nothing to re-apply").isFalse();
        net.proposeAndCommit(1, "c");
        assertThat(net.appliedData(2)).containsExactly("a", "b", "c");
    }

    @Test
    void restartWithLowerAppliedReappliesCommittedEntries() {
        TestNetwork net = TestNetwork.voters(1);
        net.elect(1);
        net.proposeAndCommit(1, "a");
        net.proposeAndCommit(1, "b");
        RawNode n = new RawNode(config(1).applied(1).build(), net.storages.get(1L));
        Ready rd = n.ready();
        assertThat(rd.committedEntries()).extracting(e -> new String(e.data())).containsExactly("a", "b");
        assertThat(rd.hardState()).isNull();
    }

    @Test
    void asynchronousApplyIsReportedSeparately() {
        TestNetwork net = TestNetwork.voters(1);
        net.elect(1);
        RawNode n = net.node(1);
        n.advanceApplied(n.status().applied());
        long idx = n.propose("a".getBytes());
        Ready rd = n.ready();
        net.persist(1, rd);
        n.advance(rd);
        Ready withCommitted = n.ready();
        net.persist(1, withCommitted);
        assertThat(withCommitted.committedEntries()).extracting(Entry::index).containsExactly(idx);
        n.advance(withCommitted);
        assertThat(n.status().applied()).as("not applied until reported").isLessThan(idx);
        assertThat(n.hasReady()).as("not handed out twice").isFalse();
        assertThatThrownBy(() -> n.advanceApplied(idx + 1)).isInstanceOf(IllegalStateException.class);
        n.advanceApplied(idx);
        assertThat(n.status().applied()).isEqualTo(idx);
    }

    @Test
    void statusReportsLeaderProgress() {
        TestNetwork net = TestNetwork.voters(3);
        net.elect(1);
        long idx = net.proposeAndCommit(1, "a");
        Status st = net.status(1);
        assertThat(st.id()).isEqualTo(1);
        assertThat(st.progress()).containsOnlyKeys(1L, 2L, 3L);
        assertThat(st.progress().get(2L))
                .isEqualTo(new FollowerProgress(idx, idx + 1, ProgressState.REPLICATE, false, true, 0));
        assertThat(net.status(2).progress()).isEmpty();
        assertThat(st.applied()).isEqualTo(idx);
        assertThat(st.leadTransferee()).isZero();
    }

    @Test
    void messagesNeverShareMutableEntryLists() {
        TestNetwork net = TestNetwork.voters(2);
        net.elect(1);
        net.node(1).propose("a".getBytes());
        Ready rd = net.node(1).ready();
        List<Entry> sentEntries = rd.messages().get(0).entries();
        net.persist(1, rd);
        net.node(1).advance(rd); // stableTo trims the unstable list
        assertThat(sentEntries).extracting(e -> new String(e.data())).containsExactly("a");
        assertThatThrownBy(() -> sentEntries.add(Entry.normal(1, 9, null)))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void ackOfEntriesTruncatedBeforeTheReadyIsDropped() {
        // Regression (simulator seed 8176): an ack queued for entries a newer leader then replaced
        // would promise entries the Ready no longer persists.
        MemoryStorage s = new MemoryStorage();
        s.setConfState(ConfState.ofVoters(1L, 2L, 3L));
        RawNode n = new RawNode(config(1).build(), s);
        n.step(Message.builder(MessageType.APP)
                .from(2)
                .to(1)
                .term(1)
                .index(0)
                .logTerm(0)
                .entries(Fixtures.entries(1, 1, 1, 1))
                .build());
        n.step(Message.builder(MessageType.APP)
                .from(3)
                .to(1)
                .term(2)
                .index(1)
                .logTerm(1)
                .entries(Fixtures.entries(2, 2))
                .build());
        Ready rd = n.ready();
        assertThat(rd.entries())
                .extracting(Entry::index, Entry::term)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(1L, 1L), org.assertj.core.groups.Tuple.tuple(2L, 2L));
        assertThat(rd.persistedMessages()).singleElement().satisfies(m -> {
            assertThat(m.to()).isEqualTo(3);
            assertThat(m.index()).isEqualTo(2);
            assertThat(m.term()).isEqualTo(2);
        });
    }

    @Test
    void ackSurvivesWhenTheSameEntriesAreReceivedAgain() {
        MemoryStorage s = new MemoryStorage();
        s.setConfState(ConfState.ofVoters(1L, 2L));
        RawNode n = new RawNode(config(1).build(), s);
        Message app = Message.builder(MessageType.APP)
                .from(2)
                .to(1)
                .term(1)
                .index(0)
                .logTerm(0)
                .entries(Fixtures.entries(1, 1, 1))
                .build();
        n.step(app);
        n.step(app);
        assertThat(n.ready().persistedMessages())
                .hasSize(2)
                .allSatisfy(m -> assertThat(m.index()).isEqualTo(2));
    }
}
