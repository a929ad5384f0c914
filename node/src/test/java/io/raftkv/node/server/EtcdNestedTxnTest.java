package io.raftkv.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.raftkv.etcd.api.CompactionRequest;
import io.raftkv.etcd.api.Compare;
import io.raftkv.etcd.api.DeleteRangeRequest;
import io.raftkv.etcd.api.KVGrpcClient;
import io.raftkv.etcd.api.PutRequest;
import io.raftkv.etcd.api.RangeRequest;
import io.raftkv.etcd.api.RangeResponse;
import io.raftkv.etcd.api.RequestOp;
import io.raftkv.etcd.api.TxnRequest;
import io.raftkv.etcd.api.TxnResponse;
import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.KvReader;
import io.vertx.grpc.common.GrpcStatus;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd Txns that write and also read (Ranges of every shape, before and after the writes, compares
 * over a range) or nest Txns, against a real state machine: one replicated {@code NestedTxn},
 * applied whole at one revision with etcd's rules (nested compares see the state before the
 * transaction, duplicate keys refused, a Range's own revision checked before anything runs, the
 * read bound undoing everything).
 */
class EtcdNestedTxnTest {
    @TempDir
    Path dir;

    private SingleNodeLog log;
    private ClientServerFixture f;

    @BeforeEach
    void start() {
        log = new SingleNodeLog(dir);
        f = new ClientServerFixture(ServerLimits.defaults(), KvReader.of(log::stateMachine));
        f.node.onPropose = log::apply;
    }

    @AfterEach
    void stop() {
        f.close();
        log.close();
    }

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private long put(String k, String v) {
        return f.call(
                        KVGrpcClient.Put,
                        PutRequest.newBuilder().setKey(b(k)).setValue(b(v)).build())
                .body()
                .getHeader()
                .getRevision();
    }

    private static RequestOp putOp(String k, String v) {
        return RequestOp.newBuilder()
                .setRequestPut(PutRequest.newBuilder().setKey(b(k)).setValue(b(v)))
                .build();
    }

    private static RequestOp rangeOp(RangeRequest.Builder r) {
        return RequestOp.newBuilder().setRequestRange(r).build();
    }

    private static RangeRequest.Builder prefix(String p) {
        byte[] end = p.getBytes();
        end[end.length - 1]++;
        return RangeRequest.newBuilder().setKey(b(p)).setRangeEnd(ByteString.copyFrom(end));
    }

    private static List<String> keys(RangeResponse r) {
        return r.getKvsList().stream().map(kv -> kv.getKey().toStringUtf8()).toList();
    }

    private RangeResponse range(RangeRequest.Builder r) {
        return f.call(KVGrpcClient.Range, r.build()).body();
    }

    @Test
    void rangesBeforeAndAfterTheWritesSeeTheTransactionAsItGoes() {
        long r1 = put("m/a", "1");
        put("m/b", "2");
        TxnResponse t = f.call(
                        KVGrpcClient.Txn,
                        TxnRequest.newBuilder()
                                .addSuccess(rangeOp(prefix("m/")))
                                .addSuccess(putOp("m/c", "3"))
                                .addSuccess(RequestOp.newBuilder()
                                        .setRequestDeleteRange(DeleteRangeRequest.newBuilder()
                                                .setKey(b("m/a"))
                                                .setPrevKv(true)))
                                .addSuccess(rangeOp(prefix("m/")
                                        .setSortTarget(RangeRequest.SortTarget.CREATE)
                                        .setSortOrder(RangeRequest.SortOrder.DESCEND)
                                        .setLimit(1)))
                                .addSuccess(rangeOp(prefix("m/").setRevision(r1)))
                                .addSuccess(rangeOp(prefix("m/").setCountOnly(true)))
                                .build())
                .body();
        assertThat(t.getSucceeded()).isTrue();
        long rev = t.getHeader().getRevision();
        assertThat(rev).as("every write at one revision").isEqualTo(r1 + 2);

        RangeResponse before = t.getResponses(0).getResponseRange();
        assertThat(keys(before)).containsExactly("m/a", "m/b");
        assertThat(before.getHeader().getRevision()).as("read before any write").isEqualTo(rev - 1);
        assertThat(t.getResponses(1).getResponsePut().getHeader().getRevision()).isEqualTo(rev);
        assertThat(t.getResponses(2).getResponseDeleteRange().getDeleted()).isEqualTo(1);
        assertThat(t.getResponses(2).getResponseDeleteRange().getPrevKvs(0).getValue())
                .isEqualTo(b("1"));
        RangeResponse newest = t.getResponses(3).getResponseRange();
        assertThat(keys(newest)).as("the branch's own put, sorted and limited").containsExactly("m/c");
        assertThat(newest.getCount()).isEqualTo(2);
        assertThat(newest.getMore()).isTrue();
        assertThat(newest.getHeader().getRevision()).isEqualTo(rev);
        assertThat(keys(t.getResponses(4).getResponseRange()))
                .as("at its own past revision")
                .containsExactly("m/a");
        assertThat(t.getResponses(5).getResponseRange().getCount()).isEqualTo(2);
        assertThat(t.getResponses(5).getResponseRange().getKvsCount()).isZero();

        RangeResponse after = range(prefix("m/"));
        assertThat(keys(after)).containsExactly("m/b", "m/c");
        assertThat(after.getKvs(1).getModRevision()).isEqualTo(rev);
        assertThat(range(prefix("m/").setRevision(rev - 1)).getKvsCount())
                .as("the history has the state before it")
                .isEqualTo(2);
    }

