package io.raftkv.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.raftkv.api.ErrorTrailers;
import io.raftkv.api.v1.Compare;
import io.raftkv.api.v1.CompareAndSetRequest;
import io.raftkv.api.v1.CompareAndSetResponse;
import io.raftkv.api.v1.DeleteRequest;
import io.raftkv.api.v1.DeleteResponse;
import io.raftkv.api.v1.GetRequest;
import io.raftkv.api.v1.GetResponse;
import io.raftkv.api.v1.KVGrpcClient;
import io.raftkv.api.v1.KeyInterval;
import io.raftkv.api.v1.PutRequest;
import io.raftkv.api.v1.PutResponse;
import io.raftkv.api.v1.RangeRequest;
import io.raftkv.api.v1.RangeResponse;
import io.raftkv.api.v1.ReadConsistency;
import io.raftkv.api.v1.Session;
import io.raftkv.node.driver.BackpressureException;
import io.raftkv.node.driver.NotLeaderException;
import io.raftkv.node.driver.RaftNodeException;
import io.raftkv.node.driver.UnavailableException;
import io.raftkv.node.kv.ApplyResult;
import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.KeyValue;
import io.raftkv.node.metrics.ProposalMetrics;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.grpc.common.GrpcStatus;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** KV over the wire against a scripted node: validation, results, and every error path's status. */
class KvServiceTest {
    private ClientServerFixture f;

    private ClientServerFixture start(ServerLimits limits) {
        f = new ClientServerFixture(limits);
        return f;
    }

    @AfterEach
    void stop() {
        if (f != null) {
            f.close();
        }
    }

