package io.raftkv.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.raftkv.api.v1.CallError;
import io.raftkv.api.v1.Compare;
import io.raftkv.api.v1.CompareAndSetRequest;
import io.raftkv.api.v1.DeleteRequest;
import io.raftkv.api.v1.GetRequest;
import io.raftkv.api.v1.KVGrpcClient;
import io.raftkv.api.v1.PipelineRequest;
import io.raftkv.api.v1.PipelineResponse;
import io.raftkv.api.v1.PipelinedCall;
import io.raftkv.api.v1.PipelinedResult;
import io.raftkv.api.v1.PutOp;
import io.raftkv.api.v1.PutRequest;
import io.raftkv.api.v1.ReadConsistency;
import io.raftkv.api.v1.TxnOp;
import io.raftkv.api.v1.TxnRequest;
import io.raftkv.node.driver.NotLeaderException;
import io.raftkv.node.kv.ApplyResult;
import io.raftkv.node.kv.Command;
import io.raftkv.node.kv.KeyValue;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.common.GrpcStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code KV.Pipeline} over the wire against a scripted node: each call is served as its unary
 * method would be and answered by id; an error answers one call, never the stream; every call has
 * its own deadline and in-flight slot; the stream ends only after its last call is answered.
 */
class PipelineCallTest {
    private ClientServerFixture f;

    @AfterEach
    void stop() {
        if (f != null) {
            f.close();
        }
    }

    /** One open Pipeline stream from a raw gRPC client, collecting results by id. */
    private final class Stream {
        final Map<Long, PipelinedResult> results = new ConcurrentHashMap<>();
        final Promise<GrpcStatus> ended = Promise.promise();
        final GrpcClientRequest<PipelineRequest, PipelineResponse> request;

        Stream() {
            this(f.grpc);
        }

        Stream(GrpcClient grpc) {
            request = ClientServerFixture.await(
                    grpc.request(SocketAddress.inetSocketAddress(f.server.port(), "127.0.0.1"), KVGrpcClient.Pipeline));
            request.response().onSuccess(resp -> {
                resp.handler((PipelineResponse m) -> m.getResultsList().forEach(r -> results.put(r.getId(), r)));
                resp.endHandler(v -> ended.tryComplete(resp.status()));
                resp.exceptionHandler(err -> ended.tryFail(err));
            });
        }

        Stream send(PipelinedCall.Builder... calls) {
            PipelineRequest.Builder b = PipelineRequest.newBuilder();
            for (PipelinedCall.Builder c : calls) {
                b.addCalls(c);
            }
            ClientServerFixture.await(request.write(b.build()));
            return this;
        }

        PipelinedResult await(long id) {
            Awaitility.await().atMost(ClientServerFixture.WAIT).until(() -> results.containsKey(id));
            return results.get(id);
        }

        GrpcStatus endAndAwait() {
            request.end();
            return ClientServerFixture.await(ended.future());
        }
    }

