package io.raftkv.raft;

import static io.raftkv.raft.Fixtures.config;
import static io.raftkv.raft.Fixtures.persistAndAdvance;
import static io.raftkv.raft.Fixtures.storage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Log compaction and InstallSnapshot (§7). */
class SnapshotTest {

    /** 3 voters; 3 misses 10 entries that the leader then compacts away. */
    private static TestNetwork laggingFollowerBehindCompaction() {
        TestNetwork net = TestNetwork.voters(3);
        net.elect(1);
        net.isolate(3);
        for (int i = 0; i < 10; i++) {
            net.proposeAndCommit(1, "v" + i);
        }
        net.compact(1);
        return net;
    }

    @Test
    void leaderSendsSnapshotWhenNeededEntriesAreCompacted_7() {
        TestNetwork net = laggingFollowerBehindCompaction();
        long snapIndex = net.storages.get(1L).snapshot().metadata().index();
        net.heal();
        net.tickAll(2);
        List<Message> snaps = net.sentOfType(MessageType.SNAP);
        assertThat(snaps).singleElement().satisfies(m -> {
            assertThat(m.to()).isEqualTo(3);
            assertThat(m.snapshot().metadata().index()).isEqualTo(snapIndex);
            assertThat(new String(m.snapshot().data())).isEqualTo("snap@" + snapIndex);
        });
        // The follower installed it and acknowledged; the leader resumes appending without a report.
        assertThat(net.storages.get(3L).snapshot().metadata().index()).isEqualTo(snapIndex);
        assertThat(net.status(1).progress().get(3L).match()).isEqualTo(snapIndex);
        net.node(1).reportSnapshot(3, true);
        net.proposeAndCommit(1, "after");
        assertThat(net.appliedData(3)).containsExactly("after");
        // 3 applied the no-op before it was cut off, then the snapshot, then the new entry.
        assertThat(net.applied.get(3L)).extracting(Entry::index).containsExactly(1L, snapIndex, snapIndex + 1);
        assertThat(new String(net.applied.get(3L).get(1).data())).isEqualTo("snap@" + snapIndex);
        assertThat(net.status(3).confState()).isEqualTo(ConfState.ofVoters(1L, 2L, 3L));
        assertThat(net.status(1).progress().get(3L).state()).isEqualTo(ProgressState.REPLICATE);
    }

    @Test
    void followerInSnapshotStateGetsNoAppendsUntilReport() {
        TestNetwork net = laggingFollowerBehindCompaction();
        net.heal();
        // Deliver the SNAP nowhere and report nothing: the transfer is "in progress".
        net.reportSnapshots = false;
        net.dropIf(m -> m.type() == MessageType.SNAP);
        net.tickAll(2);
        assertThat(net.status(1).progress().get(3L).state()).isEqualTo(ProgressState.SNAPSHOT);
        int apps = (int) net.sentOfType(MessageType.APP).stream()
                .filter(m -> m.to() == 3)
                .count();
        net.proposeAndCommit(1, "x");
        assertThat(net.sentOfType(MessageType.APP).stream()
                        .filter(m -> m.to() == 3)
                        .count())
                .isEqualTo(apps);
        // Failure: back to probe, paused until a heartbeat response, then a new snapshot.
        net.node(1).reportSnapshot(3, false);
        assertThat(net.status(1).progress().get(3L).state()).isEqualTo(ProgressState.PROBE);
        net.heal();
        net.tickAll(3);
        assertThat(net.sentOfType(MessageType.SNAP)).hasSizeGreaterThanOrEqualTo(2);
        assertThat(net.appliedData(3)).contains("x");
    }

    @Test
    void snapshotTemporarilyUnavailableIsRetriedLater() {
        TestNetwork net = laggingFollowerBehindCompaction();
        MemoryStorage real = net.storages.get(1L);
        boolean[] unavailable = {true};
        Storage flaky = new Storage() {
            public InitialState initialState() {
                return real.initialState();
            }

            public List<Entry> entries(long lo, long hi, long max) {
                return real.entries(lo, hi, max);
            }

            public long term(long i) {
                return real.term(i);
            }

            public long firstIndex() {
                return real.firstIndex();
            }

            public long lastIndex() {
                return real.lastIndex();
            }

            public Snapshot snapshot() {
                if (unavailable[0]) {
                    throw new StorageException.SnapshotTemporarilyUnavailable();
                }
                return real.snapshot();
            }
        };
        // Restart the leader over the flaky storage and re-elect it.
        RawNode leader = new RawNode(config(1).applied(net.lastApplied(1)).build(), flaky);
        net.nodes.put(1L, leader);
        net.heal();
        net.elect(1);
        net.tickAll(2);
        assertThat(net.sentOfType(MessageType.SNAP)).isEmpty();
        assertThat(net.status(1).progress().get(3L).state()).isEqualTo(ProgressState.PROBE);
        unavailable[0] = false;
        net.tickAll(2);
        assertThat(net.sentOfType(MessageType.SNAP)).hasSize(1);
    }