    private static ByteString bytes(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static PutRequest put(String k, String v) {
        return PutRequest.newBuilder().setKey(bytes(k)).setValue(bytes(v)).build();
    }

    @Test
    void putProposesTheCommandAndAnswersWithTheAppliedIndex() {
        start(ServerLimits.defaults());
        var reply = f.call(
                KVGrpcClient.Put,
                put("a", "1").toBuilder()
                        .setSession(Session.newBuilder().setClientId(7).setSeq(3))
                        .build());
        PutResponse r = reply.body();
        assertThat(r.getHeader().getRaftIndex()).isEqualTo(100);
        assertThat(r.getHeader().getMemberId()).isEqualTo(1);
        assertThat(r.getHeader().getTerm()).isEqualTo(5);
        Command c = f.node.proposed.poll();
        assertThat(c.session()).isEqualTo(new Command.Session(7, 3));
        assertThat(c.operation()).isEqualTo(new Command.Put("a".getBytes(), "1".getBytes()));
        assertThat(f.server.proposalMetrics().proposedCount(ProposalMetrics.Kind.PUT))
                .isEqualTo(1);
        assertThat(f.server.proposalMetrics().succeededCount()).isEqualTo(1);
    }

    @Test
    void badInputIsInvalidArgumentWithTheLimitInTheMessageAndNothingIsProposed() {
        start(ServerLimits.defaults().withSizes(8, 16, 1024));
        var empty = f.call(KVGrpcClient.Put, put("", "v"));
        assertThat(empty.status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT);
        assertThat(empty.message()).isEqualTo("key must not be empty");
        assertThat(empty.meta(ErrorTrailers.REASON)).isEqualTo("INVALID_REQUEST");

        var longKey = f.call(KVGrpcClient.Put, put("123456789", "v"));
        assertThat(longKey.status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT);
        assertThat(longKey.message()).isEqualTo("key is 9 bytes, more than the limit of 8 (maxKeyBytes)");

        var bigValue = f.call(KVGrpcClient.Put, put("k", "x".repeat(17)));
        assertThat(bigValue.message()).isEqualTo("value is 17 bytes, more than the limit of 16 (maxValueBytes)");

        var hugeRequest = f.call(
                KVGrpcClient.Get,
                GetRequest.newBuilder()
                        .setKey(bytes("k"))
                        .setUnknownFields(com.google.protobuf.UnknownFieldSet.newBuilder()
                                .addField(
                                        99,
                                        com.google.protobuf.UnknownFieldSet.Field.newBuilder()
                                                .addLengthDelimited(bytes("z".repeat(1500)))
                                                .build())
                                .build())
                        .build());
        assertThat(hugeRequest.status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT);
        assertThat(hugeRequest.message())
                .startsWith("request is ")
                .endsWith("more than the limit of 1024 (maxRequestBytes)");

        var inverted = f.call(
                KVGrpcClient.Range,
                RangeRequest.newBuilder()
                        .setInterval(
                                KeyInterval.newBuilder().setStart(bytes("b")).setEnd(bytes("a")))
                        .build());
        assertThat(inverted.status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT);
        assertThat(inverted.message()).startsWith("inverted range");

        var tooMany = f.call(
                KVGrpcClient.Range, RangeRequest.newBuilder().setLimit(-1).build());
        assertThat(tooMany.status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT);
        assertThat(tooMany.message()).isEqualTo("limit is 4294967295, more than the limit of 10000 (maxRangeLimit)");

        assertThat(f.node.proposed).isEmpty();
        assertThat(f.node.barriers).isEmpty();
    }

    @Test
    void notLeaderIsFailedPreconditionWithTheLeaderHintInTrailers() {
        start(ServerLimits.defaults());
        f.node.onPropose = c -> Future.failedFuture(new NotLeaderException(3, "10.0.0.3:9090"));
        var reply = f.call(KVGrpcClient.Put, put("a", "1"));
        assertThat(reply.status()).isEqualTo(GrpcStatus.FAILED_PRECONDITION);
        assertThat(reply.meta(ErrorTrailers.REASON)).isEqualTo("NOT_LEADER");
        assertThat(reply.meta(ErrorTrailers.LEADER_ID)).isEqualTo("3");
        assertThat(reply.meta(ErrorTrailers.LEADER_ADDRESS)).isEqualTo("10.0.0.3:9090");
        assertThat(f.server.proposalMetrics().failedCount("not_leader")).isEqualTo(1);
    }

    @Test
    void driverFailuresMapToTheirGrpcCodes() {
        start(ServerLimits.defaults());
        f.node.onPropose = c -> Future.failedFuture(new UnavailableException("no quorum"));
        var unavailable = f.call(KVGrpcClient.Put, put("a", "1"));
        assertThat(unavailable.status()).isEqualTo(GrpcStatus.UNAVAILABLE);
        assertThat(unavailable.message()).isEqualTo("no quorum");

        f.node.onPropose = c -> Future.failedFuture(
                new io.raftkv.node.driver.NoLeaderException("no leader is known; an election is in progress"));
        var noLeader = f.call(KVGrpcClient.Put, put("a", "1"));
        assertThat(noLeader.status()).isEqualTo(GrpcStatus.UNAVAILABLE);
        assertThat(noLeader.meta(ErrorTrailers.REASON)).isEqualTo("NO_LEADER");

        f.node.onPropose = c -> Future.failedFuture(new BackpressureException("more than 1000 proposals in flight"));
        var exhausted = f.call(
                KVGrpcClient.Delete,
                DeleteRequest.newBuilder().setKey(bytes("a")).build());
        assertThat(exhausted.status()).isEqualTo(GrpcStatus.RESOURCE_EXHAUSTED);
        assertThat(exhausted.meta(ErrorTrailers.REASON)).isEqualTo("OVERLOADED");

        f.node.onPropose = c -> Future.failedFuture(new RaftNodeException(RaftNodeException.Code.ABORTED, "slot lost"));
        var aborted = f.call(KVGrpcClient.Put, put("a", "1"));
        assertThat(aborted.status()).isEqualTo(GrpcStatus.ABORTED);
        assertThat(aborted.meta(ErrorTrailers.REASON)).isEqualTo("PROPOSAL_ABORTED");

        f.node.onReadBarrier = c -> Future.failedFuture(new UnavailableException("no leader known"));
        var readUnavailable = f.call(
                KVGrpcClient.Get, GetRequest.newBuilder().setKey(bytes("a")).build());
        assertThat(readUnavailable.status()).isEqualTo(GrpcStatus.UNAVAILABLE);

        f.node.onPropose = c -> Future.succeededFuture(
                FakeRaftNode.result(9, ApplyResult.Status.REJECTED, null, "stale sequence 2 < 5"));
        var rejected = f.call(
                KVGrpcClient.Put,
                put("a", "1").toBuilder()
                        .setSession(Session.newBuilder().setClientId(1).setSeq(2))
                        .build());
        assertThat(rejected.status()).isEqualTo(GrpcStatus.FAILED_PRECONDITION);
        assertThat(rejected.meta(ErrorTrailers.REASON)).isEqualTo("SESSION_SEQUENCE_STALE");
        assertThat(rejected.message()).contains("stale sequence 2 < 5");
    }

    @Test
    void theClientDeadlineEndsACallWhoseProposalNeverCompletes() {
        start(ServerLimits.defaults());
        Promise<ApplyResult> never = Promise.promise();
        f.node.onPropose = c -> never.future();
        var reply = f.call(KVGrpcClient.Put, put("a", "1"), 300);
        assertThat(reply.status()).isEqualTo(GrpcStatus.DEADLINE_EXCEEDED);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> f.server.inFlightCalls() == 0);
    }

