package io.raftkv.node.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.node.kv.ApplyResult;
import io.raftkv.node.kv.ApplyResult.DeleteOutcome;
import io.raftkv.node.kv.ApplyResult.GetOutcome;
import io.raftkv.node.kv.ApplyResult.PutOutcome;
import io.raftkv.node.kv.ApplyResult.Status;
import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.Command.Absent;
import io.raftkv.node.kv.Command.Compare;
import io.raftkv.node.kv.Command.Delete;
import io.raftkv.node.kv.Command.Get;
import io.raftkv.node.kv.Command.Put;
import io.raftkv.node.kv.Command.Txn;
import io.raftkv.node.kv.Command.ValueEquals;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.kv.KeyValue;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.HardState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the state machine reports beyond the new state: a Put's previous value on request, a
 * transaction's per-op results (gets read at the transaction's log position), the read bound of a
 * transaction, and that sessions replay all of it — also after a restart.
 */
class TxnAndPreviousValueTest {
    @TempDir
    Path dir;

    private NodeStorage storage;
    private long nextIndex = 1;

    @BeforeEach
    void open() {
        storage = NodeStorage.open(dir, StorageOptions.defaults());
    }

    @AfterEach
    void close() {
        storage.close();
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private List<ApplyResult> run(Command... commands) {
        List<Entry> es = new ArrayList<>();
        for (Command c : commands) {
            es.add(new Entry(1, nextIndex++, EntryType.NORMAL, CommandCodec.encode(c)));
        }
        storage.raftLog()
                .persist(new HardState(1, 1, es.get(es.size() - 1).index()), es, null)
                .join();
        return storage.stateMachine().apply(es, Map.of()).join();
    }

    private ApplyResult one(Command c) {
        return run(c).get(0);
    }

    private String value(String key) {
        return storage.stateMachine()
                .get(b(key))
                .map(kv -> new String(kv.value(), StandardCharsets.UTF_8))
                .orElse(null);
    }

    @Test
    void aPutReportsThePreviousKeyOnlyWhenAsked() {
        ApplyResult created = one(Command.of(new Put(b("k"), b("v1"))).withReturnPrevious());
        assertThat(created.status()).isEqualTo(Status.APPLIED);
        assertThat(created.previous()).isNull();
        assertThat(created.keyValue()).isEqualTo(new KeyValue(b("k"), b("v1"), 2, 2, 1));

        ApplyResult replaced = one(Command.of(new Put(b("k"), b("v2"))).withReturnPrevious());
        assertThat(replaced.previous()).isEqualTo(new KeyValue(b("k"), b("v1"), 2, 2, 1));
        assertThat(replaced.keyValue()).isEqualTo(new KeyValue(b("k"), b("v2"), 2, 3, 2));

        assertThat(one(Command.of(new Put(b("k"), b("v3")))).previous())
                .as("not asked")
                .isNull();
    }

    @Test
    void aSessionRetryReplaysThePreviousValueEvenAfterTheKeyChangedAndAfterARestart() {
        ApplyResult first =
                one(Command.inSession(7, 1, new Put(b("k"), b("new"))).withReturnPrevious());
        assertThat(first.previous()).isNull();
        one(Command.of(new Put(b("k"), b("v0"))));
        ApplyResult put = one(Command.inSession(7, 2, new Put(b("k"), b("v1"))).withReturnPrevious());
        one(Command.of(new Put(b("k"), b("changed by another client"))));

        storage.close();
        storage = NodeStorage.open(dir, StorageOptions.defaults());
        ApplyResult retry =
                one(Command.inSession(7, 2, new Put(b("k"), b("v1"))).withReturnPrevious());

        assertThat(retry.duplicate()).isTrue();
        assertThat(retry.previous()).isEqualTo(put.previous()).isEqualTo(new KeyValue(b("k"), b("v0"), 2, 3, 2));
        assertThat(retry.keyValue()).isEqualTo(put.keyValue());
        assertThat(value("k")).isEqualTo("changed by another client");
    }

    @Test
    void aTransactionReportsOneResultPerOpAndItsGetsSeeTheOpsBeforeThem() {
        run(Command.of(new Put(b("a"), b("1"))), Command.of(new Put(b("gone"), b("x"))));
        Txn txn = new Txn(
                List.of(new Compare(b("a"), new ValueEquals(b("1"))), new Compare(b("b"), new Absent())),
                List.of(
                        new Get(b("b")),
                        new Put(b("b"), b("2")),
                        new Get(b("b")),
                        new Delete(b("gone")),
                        new Delete(b("never")),
                        new Get(b("gone")),
                        new Get(b("a"))),
                List.of(new Get(b("a"))));

        ApplyResult r = one(Command.of(txn));

        assertThat(r.status()).isEqualTo(Status.APPLIED);
        assertThat(r.index()).isEqualTo(3);
        assertThat(r.txnResults())
                .containsExactly(
                        new GetOutcome(null),
                        new PutOutcome(),
                        new GetOutcome(new KeyValue(b("b"), b("2"), 4, 4, 1)),
                        new DeleteOutcome(true),
                        new DeleteOutcome(false),
                        new GetOutcome(null),
                        new GetOutcome(new KeyValue(b("a"), b("1"), 2, 2, 1)));
        assertThat(value("b")).isEqualTo("2");
        assertThat(value("gone")).isNull();

        ApplyResult failed = one(Command.of(txn));
        assertThat(failed.status()).isEqualTo(Status.COMPARE_FAILED);
        assertThat(failed.txnResults()).containsExactly(new GetOutcome(new KeyValue(b("a"), b("1"), 2, 2, 1)));
    }

    @Test
    void aTransactionWhoseGetsExceedTheReadBoundChangesNothingAndLeavesItsNeighboursAlone() {
        byte[] big = new byte[Command.MAX_VALUE_BYTES];
        Arrays.fill(big, (byte) 'x');
        int bigKeys = Command.MAX_TXN_READ_BYTES / Command.MAX_VALUE_BYTES + 1;
        List<Command.TxnOp> ops = new ArrayList<>();
        ops.add(new Put(b("written-by-txn"), b("1")));
        for (int i = 0; i < bigKeys; i++) {
            run(Command.of(new Put(b("big" + i), big)));
            ops.add(new Get(b("big" + i)));
        }
        long before = storage.stateMachine().appliedIndex();

        List<ApplyResult> rs = run(
                Command.of(new Put(b("x"), b("before"))),
                Command.inSession(9, 1, new Txn(List.of(), ops, List.of())),
                Command.of(new Put(b("y"), b("after"))));

        assertThat(rs.get(1).status()).isEqualTo(Status.READ_LIMIT_EXCEEDED);
        assertThat(rs.get(1).reason()).contains(String.valueOf(Command.MAX_TXN_READ_BYTES));
        assertThat(rs.get(1).txnResults()).isEmpty();
        assertThat(value("written-by-txn")).isNull();
        assertThat(value("x")).isEqualTo("before");
        assertThat(value("y")).isEqualTo("after");
        assertThat(storage.stateMachine().appliedIndex()).isEqualTo(before + 3);
        // The session did not record the refused transaction: its sequence number is still new.
        ApplyResult next = one(Command.inSession(9, 1, new Put(b("z"), b("1"))));
        assertThat(next.duplicate()).isFalse();
        assertThat(next.status()).isEqualTo(Status.APPLIED);
    }

    @Test
    void transactionResultsAreReplayedToARetry() {
        run(Command.of(new Put(b("a"), b("1"))));
        Command txn =
                Command.inSession(5, 1, new Txn(List.of(), List.of(new Get(b("a")), new Delete(b("a"))), List.of()));
        ApplyResult first = one(txn);
        ApplyResult retry = one(txn);
        assertThat(retry.duplicate()).isTrue();
        assertThat(retry.txnResults())
                .isEqualTo(first.txnResults())
                .containsExactly(new GetOutcome(new KeyValue(b("a"), b("1"), 2, 2, 1)), new DeleteOutcome(true));
    }
}