    private static ByteString bytes(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static PipelinedCall.Builder put(long id, String k, String v) {
        return PipelinedCall.newBuilder()
                .setId(id)
                .setPut(PutRequest.newBuilder().setKey(bytes(k)).setValue(bytes(v)));
    }

    @Test
    void callsOfEveryKindAreAnsweredByIdOnOneStream() {
        f = new ClientServerFixture();
        f.reader.put("a", "1", 42);
        Stream s = new Stream()
                .send(
                        put(11, "a", "2"),
                        PipelinedCall.newBuilder()
                                .setId(12)
                                .setGet(GetRequest.newBuilder()
                                        .setKey(bytes("a"))
                                        .setConsistency(ReadConsistency.SERIALIZABLE)),
                        PipelinedCall.newBuilder()
                                .setId(13)
                                .setDelete(DeleteRequest.newBuilder().setKey(bytes("b"))),
                        PipelinedCall.newBuilder()
                                .setId(14)
                                .setCompareAndSet(CompareAndSetRequest.newBuilder()
                                        .setCompare(Compare.newBuilder()
                                                .setKey(bytes("c"))
                                                .setTarget(Compare.Target.ABSENT))
                                        .setValue(bytes("3"))),
                        PipelinedCall.newBuilder()
                                .setId(15)
                                .setTxn(TxnRequest.newBuilder()
                                        .addSuccess(TxnOp.newBuilder()
                                                .setPut(PutOp.newBuilder()
                                                        .setKey(bytes("d"))
                                                        .setValue(bytes("4"))))));

        assertThat(s.await(11).getPut().getHeader().getRaftIndex()).isBetween(100L, 103L);
        assertThat(s.await(12).getGet().getKv().getValue().toStringUtf8()).isEqualTo("1");
        assertThat(s.await(13).getResultCase()).isEqualTo(PipelinedResult.ResultCase.DELETE);
        assertThat(s.await(14).getCompareAndSet().getSucceeded()).isTrue();
        assertThat(s.await(15).getTxn().getSucceeded()).isTrue();
        assertThat(s.endAndAwait()).isEqualTo(GrpcStatus.OK);
        assertThat(f.node.proposed).hasSize(4);
        assertThat(f.server.inFlightCalls()).isZero();
        assertThat(f.server.pipelineStreams()).isZero();
    }

    @Test
    void anErrorAnswersOneCallAndTheStreamGoesOn() {
        f = new ClientServerFixture(ServerLimits.defaults().withSizes(8, 16, 1024));
        Stream s = new Stream().send(put(1, "", "v"), PipelinedCall.newBuilder().setId(2), put(3, "k", "x".repeat(17)));
        s.send(put(4, "k", "v"));

        CallError empty = s.await(1).getError();
        assertThat(empty.getCode()).isEqualTo(GrpcStatus.INVALID_ARGUMENT.code);
        assertThat(empty.getMessage()).contains("key");
        CallError none = s.await(2).getError();
        assertThat(none.getCode()).isEqualTo(GrpcStatus.INVALID_ARGUMENT.code);
        assertThat(none.getMessage())
                .isEqualTo(
                        "pipelined call 2 has no request this node serves (put, get, delete, compare_and_set or txn)");
        assertThat(s.await(3).getError().getMessage()).contains("16");
        assertThat(s.await(4).getPut().getHeader().getRaftIndex()).isEqualTo(100);
        assertThat(s.endAndAwait()).isEqualTo(GrpcStatus.OK);
        assertThat(f.node.proposed)
                .extracting(Command::operation)
                .containsExactly(new Command.Put("k".getBytes(), "v".getBytes()));
    }

    @Test
    void notLeaderTravelsInBandWithTheLeaderHint() {
        f = new ClientServerFixture();
        f.node.onPropose = c -> Future.failedFuture(new NotLeaderException(3, "10.0.0.3:9090"));
        CallError e = new Stream().send(put(1, "a", "1")).await(1).getError();
        assertThat(e.getCode()).isEqualTo(GrpcStatus.FAILED_PRECONDITION.code);
        assertThat(e.getReason()).isEqualTo("NOT_LEADER");
        assertThat(e.getLeaderId()).isEqualTo(3);
        assertThat(e.getLeaderAddress()).isEqualTo("10.0.0.3:9090");
    }

    @Test
    void eachCallHasItsOwnDeadlineAndSlot() {
        f = new ClientServerFixture();
        Promise<ApplyResult> never = Promise.promise();
        f.node.onPropose = c -> new String(((Command.Put) c.operation()).key()).equals("slow")
                ? never.future()
                : Future.succeededFuture(FakeRaftNode.applied(f.node.nextIndex.getAndIncrement(), null, List.of()));
        Stream s = new Stream().send(put(1, "slow", "1").setTimeoutMillis(300), put(2, "fast", "2"));

        assertThat(s.await(2).getPut().getHeader().getRaftIndex()).isEqualTo(100);
        CallError late = s.await(1).getError();
        assertThat(late.getCode()).isEqualTo(GrpcStatus.DEADLINE_EXCEEDED.code);
        assertThat(late.getMessage()).isEqualTo("deadline of 300 ms exceeded before the call completed");
        assertThat(f.server.inFlightCalls()).isZero();
        assertThat(s.endAndAwait()).isEqualTo(GrpcStatus.OK);
    }

    @Test
    void callsBeyondTheInFlightLimitAreRefusedOneByOne() {
        f = new ClientServerFixture(ServerLimits.defaults().withMaxInFlightCalls(2));
        Promise<ApplyResult> pending = Promise.promise();
        f.node.onPropose = c -> pending.future();
        Stream s = new Stream().send(put(1, "a", "1"), put(2, "b", "2"), put(3, "c", "3"));

        CallError refused = s.await(3).getError();
        assertThat(refused.getCode()).isEqualTo(GrpcStatus.RESOURCE_EXHAUSTED.code);
        assertThat(refused.getReason()).isEqualTo("OVERLOADED");
        assertThat(refused.getMessage()).isEqualTo("more than 2 client calls in flight (maxInFlightCalls)");
        assertThat(s.results).doesNotContainKeys(1L, 2L);
        pending.complete(FakeRaftNode.applied(7, null, List.of()));
        assertThat(s.await(1).getPut().getHeader().getRaftIndex()).isEqualTo(7);
        assertThat(s.await(2).getPut().getHeader().getRaftIndex()).isEqualTo(7);
        assertThat(f.node.proposed).hasSize(2);
    }

    @Test
    void theStreamEndsOnlyAfterItsLastCallIsAnswered() {
        f = new ClientServerFixture();
        Promise<ApplyResult> pending = Promise.promise();
        f.node.onPropose = c -> pending.future();
        Stream s = new Stream().send(put(1, "a", "1"));
        Awaitility.await().atMost(ClientServerFixture.WAIT).until(() -> f.node.proposed.size() == 1);
        s.request.end();
        assertThat(s.ended.future().isComplete()).isFalse();

        pending.complete(FakeRaftNode.applied(9, null, List.of()));
        assertThat(ClientServerFixture.await(s.ended.future())).isEqualTo(GrpcStatus.OK);
        assertThat(s.results.get(1L).getPut().getHeader().getRaftIndex()).isEqualTo(9);
    }

    @Test
    void aResetStreamFreesEachSlotWhenItsCallCompletes() {
        f = new ClientServerFixture();
        Promise<ApplyResult> pending = Promise.promise();
        f.node.onPropose = c -> pending.future();
        Stream s = new Stream().send(put(1, "a", "1"), put(2, "b", "2"));
        Awaitility.await().atMost(ClientServerFixture.WAIT).until(() -> f.node.proposed.size() == 2);
        assertThat(f.server.pipelineStreams()).isEqualTo(1);
        s.request.cancel();
        Awaitility.await().atMost(ClientServerFixture.WAIT).until(() -> f.server.pipelineStreams() == 0);
        assertThat(f.server.inFlightCalls()).isEqualTo(2);

        pending.complete(FakeRaftNode.applied(9, null, List.of()));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> f.server.inFlightCalls() == 0);
        assertThat(f.metrics.prometheus().scrape())
                .contains("method=\"raftkv.v1.KV/Put\"")
                .contains("code=\"CANCELLED\"");
    }

