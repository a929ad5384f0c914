package io.raftkv.raft.loop;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.HardState;
import io.raftkv.raft.MemoryStorage;
import io.raftkv.raft.Message;
import io.raftkv.raft.MessageType;
import io.raftkv.raft.RaftConfig;
import io.raftkv.raft.RawNode;
import io.raftkv.raft.Snapshot;
import io.raftkv.raft.StateType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The shipped loop's durability rules, one by one, with ports that complete only when a test says
 * so. The simulator runs the same loop over every seed; these pin each rule down where it is made.
 */
class ReadyLoopTest {

    /** Ports that record every call and hold completions until the test releases them. */
    private static final class Harness implements ReadyLoop.Events<String> {
        final MemoryStorage storage = new MemoryStorage();
        final RawNode raw;
        final ReadyLoop<String> loop;
        final List<Message> sent = new ArrayList<>();
        final List<HardState> persistedHardStates = new ArrayList<>();
        final List<List<Entry>> persistedEntries = new ArrayList<>();
        final List<Runnable> pendingPersists = new ArrayList<>();
        final List<Runnable> pendingApplies = new ArrayList<>();
        final List<Entry> applied = new ArrayList<>();
        String halted;
        long now;

        Harness(int voters, int maxApplyBatches) {
            Long[] ids = new Long[voters];
            for (int i = 0; i < voters; i++) {
                ids[i] = i + 1L;
            }
            storage.setConfState(ConfState.ofVoters(ids));
            raw = new RawNode(
                    RaftConfig.builder(1)
                            .electionTicks(10)
                            .heartbeatTicks(1)
                            .preVote(false)
                            .build(),
                    storage);
            loop = new ReadyLoop<>(raw, 0, maxApplyBatches, this::persist, sent::addAll, this::apply, () -> now, this);
        }

        private void persist(HardState hs, List<Entry> entries, Snapshot snap, ReadyLoop.Done done) {
            persistedHardStates.add(hs);
            persistedEntries.add(entries);
            pendingPersists.add(() -> {
                if (hs != null) {
                    storage.setHardState(hs);
                }
                storage.append(entries);
                done.done(null);
            });
        }

        private void apply(List<Entry> committed, Map<Long, ConfState> confStates, ReadyLoop.Applied<String> done) {
            pendingApplies.add(() -> {
                applied.addAll(committed);
                done.applied("ok", null);
            });
        }

        void completePersist() {
            pendingPersists.remove(0).run();
        }

        void completeApply() {
            pendingApplies.remove(0).run();
        }

        /** Completes every write and apply until the loop is idle. */
        void settle() {
            while (!pendingPersists.isEmpty() || !pendingApplies.isEmpty()) {
                if (!pendingPersists.isEmpty()) {
                    completePersist();
                } else {
                    completeApply();
                }
            }
        }

        List<Message> sentOf(MessageType type) {
            return sent.stream().filter(m -> m.type() == type).toList();
        }

        @Override
        public void onHalt(String what, Throwable cause) {
            halted = what + ": " + cause;
        }

        /** Node 1 campaigns and wins with node 2's vote; everything settles. */
        void elect() {
            raw.campaign();
            loop.run();
            settle();
            raw.step(
                    Message.builder(MessageType.VOTE_RESP).from(2).to(1).term(1).build());
            loop.run();
            settle();
            assertThat(raw.status().softState().state()).isEqualTo(StateType.LEADER);
        }
    }

    @Test
    void aCommitOnlyHardStateIsNotWrittenButRidesWithTheNextWrite() {
        Harness h = new Harness(1, 4);
        h.raw.campaign();
        h.loop.run();
        h.settle();
        assertThat(h.raw.status().softState().state()).isEqualTo(StateType.LEADER);
        assertThat(h.raw.status().hardState().commit()).isEqualTo(1);
        // The no-op at 1 was written with term and vote; its commit came in a Ready of its own.
        assertThat(h.persistedHardStates)
                .allSatisfy(hs -> assertThat(hs == null || hs.commit() == 0).isTrue());
        assertThat(h.storage.hardState().commit()).isZero();
        assertThat(h.applied).extracting(Entry::index).containsExactly(1L);

        h.raw.propose("x".getBytes());
        h.loop.run();
        assertThat(h.persistedHardStates.get(h.persistedHardStates.size() - 1).commit())
                .as("the deferred commit index is written with the next entries")
                .isEqualTo(1);
        h.settle();
        assertThat(h.storage.hardState().commit()).isEqualTo(1);
        assertThat(h.raw.status().hardState().commit()).isEqualTo(2);
    }

