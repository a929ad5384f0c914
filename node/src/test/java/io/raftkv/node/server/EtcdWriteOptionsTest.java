package io.raftkv.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.raftkv.etcd.api.KVGrpcClient;
import io.raftkv.etcd.api.KeyValue;
import io.raftkv.etcd.api.PutRequest;
import io.raftkv.etcd.api.PutResponse;
import io.raftkv.etcd.api.RangeRequest;
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
 * etcd's write options that read the key they write, against a real state machine: Put with
 * ignore_value / ignore_lease (the key keeps its value / lease; a missing key is {@code key not
 * found}) and a Txn's Put with prev_kv; and a Txn that writes nothing, served as reads at one
 * revision (ranges over a range, compares over a range, a nested Txn).
 */
class EtcdWriteOptionsTest {
    @TempDir
    Path dir;

    private SingleNodeLog log;
    private ClientServerFixture f;

    @BeforeEach
    void start() {
        log = new SingleNodeLog(dir);
        f = new ClientServerFixture(ServerLimits.defaults(), KvReader.of(log::stateMachine));
        f.node.onPropose = log::apply;
        log.apply(Command.of(new Command.LeaseGrant(7, 600)));
        log.apply(Command.of(new Command.LeaseGrant(8, 600)));
    }

    @AfterEach
    void stop() {
        f.close();
        log.close();
    }

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private KeyValue get(String key) {
        return f.call(
                        KVGrpcClient.Range,
                        RangeRequest.newBuilder().setKey(b(key)).build())
                .body()
                .getKvs(0);
    }

    @Test
    void ignoreValueAndIgnoreLeaseKeepWhatTheKeyHas() {
        f.call(
                        KVGrpcClient.Put,
                        PutRequest.newBuilder()
                                .setKey(b("k"))
                                .setValue(b("v1"))
                                .setLease(7)
                                .build())
                .body();

        PutResponse relet = f.call(
                        KVGrpcClient.Put,
                        PutRequest.newBuilder()
                                .setKey(b("k"))
                                .setIgnoreValue(true)
                                .setLease(8)
                                .setPrevKv(true)
                                .build())
                .body();
        assertThat(relet.getPrevKv().getLease()).isEqualTo(7);
        KeyValue afterRelet = get("k");
        assertThat(afterRelet.getValue().toStringUtf8()).isEqualTo("v1");
        assertThat(afterRelet.getLease()).isEqualTo(8);
        assertThat(afterRelet.getVersion()).isEqualTo(2);

        f.call(
                        KVGrpcClient.Put,
                        PutRequest.newBuilder()
                                .setKey(b("k"))
                                .setValue(b("v2"))
                                .setIgnoreLease(true)
                                .build())
                .body();
        KeyValue afterValue = get("k");
        assertThat(afterValue.getValue().toStringUtf8()).isEqualTo("v2");
        assertThat(afterValue.getLease()).isEqualTo(8);

        var missing = f.call(
                KVGrpcClient.Put,
                PutRequest.newBuilder().setKey(b("absent")).setIgnoreValue(true).build());
        assertThat(missing.status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT);
        assertThat(missing.message()).isEqualTo("etcdserver: key not found");
        var both = f.call(
                KVGrpcClient.Put,
                PutRequest.newBuilder()
                        .setKey(b("k"))
                        .setValue(b("x"))
                        .setIgnoreValue(true)
                        .build());
        assertThat(both.message()).isEqualTo("etcdserver: value is provided");
    }