    /**
     * The last answer of an ended stream that does not fit in the batch being built: writing the
     * batch first must not end the stream before that answer is in it. (It did: the batch's write
     * saw every call answered and ended the stream, and the last answer was dropped.) Both answers
     * land in one event-loop turn and are 600 KiB each, so the second cannot join the first's
     * batch of at most {@code PipelineLimits.RESPONSE_BATCH_BYTES}.
     */
    @Test
    void theLastAnswerOfAnEndedStreamIsSentWhenItDoesNotFitTheBatch() {
        f = new ClientServerFixture();
        byte[] big = new byte[600 * 1024];
        Arrays.fill(big, (byte) 'v');
        List<Promise<ApplyResult>> pending = new ArrayList<>();
        List<Context> proposedOn = new ArrayList<>();
        f.node.onPropose = c -> {
            Promise<ApplyResult> p = Promise.promise();
            synchronized (pending) {
                pending.add(p);
                proposedOn.add(Vertx.currentContext());
            }
            return p.future();
        };
        GrpcClient grpc = GrpcClient.client(f.vertx, new GrpcClientOptions().setMaxMessageSize(4L * 1024 * 1024));
        Stream s = new Stream(grpc);
        s.request.end(PipelineRequest.newBuilder()
                .addCalls(putPrev(1, "a"))
                .addCalls(putPrev(2, "b"))
                .build());
        Awaitility.await().atMost(ClientServerFixture.WAIT).until(() -> f.node.proposed.size() == 2);
        // A call on another stream of the same connection, answered: the node has read the first
        // stream's end, which the client sent before it.
        assertThat(new Stream(grpc).send(get(3, "x")).await(3).hasGet()).isTrue();

        Context context;
        synchronized (pending) {
            context = proposedOn.get(0);
            assertThat(proposedOn.get(1)).isSameAs(context);
        }
        context.runOnContext(v -> {
            for (int i = 0; i < 2; i++) {
                pending.get(i)
                        .complete(new ApplyResult(
                                10 + i,
                                10 + i,
                                ApplyResult.Status.APPLIED,
                                false,
                                null,
                                new KeyValue(new byte[] {(byte) ('a' + i)}, big, 1, 1, 1, 0),
                                List.of(),
                                null));
            }
        });
        assertThat(ClientServerFixture.await(s.ended.future())).isEqualTo(GrpcStatus.OK);
        assertThat(s.results.keySet()).containsExactlyInAnyOrder(1L, 2L);
        assertThat(s.results.get(2L).getPut().getPrevKv().getValue().size()).isEqualTo(big.length);
        Awaitility.await().atMost(ClientServerFixture.WAIT).until(() -> f.server.inFlightCalls() == 0);
    }

    private static PipelinedCall.Builder get(long id, String k) {
        return PipelinedCall.newBuilder()
                .setId(id)
                .setGet(GetRequest.newBuilder().setKey(bytes(k)));
    }

    private static PipelinedCall.Builder putPrev(long id, String k) {
        return PipelinedCall.newBuilder()
                .setId(id)
                .setPut(PutRequest.newBuilder()
                        .setKey(bytes(k))
                        .setValue(bytes("new"))
                        .setPrevKv(true));
    }
}
