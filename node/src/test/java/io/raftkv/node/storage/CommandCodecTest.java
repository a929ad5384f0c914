package io.raftkv.node.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import io.raftkv.node.kv.MalformedCommandException;
import io.raftkv.node.kv.NestedTxn;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CommandCodecTest {
    private static final byte[] K = {1, 2, 3};
    private static final byte[] V = {4, 5};

    static List<Command> examples() {
        return List.of(
                Command.of(new Put(K, V)),
                Command.of(new Put(K, new byte[0])),
                Command.inSession(-5, 9, new Delete(K)),
                Command.of(new CompareAndSet(K, new ValueEquals(V), null)),
                Command.of(new CompareAndSet(K, new ModRevisionEquals(Long.MAX_VALUE), V)),
                Command.inSession(1, 1, new CompareAndSet(K, new Absent(), V)),
                Command.of(new Txn(
                        List.of(new Compare(K, new Absent()), new Compare(V, new ModRevisionEquals(3))),
                        List.of(new Put(K, V), new Delete(V)),
                        List.of())),
                Command.of(new Txn(List.of(), List.of(), List.of(new Delete(K)))),
                Command.of(new Put(K, V)).withReturnPrevious(),
                Command.inSession(3, 4, new Put(K, V)).withReturnPrevious(),
                Command.inSession(
                        3,
                        5,
                        new Txn(
                                List.of(new Compare(K, new Absent())),
                                List.of(new Command.Get(K), new Put(K, V), new Command.Get(V)),
                                List.of(new Command.Get(K)))),
                Command.of(new Put(K, V, 77)),
                Command.of(new Command.Compact(12)),
                Command.of(new Txn(
                        List.of(
                                new Compare(
                                        K, new Command.Compared(Command.Field.VERSION, Command.CompareOp.GREATER, 2)),
                                new Compare(
                                        V, new Command.Compared(Command.Field.LEASE, Command.CompareOp.NOT_EQUAL, 0)),
                                new Compare(K, new Command.ValueCompared(Command.CompareOp.LESS, V))),
                        List.of(
                                new Put(V, K, 5),
                                Command.DeleteRange.prefix(K, true),
                                new Command.DeleteRange(K, null, false),
                                Command.DeleteRange.prefix(new byte[] {(byte) 0xFF}, false)),
                        List.of(new Command.DeleteRange(K, V, false)))),
                Command.of(nested(3)));
    }

    /** An etcd Txn (tag 40) using every field, nested {@code depth} levels deep. */
    static NestedTxn nested(int depth) {
        List<NestedTxn.Op> inner = depth == 1
                ? List.of()
                : List.of(new NestedTxn.Nested(nested(depth - 1)), new NestedTxn.Put(V, K, 0, false, false, false));
        return new NestedTxn(
                List.of(
                        new NestedTxn.Compare(K, new byte[0], NestedTxn.Target.VALUE, Command.CompareOp.LESS, 0, V),
                        new NestedTxn.Compare(
                                K, new byte[] {0}, NestedTxn.Target.LEASE, Command.CompareOp.EQUAL, 7, null)),
                List.of(
                        new NestedTxn.Range(
                                K,
                                V,
                                4,
                                10,
                                NestedTxn.SortOrder.DESCEND,
                                NestedTxn.SortTarget.VALUE,
                                true,
                                false,
                                1,
                                2,
                                3,
                                Long.MAX_VALUE),
                        new NestedTxn.Put(K, V, 9, true, false, false),
                        new NestedTxn.Put(V, new byte[0], 0, false, true, true),
                        new NestedTxn.DeleteRange(K, new byte[] {0}, true)),
                inner);
    }

    @Test
    void anEtcdTxnNestedTooDeepIsMalformedBeforeItIsRead() {
        assertThat(CommandCodec.decode(CommandCodec.encode(Command.of(nested(NestedTxn.MAX_DEPTH)))))
                .isEqualTo(Command.of(nested(NestedTxn.MAX_DEPTH)));
        assertThatThrownBy(() -> nested(NestedTxn.MAX_DEPTH + 1)).isInstanceOf(IllegalArgumentException.class);
        // Hand-built: 9 levels of "no compares, one nested txn in success, no failure".
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes(new byte[] {1, 0, 41});
        for (int i = 0; i < NestedTxn.MAX_DEPTH + 1; i++) {
            out.writeBytes(new byte[] {0, 1, 4});
        }
        out.writeBytes(new byte[] {0, 0, 0});
        for (int i = 0; i < NestedTxn.MAX_DEPTH + 1; i++) {
            out.write(0);
        }
        assertThatThrownBy(() -> CommandCodec.decode(out.toByteArray()))
                .isInstanceOf(MalformedCommandException.class)
                .hasMessageContaining("nest deeper than " + NestedTxn.MAX_DEPTH);
    }

    /**
     * Bytes written by the first version of the codec, before prev-value flags and gets inside
     * transactions existed: they must decode to the same commands, and those commands must encode
     * to the same bytes (so replicas on either side of an upgrade log and hash identical data).
     */
    @Test
    void versionOneBytesStillDecodeAndReencodeIdentically() {
        byte[] put = {1, 0, 1, 3, 1, 2, 3, 2, 4, 5};
        byte[] sessionDelete = {1, 1, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 9, 2, 3, 1, 2, 3};
        byte[] txn = {1, 0, 4, 1, 3, 1, 2, 3, 0, 1, 1, 3, 1, 2, 3, 2, 4, 5, 1, 2, 3, 1, 2, 3};
        assertThat(CommandCodec.decode(put)).isEqualTo(Command.of(new Put(K, V)));
        assertThat(CommandCodec.decode(sessionDelete)).isEqualTo(Command.inSession(7, 9, new Delete(K)));
        assertThat(CommandCodec.decode(txn))
                .isEqualTo(Command.of(new Txn(
                        List.of(new Compare(K, new Absent())), List.of(new Put(K, V)), List.of(new Delete(K)))));
        for (byte[] old : List.of(put, sessionDelete, txn)) {
            assertThat(CommandCodec.encode(CommandCodec.decode(old))).isEqualTo(old);
        }
    }

    @Test
    void newFeaturesUseEncodingsTheFirstVersionRefusedAndAreValidated() {
        byte[] putWithPrevious = CommandCodec.encode(Command.of(new Put(K, V)).withReturnPrevious());
        assertThat(putWithPrevious[1]).as("flags").isEqualTo((byte) 2);
        assertThat(CommandCodec.decode(putWithPrevious).returnPrevious()).isTrue();
        assertThatThrownBy(() -> CommandCodec.decode(new byte[] {1, 2, 2, 3, 1, 2, 3}))
                .isInstanceOf(MalformedCommandException.class)
                .hasMessageContaining("returnPrevious applies to Put only");
        assertThatThrownBy(() -> Command.of(new Delete(K)).withReturnPrevious())
                .hasMessageContaining("returnPrevious applies to Put only");
        assertThatThrownBy(() -> CommandCodec.decode(new byte[] {1, 0, 5, 3, 1, 2, 3}))
                .as("a get is not a command of its own")
                .hasMessageContaining("unknown operation tag 5");
        assertThatThrownBy(() -> CommandCodec.decode(new byte[] {1, 0, 4, 0, 1, 9, 3, 1, 2, 3, 0}))
                .hasMessageContaining("is not put, delete, get or delete range");
    }

    @Test
    void everyCommandRoundTrips() {
        for (Command c : examples()) {
            assertThat(CommandCodec.decode(CommandCodec.encode(c))).isEqualTo(c);
        }
    }

    @Test
    void encodingIsCompact() {
        assertThat(CommandCodec.encode(Command.of(new Put(K, V)))).hasSize(2 + 1 + 1 + 3 + 1 + 2);
    }

    @Test
    void garbageGivesAClearError() {
        assertThatThrownBy(() -> CommandCodec.decode(new byte[0]))
                .isInstanceOf(MalformedCommandException.class)
                .hasMessageContaining("version");
        assertThatThrownBy(() -> CommandCodec.decode(new byte[] {2, 0}))
                .hasMessageContaining("unknown command version 2");
        assertThatThrownBy(() -> CommandCodec.decode(new byte[] {1, 4})).hasMessageContaining("flags");
        assertThatThrownBy(() -> CommandCodec.decode(new byte[] {1, 0, 77}))
                .hasMessageContaining("unknown operation tag 77");
        assertThatThrownBy(() -> CommandCodec.decode(new byte[] {1, 0, 1, 0, 0}))
                .hasMessageContaining("key must be");
        assertThatThrownBy(() -> CommandCodec.decode(new byte[] {1, 0, 1, 5, 1}))
                .hasMessageContaining("inside key");
        assertThatThrownBy(() -> CommandCodec.decode(new byte[] {1, 0, 2, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F}))
                .hasMessageContaining("exceeds the limit");
        assertThatThrownBy(() ->
                        CommandCodec.decode(new byte[] {1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 1, 1}))
                .hasMessageContaining("clientId");
        byte[] ok = CommandCodec.encode(Command.of(new Delete(K)));
        byte[] trailing = java.util.Arrays.copyOf(ok, ok.length + 1);
        assertThatThrownBy(() -> CommandCodec.decode(trailing)).hasMessageContaining("trailing");
        assertThatThrownBy(() -> CommandCodec.decode(null)).isInstanceOf(MalformedCommandException.class);
    }

    @Test
    void randomBytesAndTruncationsNeverDecodeSilentlyWrong() {
        long seed = new Random().nextLong();
        System.out.println("CommandCodecTest seed " + seed);
        Random rnd = new Random(seed);
        for (Command c : examples()) {
            byte[] enc = CommandCodec.encode(c);
            for (int len = 0; len < enc.length; len++) {
                byte[] cut = java.util.Arrays.copyOf(enc, len);
                assertThatThrownBy(() -> CommandCodec.decode(cut))
                        .as("seed %d", seed)
                        .isInstanceOf(MalformedCommandException.class);
            }
        }
        for (int i = 0; i < 20_000; i++) {
            byte[] junk = new byte[rnd.nextInt(40)];
            rnd.nextBytes(junk);
            try {
                Command c = CommandCodec.decode(junk);
                assertThat(CommandCodec.encode(c)).as("seed %d", seed).isEqualTo(junk);
            } catch (MalformedCommandException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        }
    }

    @Test
    void constructorsEnforceLimits() {
        assertThatThrownBy(() -> new Put(new byte[0], V)).hasMessageContaining("key must be 1..");
        assertThatThrownBy(() -> new Put(new byte[Command.MAX_KEY_BYTES + 1], V))
                .hasMessageContaining("key must be");
        assertThatThrownBy(() -> new Put(K, new byte[Command.MAX_VALUE_BYTES + 1]))
                .hasMessageContaining("value must be");
        assertThatThrownBy(() -> new Command.Session(0, 1)).hasMessageContaining("clientId");
        assertThatThrownBy(() -> new ModRevisionEquals(0)).hasMessageContaining("modRevision");
        List<Command.TxnOp> many = java.util.Collections.nCopies(Command.MAX_TXN_OPS + 1, new Delete(K));
        assertThatThrownBy(() -> new Txn(List.of(), many, List.of())).hasMessageContaining("at most");
    }
}
