package io.raftkv.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.raftkv.etcd.api.ClusterGrpcClient;
import io.raftkv.etcd.api.Compare;
import io.raftkv.etcd.api.DeleteRangeRequest;
import io.raftkv.etcd.api.DeleteRangeResponse;
import io.raftkv.etcd.api.KVGrpcClient;
import io.raftkv.etcd.api.KeyValue;
import io.raftkv.etcd.api.LeaseGrantRequest;
import io.raftkv.etcd.api.LeaseGrantResponse;
import io.raftkv.etcd.api.LeaseGrpcClient;
import io.raftkv.etcd.api.LeaseRevokeRequest;
import io.raftkv.etcd.api.LeaseRevokeResponse;
import io.raftkv.etcd.api.MaintenanceGrpcClient;
import io.raftkv.etcd.api.MemberListRequest;
import io.raftkv.etcd.api.MemberListResponse;
import io.raftkv.etcd.api.PutRequest;
import io.raftkv.etcd.api.PutResponse;
import io.raftkv.etcd.api.RangeRequest;
import io.raftkv.etcd.api.RangeResponse;
import io.raftkv.etcd.api.RequestOp;
import io.raftkv.etcd.api.StatusRequest;
import io.raftkv.etcd.api.StatusResponse;
import io.raftkv.etcd.api.TxnRequest;
import io.raftkv.etcd.api.TxnResponse;
import io.raftkv.node.kv.ApplyResult;
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
 * etcd's v3 API on the client port, against a real state machine (each write applied at the next
 * log index, the single-node path of the driver): Range semantics, writes with prev_kv, Txn, and
 * etcd's error codes and messages.
 */
class EtcdApiTest {
    @TempDir
    Path dir;

    private NodeStorage storage;
    private ClientServerFixture f;
    private long nextIndex = 1;

    @BeforeEach
    void start() {
        storage = NodeStorage.open(dir, StorageOptions.defaults());
        f = new ClientServerFixture(ServerLimits.defaults(), KvReader.of(storage::stateMachine));
        f.node.onPropose = this::applyNow;
    }

    @AfterEach
    void stop() {
        f.close();
        storage.close();
    }

    private synchronized Future<ApplyResult> applyNow(Command c) {
        Entry e = new Entry(1, nextIndex++, EntryType.NORMAL, CommandCodec.encode(c));
        storage.raftLog()
                .persist(new HardState(1, 1, e.index()), List.of(e), null)
                .join();
        return Future.succeededFuture(
                storage.stateMachine().apply(List.of(e), Map.of()).join().get(0));
    }

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private PutResponse put(String k, String v) {
        return f.call(
                        KVGrpcClient.Put,
                        PutRequest.newBuilder().setKey(b(k)).setValue(b(v)).build())
                .body();
    }

    private static List<String> keys(RangeResponse r) {
        return r.getKvsList().stream().map(kv -> kv.getKey().toStringUtf8()).toList();
    }