    @Test
    void nestedTxnsRunOnThePathTheirComparesChoseBeforeAnythingWasWritten() {
        put("flag", "off");
        Compare flagOn = Compare.newBuilder()
                .setKey(b("flag"))
                .setTarget(Compare.CompareTarget.VALUE)
                .setResult(Compare.CompareResult.EQUAL)
                .setValue(b("on"))
                .build();
        TxnRequest inner = TxnRequest.newBuilder()
                .addCompare(flagOn)
                .addSuccess(putOp("x", "then"))
                .addFailure(putOp("x", "else"))
                .addFailure(rangeOp(RangeRequest.newBuilder().setKey(b("flag"))))
                .build();
        TxnResponse t = f.call(
                        KVGrpcClient.Txn,
                        TxnRequest.newBuilder()
                                .addSuccess(putOp("flag", "on"))
                                .addSuccess(RequestOp.newBuilder().setRequestTxn(inner))
                                .build())
                .body();
        assertThat(t.getSucceeded()).isTrue();
        TxnResponse nested = t.getResponses(1).getResponseTxn();
        assertThat(nested.getSucceeded())
                .as("the nested compare saw the flag as it was before the transaction")
                .isFalse();
        assertThat(nested.getResponses(1).getResponseRange().getKvs(0).getValue())
                .as("while its Range sees the transaction's own put")
                .isEqualTo(b("on"));
        assertThat(range(RangeRequest.newBuilder().setKey(b("x"))).getKvs(0).getValue())
                .isEqualTo(b("else"));
        assertThat(range(RangeRequest.newBuilder().setKey(b("x"))).getKvs(0).getModRevision())
                .isEqualTo(t.getHeader().getRevision());

        var duplicate = f.call(
                KVGrpcClient.Txn,
                TxnRequest.newBuilder()
                        .addSuccess(putOp("x", "1"))
                        .addSuccess(RequestOp.newBuilder().setRequestTxn(inner))
                        .build());
        assertError(duplicate, GrpcStatus.INVALID_ARGUMENT, "etcdserver: duplicate key given in txn request");
        var deletedThenPut = f.call(
                KVGrpcClient.Txn,
                TxnRequest.newBuilder()
                        .addSuccess(RequestOp.newBuilder()
                                .setRequestDeleteRange(DeleteRangeRequest.newBuilder()
                                        .setKey(b("a"))
                                        .setRangeEnd(b("z"))))
                        .addSuccess(RequestOp.newBuilder().setRequestTxn(inner))
                        .build());
        assertError(deletedThenPut, GrpcStatus.INVALID_ARGUMENT, "etcdserver: duplicate key given in txn request");
    }

