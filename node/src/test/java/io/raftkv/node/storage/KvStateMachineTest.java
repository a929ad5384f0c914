package io.raftkv.node.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.node.kv.ApplyResult;
import io.raftkv.node.kv.ApplyResult.Status;
import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.Command.Absent;
import io.raftkv.node.kv.Command.Compare;
import io.raftkv.node.kv.Command.CompareAndSet;
import io.raftkv.node.kv.Command.Delete;
import io.raftkv.node.kv.Command.ModRevisionEquals;
import io.raftkv.node.kv.Command.Put;
import io.raftkv.node.kv.Command.Txn;
import io.raftkv.node.kv.Command.ValueEquals;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.kv.KeyValue;
import io.raftkv.node.kv.KvEvent;
import io.raftkv.node.kv.RangeResult;
import io.raftkv.node.kv.Revisions;
import io.raftkv.node.kv.StateHash;
import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.HardState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every command, compare-and-set on value and on mod index, transactions, sessions and expiry. */
class KvStateMachineTest {
    private static final long EXPIRY = 10;

    @TempDir
    Path dir;

    private NodeStorage storage;
    private KvStateMachine sm;
    private long nextIndex = 1;

    @BeforeEach
    void open() {
        storage = NodeStorage.open(dir, StorageOptions.defaults().withSessionExpiryEntries(EXPIRY));
        sm = storage.stateMachine();
    }

    @AfterEach
    void close() {
        storage.close();
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Appends the commands to the log (durably, as the driver would) and applies them. */
    private List<ApplyResult> run(Command... commands) {
        List<Entry> es = new ArrayList<>();
        for (Command c : commands) {
            es.add(new Entry(1, nextIndex++, EntryType.NORMAL, CommandCodec.encode(c)));
        }
        return commitAndApply(es);
    }

    private List<ApplyResult> commitAndApply(List<Entry> es) {
        long last = es.get(es.size() - 1).index();
        storage.raftLog().persist(new HardState(1, 1, last), es, null).join();
        return sm.apply(es, Map.of()).join();
    }

    private ApplyResult one(Command c) {
        return run(c).get(0);
    }

    @Test
    void putCreatesThenUpdatesKeepingHistory() {
        ApplyResult first = one(Command.of(new Put(b("k"), b("v1"))));
        assertThat(first.status()).isEqualTo(Status.APPLIED);
        // The empty store is at revision 1; the first write takes revision 2 (etcd's numbering).
        assertThat(first.keyValue()).isEqualTo(new KeyValue(b("k"), b("v1"), 2, 2, 1));
        assertThat(first.revision()).isEqualTo(2);
        one(Command.of(new Put(b("k"), b("v2"))));
        assertThat(sm.get(b("k"))).contains(new KeyValue(b("k"), b("v2"), 2, 3, 2));
        assertThat(sm.appliedIndex()).isEqualTo(2);
        assertThat(sm.revisions()).isEqualTo(new Revisions(3, 0));
        assertThat(sm.get(b("k"), 2).kv()).contains(new KeyValue(b("k"), b("v1"), 2, 2, 1));
    }

    @Test
    void deleteRemovesAndReportsPreviousAndRecreationRestartsHistory() {
        one(Command.of(new Put(b("k"), b("v"))));
        ApplyResult del = one(Command.of(new Delete(b("k"))));
        assertThat(del.keyValue()).isEqualTo(new KeyValue(b("k"), b("v"), 2, 2, 1));
        assertThat(del.revision()).isEqualTo(3);
        assertThat(sm.get(b("k"))).isEmpty();
        ApplyResult absent = one(Command.of(new Delete(b("k"))));
        assertThat(absent.keyValue()).isNull();
        assertThat(absent.revision())
                .as("deleting an absent key changes nothing")
                .isEqualTo(3);
        one(Command.of(new Put(b("k"), b("again"))));
        assertThat(sm.get(b("k"))).contains(new KeyValue(b("k"), b("again"), 4, 4, 1));
    }

    @Test
    void compareAndSetOnValue() {
        one(Command.of(new Put(b("k"), b("a"))));
        ApplyResult miss = one(Command.of(new CompareAndSet(b("k"), new ValueEquals(b("x")), b("b"))));
        assertThat(miss.status()).isEqualTo(Status.COMPARE_FAILED);
        assertThat(miss.keyValue().value()).isEqualTo(b("a"));
        ApplyResult hit = one(Command.of(new CompareAndSet(b("k"), new ValueEquals(b("a")), b("b"))));
        assertThat(hit.status()).isEqualTo(Status.APPLIED);
        assertThat(sm.get(b("k")).orElseThrow().value()).isEqualTo(b("b"));
    }

    @Test
    void compareAndSetOnModIndexAndAbsenceAndDelete() {
        ApplyResult created = one(Command.of(new CompareAndSet(b("k"), new Absent(), b("a"))));
        assertThat(created.status()).isEqualTo(Status.APPLIED);
        assertThat(one(Command.of(new CompareAndSet(b("k"), new Absent(), b("z"))))
                        .status())
                .isEqualTo(Status.COMPARE_FAILED);
        assertThat(one(Command.of(new CompareAndSet(b("k"), new ModRevisionEquals(99), b("z"))))
                        .status())
                .isEqualTo(Status.COMPARE_FAILED);
        assertThat(one(Command.of(new CompareAndSet(b("k"), new ModRevisionEquals(2), b("b"))))
                        .status())
                .isEqualTo(Status.APPLIED);
        ApplyResult deleted = one(Command.of(new CompareAndSet(b("k"), new ModRevisionEquals(3), null)));
        assertThat(deleted.status()).isEqualTo(Status.APPLIED);
        assertThat(sm.get(b("k"))).isEmpty();
        ApplyResult onAbsent = one(Command.of(new CompareAndSet(b("k"), new ValueEquals(b("b")), b("c"))));
        assertThat(onAbsent.status()).isEqualTo(Status.COMPARE_FAILED);
        assertThat(onAbsent.keyValue()).isNull();
    }

    @Test
    void transactionRunsOneBranchAtomicallyAndSeesItsOwnWrites() {
        one(Command.of(new Put(b("a"), b("1"))));
        Txn txn = new Txn(
                List.of(new Compare(b("a"), new ValueEquals(b("1"))), new Compare(b("b"), new Absent())),
                List.of(new Put(b("b"), b("2")), new Put(b("b"), b("3")), new Delete(b("a"))),
                List.of(new Put(b("failed"), b("yes"))));
        assertThat(one(Command.of(txn)).status()).isEqualTo(Status.APPLIED);
        assertThat(sm.get(b("a"))).isEmpty();
        // One revision for the whole transaction, however many changes it makes.
        assertThat(sm.get(b("b"))).contains(new KeyValue(b("b"), b("3"), 3, 3, 2));
        assertThat(sm.changes(3, 100, 1 << 20).events())
                .extracting(KvEvent::type, KvEvent::subRevision)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(KvEvent.Type.PUT, 0),
                        org.assertj.core.groups.Tuple.tuple(KvEvent.Type.PUT, 1),
                        org.assertj.core.groups.Tuple.tuple(KvEvent.Type.DELETE, 2));
        assertThat(one(Command.of(txn)).status()).isEqualTo(Status.COMPARE_FAILED);
        assertThat(sm.get(b("failed")).orElseThrow().value()).isEqualTo(b("yes"));
        assertThat(sm.get(b("b")).orElseThrow().version()).isEqualTo(2);
    }

