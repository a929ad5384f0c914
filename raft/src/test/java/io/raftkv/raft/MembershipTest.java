package io.raftkv.raft;

import static io.raftkv.raft.Fixtures.config;
import static io.raftkv.raft.Fixtures.persistAndAdvance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Single-step membership changes (dissertation §4.1) and learners (§4.2.1). */
class MembershipTest {

    private static ProposalDroppedException.Reason reasonOf(Throwable t) {
        return ((ProposalDroppedException) t).reason();
    }

    private static ConfChange cc(ConfChangeType type, long id) {
        return new ConfChange(type, id, null);
    }

    @Test
    void learnerIsAddedCatchesUpAndIsPromoted_4_2_1() {
        TestNetwork net = TestNetwork.voters(3);
        net.elect(1);
        net.proposeAndCommit(1, "before");
        net.compact(1); // a joining node learns the configuration from a snapshot
        net.addEmptyNode(4);
        net.node(1).proposeConfChange(cc(ConfChangeType.ADD_LEARNER, 4));
        net.stabilize();
        net.tickAll(2);
        assertThat(net.status(1).confState()).isEqualTo(new ConfState(Set.of(1L, 2L, 3L), Set.of(4L)));
        assertThat(net.status(4).confState())
                .as("learned through the log")
                .isEqualTo(net.status(1).confState());
        // "before" reached 4 inside the snapshot.
        assertThat(new String(net.applied.get(4L).get(0).data()))
                .isEqualTo("snap@" + net.storages.get(1L).snapshot().metadata().index());
        assertThat(net.status(1).progress().get(4L).learner()).isTrue();
        net.node(1).proposeConfChange(cc(ConfChangeType.ADD_VOTER, 4));
        net.stabilize();
        assertThat(net.status(1).confState()).isEqualTo(ConfState.ofVoters(1L, 2L, 3L, 4L));
        assertThat(net.status(1).progress().get(4L).learner()).isFalse();
        assertThat(net.status(1).progress().get(4L).match())
                .isEqualTo(net.status(1).hardState().commit());
    }

    @Test
    void learnersDoNotCountTowardCommit() {
        TestNetwork net = TestNetwork.voters(1);
        net.elect(1);
        net.compact(1);
        net.addEmptyNode(2);
        net.node(1).proposeConfChange(cc(ConfChangeType.ADD_LEARNER, 2));
        net.stabilize();
        net.isolate(2);
        // Voter set {1}: the leader's own durability commits, whatever the learner does.
        net.proposeAndCommit(1, "x");
        assertThat(net.appliedData(1)).containsExactly("x");
        net.heal();
        net.tickAll(2);
        assertThat(net.appliedData(2)).containsExactly("x");
        assertThat(net.status(1).confState().voters()).containsExactly(1L);
    }

    @Test
    void learnerVoteDoesNotElect() {
        MemoryStorage s = new MemoryStorage();
        s.setConfState(new ConfState(Set.of(1L, 2L, 3L), Set.of(4L)));
        RawNode n = new RawNode(config(1).build(), s);
        n.campaign();
        persistAndAdvance(n, s);
        n.step(Message.builder(MessageType.VOTE_RESP).from(4).to(1).term(1).build());
        assertThat(n.status().softState().state()).isEqualTo(StateType.CANDIDATE);
        n.step(Message.builder(MessageType.VOTE_RESP).from(2).to(1).term(1).build());
        assertThat(n.status().softState().state()).isEqualTo(StateType.LEADER);
        assertThat(n.ready().messages())
                .filteredOn(m -> m.type() == MessageType.APP)
                .extracting(Message::to)
                .containsExactly(2L, 3L, 4L);
    }