    @Test
    void rangeFollowsEtcdsSemantics() {
        put("a/3", "x");
        put("a/1", "z");
        put("a/2", "y");
        put("b/1", "w");
        RangeRequest prefix =
                RangeRequest.newBuilder().setKey(b("a/")).setRangeEnd(b("a0")).build();

        RangeResponse all = f.call(KVGrpcClient.Range, prefix).body();
        assertThat(keys(all)).containsExactly("a/1", "a/2", "a/3");
        assertThat(all.getCount()).isEqualTo(3);
        assertThat(all.getMore()).isFalse();
        assertThat(all.getHeader().getRevision()).isEqualTo(5);

        RangeResponse limited = f.call(
                        KVGrpcClient.Range, prefix.toBuilder().setLimit(2).build())
                .body();
        assertThat(keys(limited)).containsExactly("a/1", "a/2");
        assertThat(limited.getCount()).isEqualTo(3);
        assertThat(limited.getMore()).isTrue();

        RangeResponse byValueDesc = f.call(
                        KVGrpcClient.Range,
                        prefix.toBuilder()
                                .setSortTarget(RangeRequest.SortTarget.VALUE)
                                .setSortOrder(RangeRequest.SortOrder.DESCEND)
                                .setLimit(2)
                                .build())
                .body();
        assertThat(keys(byValueDesc)).containsExactly("a/1", "a/2");
        assertThat(byValueDesc.getMore()).isTrue();

        RangeResponse byModAsc = f.call(
                        KVGrpcClient.Range,
                        prefix.toBuilder()
                                .setSortTarget(RangeRequest.SortTarget.MOD)
                                .build())
                .body();
        assertThat(keys(byModAsc)).containsExactly("a/3", "a/1", "a/2");

        // Revisions as etcd numbers them: a/3 at 2, a/1 at 3, a/2 at 4, b/1 at 5.
        RangeResponse filtered = f.call(
                        KVGrpcClient.Range,
                        prefix.toBuilder()
                                .setMinModRevision(3)
                                .setMaxCreateRevision(3)
                                .build())
                .body();
        assertThat(keys(filtered)).containsExactly("a/1");
        assertThat(filtered.getCount()).isEqualTo(3);

        RangeResponse countOnly = f.call(
                        KVGrpcClient.Range,
                        prefix.toBuilder().setCountOnly(true).build())
                .body();
        assertThat(countOnly.getKvsList()).isEmpty();
        assertThat(countOnly.getCount()).isEqualTo(3);

        RangeResponse keysOnly = f.call(
                        KVGrpcClient.Range,
                        RangeRequest.newBuilder()
                                .setKey(b("\0"))
                                .setRangeEnd(b("\0"))
                                .setKeysOnly(true)
                                .build())
                .body();
        assertThat(keys(keysOnly)).containsExactly("a/1", "a/2", "a/3", "b/1");
        assertThat(keysOnly.getKvsList()).allMatch(kv -> kv.getValue().isEmpty());

        KeyValue one = f.call(
                        KVGrpcClient.Range,
                        RangeRequest.newBuilder()
                                .setKey(b("a/1"))
                                .setSerializable(true)
                                .build())
                .body()
                .getKvs(0);
        assertThat(one.getValue().toStringUtf8()).isEqualTo("z");
        assertThat(one.getCreateRevision()).isEqualTo(3);
        assertThat(one.getModRevision()).isEqualTo(3);
        assertThat(one.getVersion()).isEqualTo(1);
    }

    @Test
    void writesReturnPreviousKeyValues() {
        put("k", "1");
        PutResponse second = f.call(
                        KVGrpcClient.Put,
                        PutRequest.newBuilder()
                                .setKey(b("k"))
                                .setValue(b("2"))
                                .setPrevKv(true)
                                .build())
                .body();
        assertThat(second.getPrevKv().getValue().toStringUtf8()).isEqualTo("1");
        assertThat(second.getHeader().getRevision()).isEqualTo(3);

        DeleteRangeResponse del = f.call(
                        KVGrpcClient.DeleteRange,
                        DeleteRangeRequest.newBuilder()
                                .setKey(b("k"))
                                .setPrevKv(true)
                                .build())
                .body();
        assertThat(del.getDeleted()).isEqualTo(1);
        assertThat(del.getPrevKvs(0).getValue().toStringUtf8()).isEqualTo("2");
        assertThat(f.call(
                                KVGrpcClient.DeleteRange,
                                DeleteRangeRequest.newBuilder().setKey(b("k")).build())
                        .body()
                        .getDeleted())
                .isZero();
    }