    @Test
    void commandsInOneBatchSeeEachOther() {
        List<ApplyResult> rs = run(
                Command.of(new Put(b("k"), b("1"))),
                Command.of(new CompareAndSet(b("k"), new ModRevisionEquals(2), b("2"))),
                Command.of(new Put(b("k"), b("3"))));
        assertThat(rs).extracting(ApplyResult::status).containsExactly(Status.APPLIED, Status.APPLIED, Status.APPLIED);
        assertThat(sm.get(b("k"))).contains(new KeyValue(b("k"), b("3"), 2, 4, 3));
    }

    @Test
    void sessionAppliesEachSequenceAtMostOnceAndReplaysTheCachedAnswer() {
        ApplyResult first = one(Command.inSession(7, 1, new Put(b("k"), b("v"))));
        ApplyResult retry = one(Command.inSession(7, 1, new Put(b("k"), b("v"))));
        assertThat(retry.duplicate()).isTrue();
        assertThat(retry.keyValue()).isEqualTo(first.keyValue());
        assertThat(sm.get(b("k")).orElseThrow().version()).isEqualTo(1);
        one(Command.inSession(7, 2, new Put(b("k"), b("w"))));
        ApplyResult stale = one(Command.inSession(7, 1, new Put(b("k"), b("v"))));
        assertThat(stale.status()).isEqualTo(Status.REJECTED);
        assertThat(stale.reason()).contains("older than its last request");
        assertThat(sm.get(b("k")).orElseThrow().value()).isEqualTo(b("w"));
        ApplyResult unknown = one(Command.inSession(8, 5, new Put(b("x"), b("y"))));
        assertThat(unknown.status()).isEqualTo(Status.REJECTED);
        assertThat(sm.get(b("x"))).isEmpty();
    }