    @Test
    void aTxnPutWithPrevKvAnswersTheKeyAsItWasBefore() {
        f.call(
                        KVGrpcClient.Put,
                        PutRequest.newBuilder()
                                .setKey(b("a"))
                                .setValue(b("old"))
                                .build())
                .body();
        TxnResponse t = f.call(
                        KVGrpcClient.Txn,
                        TxnRequest.newBuilder()
                                .addSuccess(RequestOp.newBuilder()
                                        .setRequestPut(PutRequest.newBuilder()
                                                .setKey(b("a"))
                                                .setValue(b("new"))
                                                .setPrevKv(true)))
                                .addSuccess(RequestOp.newBuilder()
                                        .setRequestPut(PutRequest.newBuilder()
                                                .setKey(b("fresh"))
                                                .setValue(b("1"))
                                                .setPrevKv(true)))
                                .addSuccess(RequestOp.newBuilder()
                                        .setRequestRange(
                                                RangeRequest.newBuilder().setKey(b("a"))))
                                .build())
                .body();
        assertThat(t.getSucceeded()).isTrue();
        assertThat(t.getResponsesCount()).isEqualTo(3);
        assertThat(t.getResponses(0).getResponsePut().getPrevKv().getValue().toStringUtf8())
                .isEqualTo("old");
        assertThat(t.getResponses(1).getResponsePut().hasPrevKv()).isFalse();
        assertThat(t.getResponses(2).getResponseRange().getKvs(0).getValue().toStringUtf8())
                .isEqualTo("new");
    }

    @Test
    void aTxnThatWritesNothingComparesAndReadsRangesAndNestsAtOneRevision() {
        for (String k : List.of("r/1", "r/2", "r/3")) {
            f.call(
                            KVGrpcClient.Put,
                            PutRequest.newBuilder()
                                    .setKey(b(k))
                                    .setValue(b("v"))
                                    .build())
                    .body();
        }
        RangeRequest all =
                RangeRequest.newBuilder().setKey(b("r/")).setRangeEnd(b("r0")).build();
        io.raftkv.etcd.api.Compare allV = io.raftkv.etcd.api.Compare.newBuilder()
                .setKey(b("r/"))
                .setRangeEnd(b("r0"))
                .setTarget(io.raftkv.etcd.api.Compare.CompareTarget.VALUE)
                .setResult(io.raftkv.etcd.api.Compare.CompareResult.EQUAL)
                .setValue(b("v"))
                .build();
        TxnRequest nested = TxnRequest.newBuilder()
                .addCompare(allV.toBuilder().setValue(b("other")))
                .addFailure(
                        RequestOp.newBuilder().setRequestRange(all.toBuilder().setCountOnly(true)))
                .build();
        TxnResponse t = f.call(
                        KVGrpcClient.Txn,
                        TxnRequest.newBuilder()
                                .addCompare(allV)
                                .addSuccess(RequestOp.newBuilder().setRequestRange(all))
                                .addSuccess(RequestOp.newBuilder().setRequestTxn(nested))
                                .build())
                .body();
        assertThat(t.getSucceeded()).isTrue();
        assertThat(t.getResponses(0).getResponseRange().getKvsList())
                .extracting(kv -> kv.getKey().toStringUtf8())
                .containsExactly("r/1", "r/2", "r/3");
        TxnResponse inner = t.getResponses(1).getResponseTxn();
        assertThat(inner.getSucceeded()).isFalse();
        assertThat(inner.getResponses(0).getResponseRange().getCount()).isEqualTo(3);
        assertThat(inner.getHeader().getRevision()).isEqualTo(t.getHeader().getRevision());

        f.call(
                        KVGrpcClient.Put,
                        PutRequest.newBuilder()
                                .setKey(b("r/2"))
                                .setValue(b("w"))
                                .build())
                .body();
        assertThat(f.call(
                                KVGrpcClient.Txn,
                                TxnRequest.newBuilder()
                                        .addCompare(allV)
                                        .addSuccess(RequestOp.newBuilder().setRequestRange(all))
                                        .build())
                        .body()
                        .getSucceeded())
                .isFalse();
        // With a write in it, the same range op is read inside the replicated transaction.
        TxnResponse writing = f.call(
                        KVGrpcClient.Txn,
                        TxnRequest.newBuilder()
                                .addSuccess(RequestOp.newBuilder().setRequestRange(all))
                                .addSuccess(RequestOp.newBuilder()
                                        .setRequestPut(PutRequest.newBuilder()
                                                .setKey(b("x"))
                                                .setValue(b("1"))))
                                .build())
                .body();
        assertThat(writing.getResponses(0).getResponseRange().getCount()).isEqualTo(3);
    }
}
