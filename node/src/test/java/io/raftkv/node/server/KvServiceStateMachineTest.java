package io.raftkv.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.raftkv.api.v1.ClusterGrpcClient;
import io.raftkv.api.v1.Compare;
import io.raftkv.api.v1.DeleteOp;
import io.raftkv.api.v1.DeleteRequest;
import io.raftkv.api.v1.DeleteResponse;
import io.raftkv.api.v1.GetOp;
import io.raftkv.api.v1.KVGrpcClient;
import io.raftkv.api.v1.PutOp;
import io.raftkv.api.v1.PutRequest;
import io.raftkv.api.v1.PutResponse;
import io.raftkv.api.v1.RangeRequest;
import io.raftkv.api.v1.RangeResponse;
import io.raftkv.api.v1.Session;
import io.raftkv.api.v1.StatusRequest;
import io.raftkv.api.v1.StatusResponse;
import io.raftkv.api.v1.TxnOp;
import io.raftkv.api.v1.TxnOpResult;
import io.raftkv.api.v1.TxnRequest;
import io.raftkv.api.v1.TxnResponse;
import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.CommandCodec;
import io.raftkv.node.kv.KvReader;
import io.raftkv.node.storage.NodeStorage;
import io.raftkv.node.storage.StorageOptions;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.HardState;
import io.vertx.core.Future;
import io.vertx.grpc.common.GrpcStatus;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The KV service over the wire with a real state machine behind it: every proposal is appended to
 * a real log and applied by {@code KvStateMachine} (one node, no Raft), and reads go through the
 * real range code. Checks that what the state machine reports reaches the wire: prev_kv on Put and
 * Delete, per-op Txn results with gets, the Txn read bound, Range's byte bound, and the state hash.
 */
class KvServiceStateMachineTest {
    @TempDir
    Path dir;

    private NodeStorage storage;
    private ClientServerFixture f;
    private long nextIndex = 1;

    @BeforeEach
    void start() {
        storage = NodeStorage.open(dir, StorageOptions.defaults());
        f = new ClientServerFixture(
                ServerLimits.defaults().withRangeLimits(100, 64), KvReader.of(storage::stateMachine));
        f.node.onPropose = this::applyNow;
    }

    @AfterEach
    void stop() {
        f.close();
        storage.close();
    }

    /** Appends {@code c} at the next index and applies it: the single-node path of the driver. */
    private synchronized Future<io.raftkv.node.kv.ApplyResult> applyNow(Command c) {
        Entry e = new Entry(1, nextIndex++, EntryType.NORMAL, CommandCodec.encode(c));
        storage.raftLog()
                .persist(new HardState(1, 1, e.index()), List.of(e), null)
                .join();
        return Future.succeededFuture(
                storage.stateMachine().apply(List.of(e), Map.of()).join().get(0));
    }