    /** clientv3's Mutex: If(create(myKey) = 0) Then(put myKey, owner) Else(get myKey, owner). */
    private static TxnRequest mutex(String myKey) {
        RequestOp owner = RequestOp.newBuilder()
                .setRequestRange(RangeRequest.newBuilder()
                        .setKey(b("m/"))
                        .setRangeEnd(b("m0"))
                        .setSortTarget(RangeRequest.SortTarget.CREATE)
                        .setSortOrder(RangeRequest.SortOrder.ASCEND)
                        .setLimit(1))
                .build();
        return TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder()
                        .setKey(b(myKey))
                        .setTarget(Compare.CompareTarget.CREATE)
                        .setResult(Compare.CompareResult.EQUAL)
                        .setCreateRevision(0))
                .addSuccess(RequestOp.newBuilder()
                        .setRequestPut(PutRequest.newBuilder().setKey(b(myKey))))
                .addSuccess(owner)
                .addFailure(RequestOp.newBuilder()
                        .setRequestRange(RangeRequest.newBuilder().setKey(b(myKey))))
                .addFailure(owner)
                .build();
    }

    @Test
    void aTxnReadsARangeAfterItsWritesAtItsOwnRevision() {
        TxnResponse first = f.call(KVGrpcClient.Txn, mutex("m/1")).body();
        assertThat(first.getSucceeded()).isTrue();
        RangeResponse owner = first.getResponses(1).getResponseRange();
        assertThat(keys(owner)).as("the branch's own put is seen").containsExactly("m/1");
        assertThat(owner.getHeader().getRevision()).isEqualTo(first.getHeader().getRevision());

        TxnResponse second = f.call(KVGrpcClient.Txn, mutex("m/2")).body();
        assertThat(keys(second.getResponses(1).getResponseRange()))
                .as("the oldest creator owns the lock")
                .containsExactly("m/1");
        assertThat(second.getResponses(1).getResponseRange().getCount()).isEqualTo(2);
        assertThat(second.getResponses(1).getResponseRange().getMore()).isTrue();

        TxnResponse again = f.call(KVGrpcClient.Txn, mutex("m/2")).body();
        assertThat(again.getSucceeded()).isFalse();
        assertThat(keys(again.getResponses(0).getResponseRange())).containsExactly("m/2");
        assertThat(keys(again.getResponses(1).getResponseRange())).containsExactly("m/1");

        var before = f.call(
                KVGrpcClient.Txn,
                TxnRequest.newBuilder()
                        .addSuccess(RequestOp.newBuilder()
                                .setRequestRange(RangeRequest.newBuilder()
                                        .setKey(b("m/"))
                                        .setRangeEnd(b("m0"))))
                        .addSuccess(RequestOp.newBuilder()
                                .setRequestPut(PutRequest.newBuilder().setKey(b("m/3"))))
                        .build());
        assertThat(keys(before.body().getResponses(0).getResponseRange()))
                .as("a Range before the write, inside the replicated transaction")
                .containsExactly("m/1", "m/2");
    }

    @Test
    void txnRunsOneBranchAtomically() {
        put("lock", "me");
        TxnRequest cas = TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder()
                        .setKey(b("lock"))
                        .setTarget(Compare.CompareTarget.VALUE)
                        .setResult(Compare.CompareResult.EQUAL)
                        .setValue(b("me")))
                .addSuccess(RequestOp.newBuilder()
                        .setRequestPut(PutRequest.newBuilder().setKey(b("x")).setValue(b("1"))))
                .addSuccess(RequestOp.newBuilder()
                        .setRequestRange(RangeRequest.newBuilder().setKey(b("lock"))))
                .addFailure(RequestOp.newBuilder()
                        .setRequestRange(RangeRequest.newBuilder().setKey(b("x"))))
                .build();
        TxnResponse ok = f.call(KVGrpcClient.Txn, cas).body();
        assertThat(ok.getSucceeded()).isTrue();
        assertThat(ok.getResponses(1).getResponseRange().getKvs(0).getValue().toStringUtf8())
                .isEqualTo("me");

        TxnRequest createIfAbsent = TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder()
                        .setKey(b("x"))
                        .setTarget(Compare.CompareTarget.CREATE)
                        .setResult(Compare.CompareResult.EQUAL)
                        .setCreateRevision(0))
                .addSuccess(RequestOp.newBuilder()
                        .setRequestPut(PutRequest.newBuilder().setKey(b("x")).setValue(b("2"))))
                .addFailure(RequestOp.newBuilder()
                        .setRequestRange(RangeRequest.newBuilder().setKey(b("x"))))
                .build();
        TxnResponse failed = f.call(KVGrpcClient.Txn, createIfAbsent).body();
        assertThat(failed.getSucceeded()).isFalse();
        assertThat(failed.getResponses(0)
                        .getResponseRange()
                        .getKvs(0)
                        .getValue()
                        .toStringUtf8())
                .isEqualTo("1");
    }

    @Test
    void deleteByRangeCompactionAndRichCompares() {
        put("p/1", "a");
        put("p/2", "b");
        PutResponse last = put("p/3", "c");
        TxnResponse greater = f.call(
                        KVGrpcClient.Txn,
                        TxnRequest.newBuilder()
                                .addCompare(Compare.newBuilder()
                                        .setKey(b("p/2"))
                                        .setTarget(Compare.CompareTarget.MOD)
                                        .setResult(Compare.CompareResult.GREATER)
                                        .setModRevision(1))
                                .addCompare(Compare.newBuilder()
                                        .setKey(b("p/3"))
                                        .setTarget(Compare.CompareTarget.VALUE)
                                        .setResult(Compare.CompareResult.NOT_EQUAL)
                                        .setValue(b("x")))
                                .addSuccess(RequestOp.newBuilder()
                                        .setRequestDeleteRange(DeleteRangeRequest.newBuilder()
                                                .setKey(b("p/1"))
                                                .setRangeEnd(b("p/3"))
                                                .setPrevKv(true)))
                                .build())
                .body();
        assertThat(greater.getSucceeded()).isTrue();
        assertThat(greater.getResponses(0).getResponseDeleteRange().getDeleted())
                .isEqualTo(2);
        assertThat(greater.getResponses(0).getResponseDeleteRange().getPrevKvsCount())
                .isEqualTo(2);

        DeleteRangeResponse rest = f.call(
                        KVGrpcClient.DeleteRange,
                        DeleteRangeRequest.newBuilder()
                                .setKey(b("p/"))
                                .setRangeEnd(b("p0"))
                                .setPrevKv(true)
                                .build())
                .body();
        assertThat(rest.getDeleted()).isEqualTo(1);
        assertThat(rest.getPrevKvs(0).getKey().toStringUtf8()).isEqualTo("p/3");

        long before = last.getHeader().getRevision();
        var compacted = f.call(
                KVGrpcClient.Compact,
                io.raftkv.etcd.api.CompactionRequest.newBuilder()
                        .setRevision(before)
                        .build());
        assertThat(compacted.status()).as(compacted.message()).isEqualTo(GrpcStatus.OK);
        assertError(
                f.call(
                        KVGrpcClient.Range,
                        RangeRequest.newBuilder()
                                .setKey(b("p/3"))
                                .setRevision(before - 1)
                                .build()),
                GrpcStatus.OUT_OF_RANGE,
                "etcdserver: mvcc: required revision has been compacted");
        RangeResponse atBefore = f.call(
                        KVGrpcClient.Range,
                        RangeRequest.newBuilder()
                                .setKey(b("p/3"))
                                .setRevision(before)
                                .build())
                .body();
        assertThat(atBefore.getKvs(0).getValue().toStringUtf8()).isEqualTo("c");
        assertThat(atBefore.getHeader().getRevision()).isEqualTo(before);
    }

    @Test
    void errorsAreEtcds() {
        assertError(
                f.call(
                        KVGrpcClient.Put,
                        PutRequest.newBuilder().setValue(b("v")).build()),
                GrpcStatus.INVALID_ARGUMENT,
                "etcdserver: key is not provided");
        assertError(
                f.call(
                        KVGrpcClient.Put,
                        PutRequest.newBuilder().setKey(b("k")).setLease(7).build()),
                GrpcStatus.NOT_FOUND,
                "etcdserver: requested lease not found");
        assertError(
                f.call(
                        KVGrpcClient.Put,
                        PutRequest.newBuilder()
                                .setKey(b("k"))
                                .setValue(b("v"))
                                .setIgnoreValue(true)
                                .build()),
                GrpcStatus.INVALID_ARGUMENT,
                "etcdserver: value is provided");
        assertError(
                f.call(
                        KVGrpcClient.Range,
                        RangeRequest.newBuilder()
                                .setKey(b("k"))
                                .setRevision(1_000_000)
                                .build()),
                GrpcStatus.OUT_OF_RANGE,
                "etcdserver: mvcc: required revision is a future revision");
        RequestOp putK = RequestOp.newBuilder()
                .setRequestPut(PutRequest.newBuilder().setKey(b("k")))
                .build();
        assertError(
                f.call(
                        KVGrpcClient.Txn,
                        TxnRequest.newBuilder()
                                .addSuccess(putK)
                                .addSuccess(putK)
                                .build()),
                GrpcStatus.INVALID_ARGUMENT,
                "etcdserver: duplicate key given in txn request");
        var nested = f.call(
                KVGrpcClient.Txn,
                TxnRequest.newBuilder()
                        .addSuccess(RequestOp.newBuilder()
                                .setRequestTxn(TxnRequest.newBuilder().addSuccess(putK)))
                        .build());
        // A nested Txn that writes is part of the replicated transaction.
        assertThat(nested.body().getResponses(0).getResponseTxn().getSucceeded())
                .isTrue();
    }

    @Test
    void leaseGrantsAndRevocationsAnswerAsEtcd() {
        assertError(
                f.call(
                        LeaseGrpcClient.LeaseGrant,
                        LeaseGrantRequest.newBuilder().setTTL(9_000_000_001L).build()),
                GrpcStatus.OUT_OF_RANGE,
                "etcdserver: too large lease TTL");
        assertError(
                f.call(
                        LeaseGrpcClient.LeaseRevoke,
                        LeaseRevokeRequest.newBuilder().setID(42).build()),
                GrpcStatus.NOT_FOUND,
                "etcdserver: requested lease not found");
        LeaseGrantResponse granted = f.call(
                        LeaseGrpcClient.LeaseGrant,
                        LeaseGrantRequest.newBuilder().setID(7).setTTL(0).build())
                .body();
        assertThat(granted.getID()).isEqualTo(7);
        assertThat(granted.getTTL()).as("raised to the minimum TTL, as etcd").isPositive();
        assertThat(granted.getHeader().getRevision()).isEqualTo(1);
        assertError(
                f.call(
                        LeaseGrpcClient.LeaseGrant,
                        LeaseGrantRequest.newBuilder().setID(7).setTTL(10).build()),
                GrpcStatus.FAILED_PRECONDITION,
                "etcdserver: lease already exists");
        LeaseGrantResponse chosen = f.call(
                        LeaseGrpcClient.LeaseGrant,
                        LeaseGrantRequest.newBuilder().setTTL(30).build())
                .body();
        assertThat(chosen.getID()).isPositive().isNotEqualTo(7);
        assertThat(chosen.getTTL()).isEqualTo(30);
        assertError(
                f.call(
                        KVGrpcClient.Put,
                        PutRequest.newBuilder()
                                .setKey(b("l"))
                                .setValue(b("v"))
                                .setLease(8)
                                .build()),
                GrpcStatus.NOT_FOUND,
                "etcdserver: requested lease not found");
        assertThat(f.call(
                                KVGrpcClient.Put,
                                PutRequest.newBuilder()
                                        .setKey(b("l"))
                                        .setValue(b("v"))
                                        .setLease(7)
                                        .build())
                        .body()
                        .getHeader()
                        .getRevision())
                .isEqualTo(2);
        LeaseRevokeResponse revoked = f.call(
                        LeaseGrpcClient.LeaseRevoke,
                        LeaseRevokeRequest.newBuilder().setID(7).build())
                .body();
        assertThat(revoked.getHeader().getRevision())
                .as("the lease's key deleted")
                .isEqualTo(3);
        assertThat(f.call(
                                KVGrpcClient.Range,
                                RangeRequest.newBuilder().setKey(b("l")).build())
                        .body()
                        .getKvsCount())
                .isZero();
    }

    @Test
    void clusterAndMaintenanceDescribeTheNode() {
        f.node.status = FakeRaftNode.leader(1, 5);
        StatusResponse s = f.call(MaintenanceGrpcClient.Status, StatusRequest.getDefaultInstance())
                .body();
        assertThat(s.getLeader()).isEqualTo(1);
        assertThat(s.getRaftTerm()).isEqualTo(5);
        assertThat(s.getHeader().getMemberId()).isEqualTo(1);
        var alarms = f.call(
                        MaintenanceGrpcClient.Alarm,
                        io.raftkv.etcd.api.AlarmRequest.newBuilder()
                                .setAction(io.raftkv.etcd.api.AlarmRequest.AlarmAction.GET)
                                .build())
                .body();
        assertThat(alarms.getAlarmsList()).isEmpty();
        var untyped = f.call(
                MaintenanceGrpcClient.Alarm,
                io.raftkv.etcd.api.AlarmRequest.newBuilder()
                        .setAction(io.raftkv.etcd.api.AlarmRequest.AlarmAction.ACTIVATE)
                        .build());
        assertThat(untyped.status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT);
        var unknownMember = f.call(
                MaintenanceGrpcClient.Alarm,
                io.raftkv.etcd.api.AlarmRequest.newBuilder()
                        .setAction(io.raftkv.etcd.api.AlarmRequest.AlarmAction.ACTIVATE)
                        .setAlarm(io.raftkv.etcd.api.AlarmType.NOSPACE)
                        .setMemberID(42)
                        .build());
        assertError(unknownMember, GrpcStatus.NOT_FOUND, "etcdserver: member not found");
        var activated = f.call(
                        MaintenanceGrpcClient.Alarm,
                        io.raftkv.etcd.api.AlarmRequest.newBuilder()
                                .setAction(io.raftkv.etcd.api.AlarmRequest.AlarmAction.ACTIVATE)
                                .setAlarm(io.raftkv.etcd.api.AlarmType.NOSPACE)
                                .setMemberID(2)
                                .build())
                .body();
        assertThat(activated.getAlarms(0).getMemberID()).isEqualTo(2);
        assertThat(f.node.proposed)
                .contains(Command.of(
                        new Command.Alarm(Command.AlarmAction.ACTIVATE, io.raftkv.node.kv.AlarmType.NOSPACE, 2)));
        MemberListResponse members = f.call(ClusterGrpcClient.MemberList, MemberListRequest.getDefaultInstance())
                .body();
        assertThat(members.getMembersList())
                .extracting(m -> m.getPeerURLs(0))
                .containsExactly("http://10.0.0.1:9091", "http://10.0.0.2:9091", "http://10.0.0.3:9091");
    }

    private static void assertError(ClientServerFixture.Reply<?> reply, GrpcStatus status, String message) {
        assertThat(reply.status()).as(reply.message()).isEqualTo(status);
        assertThat(reply.message()).isEqualTo(message);
    }
}