    @Test
    void sessionsExpireByLogIndexAndALateRetryIsRefusedNotReapplied() {
        one(Command.inSession(7, 1, new Put(b("k"), b("v1"))));
        one(Command.inSession(7, 2, new Put(b("k"), b("v2"))));
        for (int i = 0; i < EXPIRY - 1; i++) {
            one(Command.of(new Put(b("other"), b("x"))));
        }
        // last used at 2, now at 12: 12 - 2 = 10 is not yet > 10, so the retry is still answered
        assertThat(one(Command.inSession(7, 2, new Put(b("k"), b("v2")))).duplicate())
                .isTrue();
        for (int i = 0; i < EXPIRY; i++) {
            one(Command.of(new Put(b("other"), b("x"))));
        }
        // last used at 12, now at 23: expired, so the retry is refused instead of applied twice
        ApplyResult late = one(Command.inSession(7, 2, new Put(b("k"), b("v2"))));
        assertThat(late.status()).isEqualTo(Status.REJECTED);
        assertThat(late.reason()).contains("unknown or expired");
        assertThat(sm.get(b("k")).orElseThrow().version()).isEqualTo(2);
    }

    @Test
    void aSessionRestartedAfterExpiryButBeforeTheSweepSurvivesTheSweep() {
        one(Command.inSession(7, 1, new Put(b("k"), b("v1"))));
        for (int i = 0; i < EXPIRY; i++) {
            one(Command.of(new Put(b("other"), b("x"))));
        }
        // index 12: last used at 1, so expired (11 > 10) but not yet swept; the client starts over
        ApplyResult restart = one(Command.inSession(7, 1, new Put(b("k"), b("v2"))));
        assertThat(restart.status()).isEqualTo(Status.APPLIED);
        assertThat(restart.duplicate()).isFalse();
        // The sweep at the end of that apply removed the old record's expiry key, not the new session:
        // a retry of sequence 1 is a duplicate, never applied twice.
        ApplyResult retry = one(Command.inSession(7, 1, new Put(b("k"), b("v2"))));
        assertThat(retry.duplicate()).isTrue();
        assertThat(sm.get(b("k")).orElseThrow().version()).isEqualTo(2);
        assertThat(one(Command.inSession(7, 2, new Put(b("k"), b("v3")))).status())
                .isEqualTo(Status.APPLIED);
        assertThat(sm.storedSessionClients()).containsExactly(7L);
    }

    @Test
    void sameEntriesInDifferentBatchesGiveTheSameStateHash(@TempDir Path other) {
        List<Entry> es = new ArrayList<>();
        java.util.Random rnd = new java.util.Random(42);
        for (int i = 1; i <= 60; i++) {
            Command c = rnd.nextInt(4) == 0
                    ? Command.inSession(1 + rnd.nextInt(3), 1 + i / 7, new Put(b("s" + rnd.nextInt(5)), b("v" + i)))
                    : Command.of(
                            rnd.nextBoolean()
                                    ? new Put(b("k" + rnd.nextInt(8)), b("v" + i))
                                    : new Delete(b("k" + rnd.nextInt(8))));
            es.add(new Entry(1, i, EntryType.NORMAL, CommandCodec.encode(c)));
        }
        commitAndApply(es);
        try (NodeStorage second =
                NodeStorage.open(other, StorageOptions.defaults().withSessionExpiryEntries(EXPIRY))) {
            second.raftLog().persist(new HardState(1, 1, 60), es, null).join();
            for (int from = 0; from < es.size(); from += 7) {
                second.stateMachine()
                        .apply(es.subList(from, Math.min(es.size(), from + 7)), Map.of())
                        .join();
            }
            assertThat(second.stateMachine().stateHash()).isEqualTo(sm.stateHash());
        }
        StateHash before = sm.stateHash();
        assertThat(before.appliedIndex()).isEqualTo(60);
        nextIndex = 61;
        one(Command.of(new Put(b("k0"), b("changed"))));
        assertThat(sm.stateHash().appliedIndex()).isEqualTo(61);
        assertThat(sm.stateHash().hash()).isNotEqualTo(before.hash());
    }