    @Test
    void followerWithTheSnapshotEntryOnlyFastForwardsCommit() {
        MemoryStorage s = storage(1, 1, 1);
        RawNode n = new RawNode(config(1).build(), s);
        Snapshot snap = new Snapshot(new SnapshotMetadata(2, 1, ConfState.ofVoters(1L, 2L, 3L)), null);
        n.step(Message.builder(MessageType.SNAP)
                .from(2)
                .to(1)
                .term(1)
                .snapshot(snap)
                .build());
        Ready rd = persistAndAdvance(n, s);
        assertThat(rd.snapshot().isEmpty()).isTrue();
        assertThat(rd.hardState().commit()).isEqualTo(2);
        assertThat(rd.persistedMessages()).singleElement().satisfies(m -> {
            assertThat(m.type()).isEqualTo(MessageType.APP_RESP);
            assertThat(m.index()).isEqualTo(2);
        });
        assertThat(s.lastIndex()).as("entry 3 is kept").isEqualTo(3);
    }

    @Test
    void followerRestoresSnapshotAndAdoptsItsConfiguration() {
        MemoryStorage s = storage(1, 1);
        RawNode n = new RawNode(config(1).build(), s);
        ConfState cs = new ConfState(java.util.Set.of(1L, 2L, 4L), java.util.Set.of(5L));
        Snapshot snap = new Snapshot(new SnapshotMetadata(10, 3, cs), "state".getBytes());
        n.step(Message.builder(MessageType.SNAP)
                .from(2)
                .to(1)
                .term(3)
                .snapshot(snap)
                .build());
        Ready rd = n.ready();
        assertThat(rd.snapshot()).isSameAs(snap);
        assertThat(rd.committedEntries()).isEmpty();
        assertThat(rd.hardState()).isEqualTo(new HardState(3, 0, 10));
        assertThat(rd.mustSync()).isTrue();
        assertThat(rd.persistedMessages())
                .singleElement()
                .satisfies(m -> assertThat(m.index()).isEqualTo(10));
        s.applySnapshot(rd.snapshot());
        s.setHardState(rd.hardState());
        n.advance(rd);
        assertThat(n.status().confState()).isEqualTo(cs);
        assertThat(n.status().applied()).isEqualTo(10);
        assertThat(n.hasReady()).isFalse();
        // A snapshot older than the commit index is ignored.
        n.step(Message.builder(MessageType.SNAP)
                .from(2)
                .to(1)
                .term(3)
                .snapshot(new Snapshot(new SnapshotMetadata(5, 2, cs), null))
                .build());
        Ready old = n.ready();
        assertThat(old.snapshot().isEmpty()).isTrue();
        assertThat(old.persistedMessages().get(0).index()).isEqualTo(10);
    }

    @Test
    void leaderWithoutSnapshotForCompactedLogFailsLoudly() {
        MemoryStorage s = new MemoryStorage();
        s.setConfState(ConfState.ofVoters(1L, 2L));
        s.append(Fixtures.entries(1, 1, 1, 1));
        s.compact(2); // compacted without recording a snapshot: a driver bug
        s.setHardState(new HardState(1, 0, 2));
        RawNode n = new RawNode(config(1).applied(2).build(), s);
        n.campaign();
        persistAndAdvance(n, s);
        n.step(Message.builder(MessageType.VOTE_RESP).from(2).to(1).term(2).build());
        // The follower reports an empty log: the leader must send index 1, which is gone.
        assertThatThrownBy(() -> n.step(Message.builder(MessageType.APP_RESP)
                        .from(2)
                        .to(1)
                        .term(2)
                        .index(0)
                        .build()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no snapshot");
    }

    @Test
    void restartWithAppliedBelowSnapshotFailsLoudly() {
        MemoryStorage s = storage(1, 1, 1);
        s.setHardState(new HardState(1, 0, 3));
        s.createSnapshot(2, ConfState.ofVoters(1L), null);
        s.compact(2);
        assertThatThrownBy(() -> new RawNode(config(1).applied(1).build(), s))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("snapshot");
        RawNode ok = new RawNode(config(1).applied(2).build(), s);
        assertThat(ok.ready().committedEntries()).extracting(Entry::index).containsExactly(3L);
    }
}