    @Test
    void appendsLeaveBeforeTheLeadersOwnFsyncAndTheLeaderCountsItselfOnlyOnceDurable() {
        Harness h = new Harness(3, 4);
        h.elect();
        for (long follower : List.of(2L, 3L)) {
            // Both followers hold the no-op: they leave probing, so appends are pipelined.
            h.raw.step(Message.builder(MessageType.APP_RESP)
                    .from(follower)
                    .to(1)
                    .term(1)
                    .index(1)
                    .build());
        }
        h.loop.run();
        h.settle();
        int sentBefore = h.sentOf(MessageType.APP).size();
        long index = h.raw.propose("x".getBytes());
        h.loop.run();
        assertThat(h.pendingPersists)
                .as("the leader's own write is outstanding")
                .hasSize(1);
        assertThat(h.sentOf(MessageType.APP)).as("appends went out before it").hasSizeGreaterThan(sentBefore);

        // A follower acknowledges; with the leader's own entry not durable there is no quorum of 2.
        h.raw.step(Message.builder(MessageType.APP_RESP)
                .from(2)
                .to(1)
                .term(1)
                .index(index)
                .build());
        h.loop.run();
        assertThat(h.raw.status().hardState().commit()).isLessThan(index);
        h.completePersist();
        h.loop.run();
        assertThat(h.raw.status().hardState().commit()).isEqualTo(index);
        h.settle();
        assertThat(h.applied).extracting(Entry::index).contains(index);
    }

    @Test
    void noReadyIsTakenWhileTheApplyQueueIsFullButHeartbeatsAndAppendsStillLeave() {
        Harness h = new Harness(1, 1);
        h.raw.campaign();
        h.loop.run();
        while (!h.pendingPersists.isEmpty()) {
            h.completePersist();
        }
        assertThat(h.pendingApplies).as("the no-op's apply is in flight").hasSize(1);
        assertThat(h.loop.applyBatchesInFlight()).isEqualTo(1);

        int writes = h.persistedEntries.size();
        h.raw.propose("x".getBytes());
        h.loop.run();
        assertThat(h.persistedEntries)
                .as("no Ready taken while the apply batch is in flight")
                .hasSize(writes);
        assertThat(h.raw.hasReady()).isTrue();
        assertThat(h.raw.status().applied())
                .as("the core's applied index waits for the state machine")
                .isZero();

        h.completeApply();
        assertThat(h.raw.status().applied()).isEqualTo(1);
        assertThat(h.loop.appliedIndex()).isEqualTo(1);
        assertThat(h.persistedEntries).as("the loop went on by itself").hasSize(writes + 1);
    }

    @Test
    void aFailedPersistHaltsTheLoopForGood() {
        Harness h = new Harness(1, 4);
        List<ReadyLoop.Done> dones = new ArrayList<>();
        ReadyLoop<String> loop = new ReadyLoop<>(
                h.raw, 0, 4, (hs, es, snap, done) -> dones.add(done), h.sent::addAll, (c, cs, done) -> {}, () -> 0, h);
        h.raw.campaign();
        loop.run();
        dones.get(0).done(new IOException("disk gone"));
        assertThat(h.halted).startsWith("persisting a Ready failed");
        assertThat(loop.stopped()).isTrue();
        int sent = h.sent.size();
        h.raw.tick();
        loop.run();
        assertThat(h.sent).hasSize(sent);
        assertThat(dones).hasSize(1);
    }

    @Test
    void aPersistThatCompletesInsideTheCallDoesNotNest() {
        // The simulator's fast disk completes in the call; the loop must go on iteratively.
        Harness h = new Harness(1, 1_000);
        List<Integer> depth = new ArrayList<>();
        int[] current = {0};
        ReadyLoop<String> loop = new ReadyLoop<>(
                h.raw,
                0,
                1_000,
                (hs, es, snap, done) -> {
                    current[0]++;
                    depth.add(current[0]);
                    if (hs != null) {
                        h.storage.setHardState(hs);
                    }
                    h.storage.append(es);
                    done.done(null);
                    current[0]--;
                },
                h.sent::addAll,
                (c, cs, done) -> done.applied("ok", null),
                () -> 0,
                h);
        h.raw.campaign();
        loop.run();
        for (int i = 0; i < 50; i++) {
            h.raw.propose(("v" + i).getBytes());
            loop.run();
        }
        assertThat(h.raw.status().hardState().commit()).isEqualTo(51);
        assertThat(h.raw.status().applied()).isEqualTo(51);
        assertThat(depth).containsOnly(1);
        assertThat(h.halted).isNull();
    }
}