    @Test
    void restartResumesAtTheAppliedIndexAndReapplyingIsHarmless() {
        run(Command.of(new Put(b("k"), b("1"))), Command.of(new Put(b("k"), b("2"))));
        StateHash hash = sm.stateHash();
        storage.close();
        storage = NodeStorage.open(dir, StorageOptions.defaults().withSessionExpiryEntries(EXPIRY));
        sm = storage.stateMachine();
        assertThat(sm.appliedIndex()).isEqualTo(2);
        List<Entry> again = storage.raftLog().entries(1, 3, Long.MAX_VALUE);
        assertThat(sm.apply(again, Map.of()).join())
                .extracting(ApplyResult::status)
                .containsExactly(Status.NO_OP, Status.NO_OP);
        assertThat(sm.stateHash()).isEqualTo(hash);
        assertThat(sm.get(b("k")).orElseThrow().version()).isEqualTo(2);
    }

    @Test
    void noOpsAndConfChangesOnlyAdvanceTheAppliedIndexAndRecordTheConfiguration() {
        Entry noop = new Entry(1, 1, EntryType.NORMAL, new byte[0]);
        Entry cc = new Entry(1, 2, EntryType.CONF_CHANGE, new byte[] {1, 2, 3});
        storage.raftLog()
                .persist(new HardState(1, 1, 2), List.of(noop, cc), null)
                .join();
        ConfState conf = ConfState.ofVoters(1L, 2L);
        assertThat(sm.apply(List.of(noop, cc), Map.of(2L, conf)).join())
                .extracting(ApplyResult::status)
                .containsExactly(Status.NO_OP, Status.NO_OP);
        assertThat(sm.appliedIndex()).isEqualTo(2);
        assertThat(sm.confState()).isEqualTo(conf);
        assertThat(storage.raftLog().initialState().confState()).isEqualTo(conf);
    }

    @Test
    void malformedEntriesAreRejectedDeterministicallyAndMissingConfigurationsRefused() {
        Entry garbage = new Entry(1, 1, EntryType.NORMAL, new byte[] {9, 9, 9});
        storage.raftLog()
                .persist(new HardState(1, 1, 1), List.of(garbage), null)
                .join();
        ApplyResult r = sm.apply(List.of(garbage), Map.of()).join().get(0);
        assertThat(r.status()).isEqualTo(Status.REJECTED);
        assertThat(r.reason()).contains("unknown command version 9");
        Entry cc = new Entry(1, 2, EntryType.CONF_CHANGE, new byte[0]);
        assertThatThrownBy(() -> sm.apply(List.of(cc), Map.of()).join())
                .isInstanceOf(CompletionException.class)
                .hasRootCauseInstanceOf(IllegalArgumentException.class);
        Entry gap = new Entry(1, 5, EntryType.NORMAL, new byte[0]);
        assertThatThrownBy(() -> sm.apply(List.of(gap), Map.of()).join()).hasMessageContaining("does not follow");
    }

    @Test
    void rangeAndPrefixReadsPageInKeyOrder() {
        run(
                Command.of(new Put(b("a/1"), b("1"))),
                Command.of(new Put(b("a/2"), b("2"))),
                Command.of(new Put(b("a/3"), b("3"))),
                Command.of(new Put(b("b/1"), b("4"))));
        RangeResult page = sm.range(b("a/"), b("b/"), 2, Long.MAX_VALUE, false);
        assertThat(page.keyValues())
                .extracting(kv -> new String(kv.key(), StandardCharsets.UTF_8))
                .containsExactly("a/1", "a/2");
        assertThat(page.more()).isTrue();
        RangeResult rest = sm.range(b("a/3"), b("b/"), 2, Long.MAX_VALUE, false);
        assertThat(rest.keyValues()).hasSize(1);
        assertThat(rest.more()).isFalse();
        assertThat(sm.prefix(b("a/"), 10, Long.MAX_VALUE).keyValues()).hasSize(3);
        assertThat(sm.range(b("a"), null, 10, Long.MAX_VALUE, false).keyValues())
                .hasSize(4);
        assertThat(KvStateMachine.prefixEnd(new byte[] {1, (byte) 0xFF})).containsExactly(2);
        assertThat(KvStateMachine.prefixEnd(new byte[] {(byte) 0xFF})).isNull();
        assertThatThrownBy(() -> sm.range(b("a"), null, 0, 1, false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> sm.range(b("a"), null, 1, 0, false)).isInstanceOf(IllegalArgumentException.class);
    }
}