    @Test
    void aCallTheClientCancelsFreesItsSlotAtOnce() {
        start(ServerLimits.defaults());
        Promise<ApplyResult> never = Promise.promise();
        f.node.onPropose = c -> never.future();
        var req = ClientServerFixture.await(f.grpc.request(
                io.vertx.core.net.SocketAddress.inetSocketAddress(f.server.port(), "127.0.0.1"), KVGrpcClient.Put));
        req.end(put("a", "1"));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> f.server.inFlightCalls() == 1);
        req.cancel();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> f.server.inFlightCalls() == 0);
        assertThat(f.metrics.prometheus().scrape()).contains("code=\"CANCELLED\",method=\"raftkv.v1.KV/Put\"");
    }

    @Test
    void theDefaultDeadlineBoundsACallWithoutClientDeadline() {
        start(ServerLimits.defaults().withDefaultDeadline(Duration.ofMillis(200)));
        f.node.onReadBarrier = c -> Promise.<Void>promise().future();
        var reply = f.call(
                KVGrpcClient.Get, GetRequest.newBuilder().setKey(bytes("a")).build());
        assertThat(reply.status()).isEqualTo(GrpcStatus.DEADLINE_EXCEEDED);
        assertThat(reply.message()).isEqualTo("deadline of 200 ms exceeded before the call completed");
    }

    @Test
    void callsBeyondTheInFlightLimitAreResourceExhausted() {
        start(ServerLimits.defaults().withMaxInFlightCalls(1));
        Promise<ApplyResult> pending = Promise.promise();
        f.node.onPropose = c -> pending.future();
        var first = f.callAsync(KVGrpcClient.Put, put("a", "1"), 0, m -> {});
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> f.node.proposed.size() == 1);
        var second = f.call(KVGrpcClient.Put, put("b", "2"));
        assertThat(second.status()).isEqualTo(GrpcStatus.RESOURCE_EXHAUSTED);
        assertThat(second.message()).isEqualTo("more than 1 client calls in flight (maxInFlightCalls)");
        pending.complete(FakeRaftNode.applied(7, null, java.util.List.of()));
        assertThat(ClientServerFixture.await(first).body().getHeader().getRaftIndex())
                .isEqualTo(7);
    }

    @Test
    void getWaitsForTheBarrierOfTheRequestedConsistencyAndReadsTheStateMachine() {
        start(ServerLimits.defaults());
        f.reader.put("a", "1", 42);
        GetResponse hit = f.call(
                        KVGrpcClient.Get,
                        GetRequest.newBuilder()
                                .setKey(bytes("a"))
                                .setConsistency(ReadConsistency.SERIALIZABLE)
                                .build())
                .body();
        assertThat(hit.getKv().getValue().toStringUtf8()).isEqualTo("1");
        assertThat(hit.getKv().getModIndex()).isEqualTo(42);
        assertThat(hit.getHeader().getRaftIndex()).isEqualTo(118);
        GetResponse miss = f.call(
                        KVGrpcClient.Get,
                        GetRequest.newBuilder().setKey(bytes("zz")).build())
                .body();
        assertThat(miss.hasKv()).isFalse();
        assertThat(f.node.barriers)
                .containsExactly(
                        io.raftkv.node.driver.ReadConsistency.SERIALIZABLE,
                        io.raftkv.node.driver.ReadConsistency.LINEARIZABLE);
    }

    @Test
    void rangePassesPrefixIntervalLimitByteBudgetAndKeysOnlyToTheReader() {
        start(ServerLimits.defaults().withRangeLimits(100, 10));
        f.reader.put("a1", "xxx", 1);
        f.reader.put("a2", "yyy", 2);
        f.reader.put("a3", "zzz", 3);
        f.reader.put("b1", "www", 4);
        RangeResponse prefix = f.call(
                        KVGrpcClient.Range,
                        RangeRequest.newBuilder().setPrefix(bytes("a")).build())
                .body();
        // 5 bytes per key-value: the third key would exceed the 10-byte budget
        assertThat(prefix.getKvsList())
                .extracting(kv -> kv.getKey().toStringUtf8())
                .containsExactly("a1", "a2");
        assertThat(prefix.getMore()).isTrue();

        RangeResponse keysOnly = f.call(
                        KVGrpcClient.Range,
                        RangeRequest.newBuilder()
                                .setPrefix(bytes("a"))
                                .setKeysOnly(true)
                                .build())
                .body();
        assertThat(keysOnly.getKvsList())
                .extracting(kv -> kv.getKey().toStringUtf8())
                .containsExactly("a1", "a2", "a3");
        assertThat(keysOnly.getKvsList())
                .allSatisfy(kv -> assertThat(kv.getValue().isEmpty()).isTrue());
        assertThat(keysOnly.getMore()).isFalse();

        RangeResponse limited = f.call(
                        KVGrpcClient.Range,
                        RangeRequest.newBuilder()
                                .setKeysOnly(true)
                                .setInterval(KeyInterval.newBuilder().setStart(bytes("a2")))
                                .setLimit(2)
                                .build())
                .body();
        assertThat(limited.getKvsList())
                .extracting(kv -> kv.getKey().toStringUtf8())
                .containsExactly("a2", "a3");
        assertThat(limited.getMore()).isTrue();

        RangeResponse all = f.call(
                        KVGrpcClient.Range,
                        RangeRequest.newBuilder().setKeysOnly(true).build())
                .body();
        assertThat(all.getKvsCount()).isEqualTo(4);
    }

    @Test
    void deleteReportsWhetherTheKeyExistedAndItsPreviousValue() {
        start(ServerLimits.defaults());
        KeyValue before = new KeyValue("a".getBytes(), "old".getBytes(), 3, 5, 2);
        f.node.onPropose = c -> Future.succeededFuture(FakeRaftNode.applied(11, before, java.util.List.of()));
        DeleteResponse existed = f.call(
                        KVGrpcClient.Delete,
                        DeleteRequest.newBuilder()
                                .setKey(bytes("a"))
                                .setPrevKv(true)
                                .build())
                .body();
        assertThat(existed.getDeleted()).isEqualTo(1);
        assertThat(existed.getPrevKv().getValue().toStringUtf8()).isEqualTo("old");

        f.node.onPropose = c -> Future.succeededFuture(FakeRaftNode.applied(12, null, java.util.List.of()));
        DeleteResponse absent = f.call(
                        KVGrpcClient.Delete,
                        DeleteRequest.newBuilder()
                                .setKey(bytes("a"))
                                .setPrevKv(true)
                                .build())
                .body();
        assertThat(absent.getDeleted()).isZero();
        assertThat(absent.hasPrevKv()).isFalse();
    }

    @Test
    void compareAndSetReportsSuccessOrTheCurrentKey() {
        start(ServerLimits.defaults());
        KeyValue current = new KeyValue("a".getBytes(), "cur".getBytes(), 3, 8, 4);
        f.node.onPropose =
                c -> Future.succeededFuture(FakeRaftNode.result(13, ApplyResult.Status.COMPARE_FAILED, current, null));
        CompareAndSetRequest cas = CompareAndSetRequest.newBuilder()
                .setCompare(Compare.newBuilder()
                        .setKey(bytes("a"))
                        .setTarget(Compare.Target.MOD_INDEX)
                        .setModIndex(7))
                .setValue(bytes("new"))
                .build();
        CompareAndSetResponse failed = f.call(KVGrpcClient.CompareAndSet, cas).body();
        assertThat(failed.getSucceeded()).isFalse();
        assertThat(failed.getKv().getModIndex()).isEqualTo(8);
        assertThat(f.node.proposed.poll().operation())
                .isEqualTo(
                        new Command.CompareAndSet("a".getBytes(), new Command.ModRevisionEquals(7), "new".getBytes()));

        var unspecified = f.call(
                KVGrpcClient.CompareAndSet,
                cas.toBuilder()
                        .setCompare(cas.getCompare().toBuilder().setTarget(Compare.Target.TARGET_UNSPECIFIED))
                        .build());
        assertThat(unspecified.status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT);
        assertThat(unspecified.message()).isEqualTo("compare.target must be VALUE, MOD_INDEX or ABSENT");
    }

    @Test
    void prevKvOnPutAsksTheStateMachineForThePreviousValueAndReturnsIt() {
        start(ServerLimits.defaults());
        KeyValue before = new KeyValue("a".getBytes(), "old".getBytes(), 3, 5, 2);
        f.node.onPropose = c -> Future.succeededFuture(new ApplyResult(
                14,
                14,
                ApplyResult.Status.APPLIED,
                false,
                new KeyValue("a".getBytes(), "1".getBytes(), 3, 14, 3),
                c.returnPrevious() ? before : null,
                java.util.List.of(),
                null));
        PutResponse withPrev = f.call(
                        KVGrpcClient.Put,
                        put("a", "1").toBuilder().setPrevKv(true).build())
                .body();
        assertThat(f.node.proposed.poll().returnPrevious()).isTrue();
        assertThat(withPrev.getPrevKv().getValue().toStringUtf8()).isEqualTo("old");
        assertThat(withPrev.getPrevKv().getModIndex()).isEqualTo(5);

        PutResponse without = f.call(KVGrpcClient.Put, put("a", "1")).body();
        assertThat(f.node.proposed.poll().returnPrevious()).isFalse();
        assertThat(without.hasPrevKv()).isFalse();
    }
}
