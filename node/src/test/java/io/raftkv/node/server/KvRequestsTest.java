package io.raftkv.node.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.v1.Compare;
import io.raftkv.api.v1.CompareAndSetRequest;
import io.raftkv.api.v1.GetOp;
import io.raftkv.api.v1.PutOp;
import io.raftkv.api.v1.PutRequest;
import io.raftkv.api.v1.RangeRequest;
import io.raftkv.api.v1.Session;
import io.raftkv.api.v1.TxnOp;
import io.raftkv.api.v1.TxnRequest;
import io.raftkv.node.kv.Command;
import io.vertx.grpc.common.GrpcStatus;
import org.junit.jupiter.api.Test;

/** Validation and conversion of KV requests, without a server. */
class KvRequestsTest {
    private final KvRequests requests = new KvRequests(ServerLimits.defaults().withSizes(4, 8, 1024));

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static void assertInvalid(Runnable r, String message) {
        assertThatThrownBy(r::run).isInstanceOfSatisfying(RaftKvException.class, e -> {
            assertThat(e.status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT);
            assertThat(e.getMessage()).isEqualTo(message);
        });
    }

    @Test
    void prefixEndIsTheSmallestKeyAfterThePrefix() {
        assertThat(KvRequests.prefixEnd(new byte[] {'a', 'b'})).containsExactly('a', 'c');
        assertThat(KvRequests.prefixEnd(new byte[] {'a', (byte) 0xFF})).containsExactly('b');
        assertThat(KvRequests.prefixEnd(new byte[] {(byte) 0xFF, (byte) 0xFF})).isNull();
    }

    @Test
    void rangeSelectorsBecomeHalfOpenIntervals() {
        var prefix = requests.range(
                RangeRequest.newBuilder().setPrefix(b("ab")).setLimit(5).build());
        assertThat(prefix.start()).containsExactly('a', 'b');
        assertThat(prefix.endOrNull()).containsExactly('a', 'c');
        assertThat(prefix.limit()).isEqualTo(5);
        var everything = requests.range(
                RangeRequest.newBuilder().setPrefix(ByteString.EMPTY).build());
        assertThat(everything.start()).containsExactly(0);
        assertThat(everything.endOrNull()).isNull();
        assertThat(everything.limit()).isEqualTo(ServerLimits.defaults().maxRangeLimit());
    }

    @Test
    void sessionsAreCarriedAndValidated() {
        Command c = requests.put(PutRequest.newBuilder()
                .setKey(b("k"))
                .setSession(Session.newBuilder().setClientId(9).setSeq(1))
                .build());
        assertThat(c.session()).isEqualTo(new Command.Session(9, 1));
        assertThat(requests.put(PutRequest.newBuilder()
                                .setKey(b("k"))
                                .setSession(Session.newBuilder().setSeq(4))
                                .build())
                        .session())
                .as("client_id 0 means no session")
                .isNull();
        assertInvalid(
                () -> requests.put(PutRequest.newBuilder()
                        .setKey(b("k"))
                        .setSession(Session.newBuilder().setClientId(9))
                        .build()),
                "session.seq must be ≥ 1 when session.client_id is set, got 0");
    }

    @Test
    void transactionsAreBoundedAndCarryGets() {
        TxnOp put = TxnOp.newBuilder()
                .setPut(PutOp.newBuilder().setKey(b("k")).setValue(b("v")))
                .build();
        TxnRequest.Builder big = TxnRequest.newBuilder();
        for (int i = 0; i <= Command.MAX_TXN_OPS; i++) {
            big.addSuccess(put);
        }
        assertInvalid(
                () -> requests.txn(big.build()),
                "txn success has 65 operations, more than the limit of 64" + " (maxTxnOps)");
        assertInvalid(
                () -> requests.txn(TxnRequest.newBuilder()
                        .addFailure(TxnOp.newBuilder().setPut(PutOp.newBuilder().setKey(b("toolong"))))
                        .build()),
                "failure[0].put.key is 7 bytes, more than the limit of 4 (maxKeyBytes)");
        assertThat(requests.txn(TxnRequest.newBuilder()
                                .addSuccess(TxnOp.newBuilder()
                                        .setGet(GetOp.newBuilder().setKey(b("k"))))
                                .build())
                        .operation())
                .isEqualTo(new Command.Txn(
                        java.util.List.of(), java.util.List.of(new Command.Get("k".getBytes())), java.util.List.of()));
        assertInvalid(
                () -> requests.txn(TxnRequest.newBuilder()
                        .addSuccess(TxnOp.newBuilder().setGet(GetOp.newBuilder()))
                        .build()),
                "success[0].get.key must not be empty");
        assertThat(requests.txn(TxnRequest.newBuilder().addSuccess(put).build()).operation())
                .isEqualTo(new Command.Txn(
                        java.util.List.of(),
                        java.util.List.of(new Command.Put("k".getBytes(), "v".getBytes())),
                        java.util.List.of()));
    }

    @Test
    void compareAndSetDeleteMustNotCarryAValue() {
        assertInvalid(
                () -> requests.compareAndSet(CompareAndSetRequest.newBuilder()
                        .setCompare(Compare.newBuilder().setKey(b("k")).setTarget(Compare.Target.ABSENT))
                        .setAction(CompareAndSetRequest.Action.DELETE)
                        .setValue(b("x"))
                        .build()),
                "value must be empty when action is DELETE, got 1 bytes");
        assertInvalid(
                () -> requests.compareAndSet(CompareAndSetRequest.newBuilder().build()), "compare is required");
        assertInvalid(
                () -> requests.compareAndSet(CompareAndSetRequest.newBuilder()
                        .setCompare(Compare.newBuilder().setKey(b("k")).setTarget(Compare.Target.MOD_INDEX))
                        .build()),
                "compare.mod_index must be ≥ 1 for target MOD_INDEX, got 0");
    }
}