    @Test
    void aRangesOwnRevisionAndAKeptValueAreCheckedBeforeAnythingRuns() {
        long r1 = put("k", "v1");
        put("k", "v2");
        long now = put("k", "v3");
        var future = f.call(
                KVGrpcClient.Txn,
                TxnRequest.newBuilder()
                        .addSuccess(putOp("other", "x"))
                        .addSuccess(
                                rangeOp(RangeRequest.newBuilder().setKey(b("k")).setRevision(now + 1)))
                        .build());
        assertError(future, GrpcStatus.OUT_OF_RANGE, "etcdserver: mvcc: required revision is a future revision");
        f.call(
                        KVGrpcClient.Compact,
                        CompactionRequest.newBuilder().setRevision(r1 + 1).build())
                .body();
        var compacted = f.call(
                KVGrpcClient.Txn,
                TxnRequest.newBuilder()
                        .addSuccess(putOp("other", "x"))
                        .addSuccess(
                                rangeOp(RangeRequest.newBuilder().setKey(b("k")).setRevision(r1)))
                        .build());
        assertError(compacted, GrpcStatus.OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted");
        var absent = f.call(
                KVGrpcClient.Txn,
                TxnRequest.newBuilder()
                        .addSuccess(putOp("other", "x"))
                        .addSuccess(RequestOp.newBuilder()
                                .setRequestPut(PutRequest.newBuilder()
                                        .setKey(b("nope"))
                                        .setIgnoreValue(true)))
                        .build());
        assertError(absent, GrpcStatus.INVALID_ARGUMENT, "etcdserver: key not found");
        assertThat(range(RangeRequest.newBuilder().setKey(b("other"))).getKvsCount())
                .as("a refused transaction changed nothing")
                .isZero();
        assertThat(range(RangeRequest.newBuilder().setKey(b("k"))).getHeader().getRevision())
                .isEqualTo(now);

        TxnResponse kept = f.call(
                        KVGrpcClient.Txn,
                        TxnRequest.newBuilder()
                                .addSuccess(RequestOp.newBuilder()
                                        .setRequestPut(PutRequest.newBuilder()
                                                .setKey(b("k"))
                                                .setIgnoreValue(true)
                                                .setPrevKv(true)))
                                .addSuccess(rangeOp(
                                        RangeRequest.newBuilder().setKey(b("k")).setRevision(r1 + 1)))
                                .build())
                .body();
        assertThat(kept.getResponses(0).getResponsePut().getPrevKv().getValue()).isEqualTo(b("v3"));
        assertThat(kept.getResponses(1).getResponseRange().getKvs(0).getValue()).isEqualTo(b("v2"));
        var k = range(RangeRequest.newBuilder().setKey(b("k"))).getKvs(0);
        assertThat(k.getValue()).isEqualTo(b("v3"));
        assertThat(k.getVersion()).isEqualTo(4);
    }

    @Test
    void aRangeCompareDecidesAWritingTxn() {
        put("c/1", "5");
        put("c/2", "7");
        Compare allAboveFour = Compare.newBuilder()
                .setKey(b("c/"))
                .setRangeEnd(b("c0"))
                .setTarget(Compare.CompareTarget.VALUE)
                .setResult(Compare.CompareResult.GREATER)
                .setValue(b("4"))
                .build();
        TxnResponse yes = f.call(
                        KVGrpcClient.Txn,
                        TxnRequest.newBuilder()
                                .addCompare(allAboveFour)
                                .addSuccess(putOp("ok", "1"))
                                .build())
                .body();
        assertThat(yes.getSucceeded()).isTrue();
        put("c/3", "3");
        TxnResponse no = f.call(
                        KVGrpcClient.Txn,
                        TxnRequest.newBuilder()
                                .addCompare(allAboveFour)
                                .addSuccess(putOp("ok", "2"))
                                .addFailure(putOp("ko", "1"))
                                .build())
                .body();
        assertThat(no.getSucceeded()).isFalse();
        assertThat(range(RangeRequest.newBuilder().setKey(b("ok"))).getKvs(0).getValue())
                .isEqualTo(b("1"));
        assertThat(range(RangeRequest.newBuilder().setKey(b("ko"))).getKvsCount())
                .isEqualTo(1);
    }

    @Test
    void aTxnOverItsReadBoundChangesNothing() {
        String mib = "x".repeat(1 << 20);
        for (int i = 0; i < 5; i++) {
            put("big/" + i, mib);
        }
        long before = range(RangeRequest.newBuilder().setKey(b("big/0")).setKeysOnly(true))
                .getHeader()
                .getRevision();
        var over = f.call(
                KVGrpcClient.Txn,
                TxnRequest.newBuilder()
                        .addSuccess(putOp("marker", "1"))
                        .addSuccess(rangeOp(prefix("big/")))
                        .build());
        assertThat(over.status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT);
        assertThat(over.message()).contains("etcdserver: request is too large").contains("nothing was changed");
        assertThat(range(RangeRequest.newBuilder().setKey(b("marker"))).getKvsCount())
                .isZero();
        assertThat(range(RangeRequest.newBuilder().setKey(b("big/0")).setKeysOnly(true))
                        .getHeader()
                        .getRevision())
                .isEqualTo(before);
        TxnResponse keysOnly = f.call(
                        KVGrpcClient.Txn,
                        TxnRequest.newBuilder()
                                .addSuccess(putOp("marker", "1"))
                                .addSuccess(rangeOp(prefix("big/").setKeysOnly(true)))
                                .build())
                .body();
        assertThat(keys(keysOnly.getResponses(1).getResponseRange())).hasSize(5);
        assertThat(keysOnly.getResponses(1).getResponseRange().getKvs(0).getValue())
                .isEmpty();
    }

    @Test
    void theTransactionIsOneCommandThatCarriesNoSession() {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> Command.inSession(1, 1, new io.raftkv.node.kv.NestedTxn(List.of(), List.of(), List.of())))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static void assertError(ClientServerFixture.Reply<?> reply, GrpcStatus status, String message) {
        assertThat(reply.status()).as(reply.message()).isEqualTo(status);
        assertThat(reply.message()).isEqualTo(message);
    }
}