    private static ByteString bytes(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private PutResponse put(String k, String v, boolean prevKv) {
        return f.call(
                        KVGrpcClient.Put,
                        PutRequest.newBuilder()
                                .setKey(bytes(k))
                                .setValue(bytes(v))
                                .setPrevKv(prevKv)
                                .build())
                .body();
    }

    private static TxnOp get(String k) {
        return TxnOp.newBuilder().setGet(GetOp.newBuilder().setKey(bytes(k))).build();
    }

    @Test
    void prevKvOnPutAndDeleteReturnsTheKeyAsItWasBefore() {
        assertThat(put("a", "1", true).hasPrevKv()).as("absent before").isFalse();
        PutResponse second = put("a", "2", true);
        assertThat(second.getPrevKv().getValue().toStringUtf8()).isEqualTo("1");
        assertThat(second.getPrevKv().getModRevision()).isEqualTo(2);
        assertThat(second.getPrevKv().getModIndex()).as("the deprecated alias").isEqualTo(2);
        assertThat(second.getHeader().getRaftIndex()).isEqualTo(2);
        assertThat(second.getHeader().getRevision()).isEqualTo(3);
        assertThat(put("a", "3", false).hasPrevKv()).isFalse();

        DeleteResponse deleted = f.call(
                        KVGrpcClient.Delete,
                        DeleteRequest.newBuilder()
                                .setKey(bytes("a"))
                                .setPrevKv(true)
                                .build())
                .body();
        assertThat(deleted.getDeleted()).isEqualTo(1);
        assertThat(deleted.getPrevKv().getValue().toStringUtf8()).isEqualTo("3");
    }

    @Test
    void aRetriedSessionPutIsAnsweredWithTheSamePrevKv() {
        put("k", "before", false);
        PutRequest req = PutRequest.newBuilder()
                .setKey(bytes("k"))
                .setValue(bytes("mine"))
                .setPrevKv(true)
                .setSession(Session.newBuilder().setClientId(42).setSeq(1))
                .build();
        PutResponse first = f.call(KVGrpcClient.Put, req).body();
        put("k", "someone else's", false);
        PutResponse retry = f.call(KVGrpcClient.Put, req).body();
        assertThat(retry.getPrevKv()).isEqualTo(first.getPrevKv());
        assertThat(retry.getPrevKv().getValue().toStringUtf8()).isEqualTo("before");
    }

    @Test
    void aTxnAnswersOneResultPerOpOfTheBranchThatRan() {
        put("a", "1", false);
        TxnRequest txn = TxnRequest.newBuilder()
                .addCompares(Compare.newBuilder()
                        .setKey(bytes("a"))
                        .setTarget(Compare.Target.VALUE)
                        .setValue(bytes("1")))
                .addSuccess(get("b"))
                .addSuccess(TxnOp.newBuilder()
                        .setPut(PutOp.newBuilder().setKey(bytes("b")).setValue(bytes("2"))))
                .addSuccess(get("b"))
                .addSuccess(TxnOp.newBuilder().setDelete(DeleteOp.newBuilder().setKey(bytes("a"))))
                .addFailure(get("a"))
                .build();

        TxnResponse ran = f.call(KVGrpcClient.Txn, txn).body();
        assertThat(ran.getSucceeded()).isTrue();
        assertThat(ran.getResultsList())
                .extracting(TxnOpResult::getResultCase)
                .containsExactly(
                        TxnOpResult.ResultCase.GET,
                        TxnOpResult.ResultCase.PUT,
                        TxnOpResult.ResultCase.GET,
                        TxnOpResult.ResultCase.DELETE);
        assertThat(ran.getResults(0).getGet().hasKv()).isFalse();
        assertThat(ran.getResults(2).getGet().getKv().getValue().toStringUtf8()).isEqualTo("2");
        assertThat(ran.getResults(2).getGet().getKv().getModRevision())
                .isEqualTo(ran.getHeader().getRevision());
        assertThat(ran.getResults(3).getDelete().getDeleted()).isEqualTo(1);

        TxnResponse other = f.call(KVGrpcClient.Txn, txn).body();
        assertThat(other.getSucceeded()).isFalse();
        assertThat(other.getResultsList()).hasSize(1);
        assertThat(other.getResults(0).getGet().hasKv())
                .as("a was deleted by the first txn")
                .isFalse();
    }

    @Test
    void aTxnWhoseGetsExceedTheReadBoundIsFailedPreconditionAndChangesNothing() {
        ByteString big = ByteString.copyFrom(new byte[Command.MAX_VALUE_BYTES - 1024]);
        TxnRequest.Builder txn = TxnRequest.newBuilder()
                .addSuccess(TxnOp.newBuilder()
                        .setPut(PutOp.newBuilder().setKey(bytes("marker")).setValue(bytes("x"))));
        for (int i = 0; i <= Command.MAX_TXN_READ_BYTES / big.size(); i++) {
            f.call(
                            KVGrpcClient.Put,
                            PutRequest.newBuilder()
                                    .setKey(bytes("big" + i))
                                    .setValue(big)
                                    .build())
                    .body();
            txn.addSuccess(get("big" + i));
        }
        var reply = f.call(KVGrpcClient.Txn, txn.build());
        assertThat(reply.status()).isEqualTo(GrpcStatus.FAILED_PRECONDITION);
        assertThat(reply.message()).contains("changed nothing").contains(String.valueOf(Command.MAX_TXN_READ_BYTES));
        assertThat(storage.stateMachine().get("marker".getBytes())).isEmpty();
    }

    @Test
    void rangePagesAreCutByTheServersByteBound() {
        for (String k : List.of("k1", "k2", "k3", "k4")) {
            put(k, "x".repeat(20), false); // 22 bytes each; the bound is 64
        }
        RangeResponse page = f.call(
                        KVGrpcClient.Range,
                        RangeRequest.newBuilder().setPrefix(bytes("k")).build())
                .body();
        assertThat(page.getKvsList())
                .extracting(kv -> kv.getKey().toStringUtf8())
                .containsExactly("k1", "k2");
        assertThat(page.getMore()).isTrue();
        RangeResponse keysOnly = f.call(
                        KVGrpcClient.Range,
                        RangeRequest.newBuilder()
                                .setPrefix(bytes("k"))
                                .setKeysOnly(true)
                                .build())
                .body();
        assertThat(keysOnly.getKvsCount()).isEqualTo(4);
        assertThat(keysOnly.getMore()).isFalse();
    }

    @Test
    void statusReportsTheStateHashWithTheIndexItWasTakenAt() {
        put("a", "1", false);
        put("b", "2", false);
        StatusResponse s = f.call(
                        ClusterGrpcClient.Status,
                        StatusRequest.newBuilder().setIncludeStateHash(true).build())
                .body();
        assertThat(s.getStateHashIndex()).isEqualTo(2);
        assertThat(s.getStateHash())
                .isEqualTo(storage.stateMachine().stateHash().hash());
    }
}