    @Test
    void secondChangeIsRefusedWhileOneIsPending() {
        TestNetwork net = TestNetwork.voters(3);
        net.elect(1);
        net.node(1).proposeConfChange(cc(ConfChangeType.ADD_LEARNER, 4));
        assertThatThrownBy(() -> net.node(1).proposeConfChange(cc(ConfChangeType.ADD_LEARNER, 5)))
                .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ProposalDroppedException.Reason.CONF_CHANGE_PENDING));
        net.stabilize();
        net.node(1).proposeConfChange(cc(ConfChangeType.ADD_LEARNER, 5));
    }

    @Test
    void newLeaderRefusesChangesUntilItsLogIsApplied() {
        TestNetwork net = TestNetwork.voters(3);
        net.node(1).campaign();
        // Elected but nothing applied yet: the no-op (and anything before it) may hide a change.
        net.handleReady(1);
        net.deliverOne();
        net.deliverOne();
        net.handleReady(2);
        net.handleReady(3);
        while (net.deliverOne()) {
            // deliver votes
        }
        net.handleReady(1); // persists the vote; the self vote wins the election
        assertThat(net.status(1).softState().state()).isEqualTo(StateType.LEADER);
        assertThatThrownBy(() -> net.node(1).proposeConfChange(cc(ConfChangeType.ADD_LEARNER, 4)))
                .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ProposalDroppedException.Reason.CONF_CHANGE_PENDING));
        net.stabilize();
        net.node(1).proposeConfChange(cc(ConfChangeType.ADD_LEARNER, 4));
    }

    @Test
    void changeThatLeavesNoVoterIsInvalid() {
        TestNetwork net = TestNetwork.voters(1);
        net.elect(1);
        assertThatThrownBy(() -> net.node(1).proposeConfChange(cc(ConfChangeType.REMOVE, 1)))
                .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ProposalDroppedException.Reason.INVALID));
        assertThatThrownBy(() -> net.node(1).proposeConfChange(cc(ConfChangeType.ADD_LEARNER, 1)))
                .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ProposalDroppedException.Reason.INVALID));
        assertThatThrownBy(() -> net.node(1).applyConfChange(10, cc(ConfChangeType.REMOVE, 1)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no voters");
        assertThatThrownBy(() -> new ConfChange(ConfChangeType.REMOVE, 0, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void removedLeaderStepsDownAndOthersElectANewOne() {
        TestNetwork net = TestNetwork.voters(3);
        net.elect(1);
        net.node(1).proposeConfChange(cc(ConfChangeType.REMOVE, 1));
        net.stabilize();
        assertThat(net.status(1).softState()).isEqualTo(new SoftState(0, StateType.FOLLOWER));
        assertThat(net.status(2).confState()).isEqualTo(ConfState.ofVoters(2L, 3L));
        assertThatThrownBy(() -> net.node(1).propose("x".getBytes())).isInstanceOf(ProposalDroppedException.class);
        net.tickAll(40);
        long leader = net.leader();
        assertThat(leader).isIn(2L, 3L);
        net.proposeAndCommit(leader, "after");
        assertThat(net.appliedData(2)).containsExactly("after");
        assertThat(net.status(1).softState().state())
                .as("a removed node never campaigns")
                .isEqualTo(StateType.FOLLOWER);
    }

    @Test
    void removingAVoterCanCommitPendingEntries() {
        // Voters {1, 2}: 2 acknowledged its own removal but then stopped responding.
        TestNetwork net = TestNetwork.voters(2);
        net.elect(1);
        long ccIndex = net.node(1).proposeConfChange(cc(ConfChangeType.REMOVE, 2));
        Ready rd = net.node(1).ready();
        net.persist(1, rd);
        net.node(1).advance(rd);
        net.node(1)
                .step(Message.builder(MessageType.APP_RESP)
                        .from(2)
                        .to(1)
                        .term(1)
                        .index(ccIndex)
                        .build());
        long pending = net.node(1).propose("x".getBytes());
        Ready rd2 = net.node(1).ready();
        net.persist(1, rd2);
        assertThat(rd2.committedEntries()).extracting(Entry::index).containsExactly(ccIndex);
        net.node(1).advance(rd2);
        assertThat(net.status(1).hardState().commit()).as("x needs 2's ack").isEqualTo(ccIndex);
        net.node(1).applyConfChange(ccIndex, cc(ConfChangeType.REMOVE, 2));
        assertThat(net.status(1).hardState().commit()).isEqualTo(pending);
    }

    @Test
    void demotingAVoterToLearner() {
        TestNetwork net = TestNetwork.voters(3);
        net.elect(1);
        net.node(1).proposeConfChange(cc(ConfChangeType.ADD_LEARNER, 3));
        net.stabilize();
        assertThat(net.status(2).confState()).isEqualTo(new ConfState(Set.of(1L, 2L), Set.of(3L)));
        net.proposeAndCommit(1, "x");
        assertThat(net.appliedData(3)).containsExactly("x");
    }

    @Test
    void joiningNodeThatReplaysFromIndexOneFailsLoudly() {
        TestNetwork net = TestNetwork.voters(1);
        net.elect(1);
        net.addEmptyNode(2);
        net.node(1).proposeConfChange(cc(ConfChangeType.ADD_LEARNER, 2));
        assertThatThrownBy(net::stabilize)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("empty configuration")
                .hasMessageContaining("snapshot");
    }

    @Test
    void confChangeEncodingRoundTrips() {
        ConfChange c = new ConfChange(ConfChangeType.ADD_VOTER, 7, "addr".getBytes());
        ConfChange d = ConfChange.decode(c.encode());
        assertThat(d.type()).isEqualTo(ConfChangeType.ADD_VOTER);
        assertThat(d.nodeId()).isEqualTo(7);
        assertThat(new String(d.context())).isEqualTo("addr");
    }

    @Test
    void confChangeAtOrBelowARestoredSnapshotIsAlreadyInForce() {
        // Follower 1 gets "add learner 4" at index 2 committed and hands it out; while that Ready is
        // being written, a snapshot at 10 arrives whose configuration already made 4 a voter. The
        // driver then applies the change at 2: it must not turn voter 4 back into a learner.
        MemoryStorage s = Fixtures.storage(ConfState.ofVoters(1L, 2L, 3L), HardState.EMPTY);
        RawNode n = new RawNode(config(1).build(), s);
        ConfChange addLearner = cc(ConfChangeType.ADD_LEARNER, 4);
        n.step(Message.builder(MessageType.APP)
                .from(2)
                .to(1)
                .term(1)
                .index(0)
                .logTerm(0)
                .commit(2)
                .entries(List.of(
                        Entry.normal(1, 1, new byte[0]), new Entry(1, 2, EntryType.CONF_CHANGE, addLearner.encode())))
                .build());
        Ready rd = n.ready();
        assertThat(rd.committedEntries()).extracting(Entry::index).containsExactly(1L, 2L);
        ConfState later = new ConfState(Set.of(1L, 2L, 3L, 4L), Set.of());
        n.step(Message.builder(MessageType.SNAP)
                .from(2)
                .to(1)
                .term(1)
                .snapshot(new Snapshot(new SnapshotMetadata(10, 1, later), new byte[0]))
                .build());
        s.append(rd.entries());
        s.setHardState(rd.hardState());
        n.advance(rd);
        assertThat(n.applyConfChange(2, addLearner)).isEqualTo(later);
        assertThat(n.status().confState()).isEqualTo(later);
        // A change past the snapshot applies as usual.
        assertThat(n.applyConfChange(11, cc(ConfChangeType.REMOVE, 3)).voters()).containsExactlyInAnyOrder(1L, 2L, 4L);
    }
}
