package io.raftkv.node.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.raftkv.api.ErrorReason;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.client.Endpoint;
import io.raftkv.api.v1.CallError;
import io.raftkv.api.v1.Header;
import io.raftkv.api.v1.KVGrpcService;
import io.raftkv.api.v1.KeyValue;
import io.raftkv.api.v1.PipelineRequest;
import io.raftkv.api.v1.PipelineResponse;
import io.raftkv.api.v1.PipelinedCall;
import io.raftkv.api.v1.PipelinedResult;
import io.raftkv.etcd.api.PutRequest;
import io.raftkv.etcd.api.PutResponse;
import io.raftkv.node.security.ClientPortSecurity;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link EtcdPutStreams} against leaders that are real HTTP/2 gRPC servers of {@code KV.Pipeline}
 * whose answers each test scripts: batching, the caller's identity on the stream, the in-flight
 * bound, the deadline, a leader change mid-stream and a lost stream.
 */
class EtcdPutStreamsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final EtcdForwarder.Origin ALICE =
            new EtcdForwarder.Origin(false, true, "Bearer alice-token", null, null);
    private static final EtcdForwarder.Origin BOB_BY_CERT = new EtcdForwarder.Origin(false, true, null, null, "bob");

    private final Vertx vertx = Vertx.vertx();
    private final Context loop = vertx.getOrCreateContext();
    private final GrpcClient client = GrpcClient.client(
            vertx,
            new GrpcClientOptions(),
            new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
    private final List<FakeLeader> leaders = new ArrayList<>();
    private EtcdPutStreams streams;

    @AfterEach
    void tearDown() throws Exception {
        if (streams != null) {
            streams.close();
        }
        for (FakeLeader l : leaders) {
            l.server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        client.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void putsOfOneTurnShareAMessageOfOneStreamPerCallerAndCarryTheCallersIdentity() throws Exception {
        FakeLeader a = leader(true);
        streams = new EtcdPutStreams(vertx, client, 2_000, 100);
        List<CompletableFuture<PutResponse>> alice = new ArrayList<>();
        List<CompletableFuture<PutResponse>> bob = new ArrayList<>();
        onLoop(() -> {
                    for (int i = 0; i < 40; i++) {
                        alice.add(send(a, ALICE, put("k" + i, i % 2 == 0)));
                    }
                    for (int i = 0; i < 10; i++) {
                        bob.add(send(a, BOB_BY_CERT, put("b" + i, false)));
                    }
                    return Future.succeededFuture();
                })
                .get(10, TimeUnit.SECONDS);
        for (CompletableFuture<PutResponse> f : alice) {
            f.get(10, TimeUnit.SECONDS);
        }
        for (CompletableFuture<PutResponse> f : bob) {
            f.get(10, TimeUnit.SECONDS);
        }
        assertThat(a.streams).hasSize(2);
        FakeLeader.Stream first = a.streams.get(0);
        FakeLeader.Stream second = a.streams.get(1);
        assertThat(first.headers.get("authorization")).isEqualTo("Bearer alice-token");
        assertThat(first.headers.get(ClientPortSecurity.FORWARDED_USER)).isNull();
        assertThat(first.headers.get(EtcdForwarder.FORWARDED)).isEqualTo("7");
        assertThat(second.headers.get(ClientPortSecurity.FORWARDED_USER)).isEqualTo("bob");
        assertThat(second.headers.get("authorization")).isNull();
        // The 40 Puts issued in one event-loop turn travel in one request message.
        assertThat(first.calls).hasSize(40);
        assertThat(first.messages.get()).isEqualTo(1);
        assertThat(first.calls).allSatisfy(c -> assertThat(c.getTimeoutMillis()).isEqualTo(2_000));
        PipelinedCall c0 = first.calls.get(0);
        assertThat(c0.getPut().getKey().toStringUtf8()).isEqualTo("k0");
        assertThat(c0.getPut().getLease()).isEqualTo(5);
        assertThat(c0.getPut().getPrevKv()).isTrue();

        // Answers: the leader's revision, and the previous key-value in etcd's shape when asked for.
        PutResponse r0 = alice.get(0).get();
        assertThat(r0.getHeader().getRevision()).isEqualTo(1000 + c0.getId());
        assertThat(r0.getPrevKv().getKey().toStringUtf8()).isEqualTo("k0");
        assertThat(r0.getPrevKv().getValue().toStringUtf8()).isEqualTo("old");
        assertThat(r0.getPrevKv().getCreateRevision()).isEqualTo(3);
        assertThat(r0.getPrevKv().getModRevision()).isEqualTo(4);
        assertThat(r0.getPrevKv().getVersion()).isEqualTo(2);
        assertThat(r0.getPrevKv().getLease()).isEqualTo(5);
        assertThat(alice.get(1).get().hasPrevKv()).isFalse();
        await().atMost(WAIT).until(() -> streams.inFlight() == 0);
    }

    @Test
    void aFullQueueRefusesAPutBeforeSendingIt() throws Exception {
        FakeLeader a = leader(false);
        streams = new EtcdPutStreams(vertx, client, 5_000, 3);
        List<CompletableFuture<PutResponse>> puts = new ArrayList<>();
        onLoop(() -> {
                    for (int i = 0; i < 5; i++) {
                        puts.add(send(a, ALICE, put("k" + i, false)));
                    }
                    return Future.succeededFuture();
                })
                .get(10, TimeUnit.SECONDS);
        for (int i = 3; i < 5; i++) {
            assertEtcdError(puts.get(i), GrpcStatus.RESOURCE_EXHAUSTED, "etcdserver: too many requests");
        }
        await().atMost(WAIT).until(() -> a.callCount() == 3);
        assertThat(streams.inFlight()).isEqualTo(3);
        a.answerAll();
        for (int i = 0; i < 3; i++) {
            puts.get(i).get(10, TimeUnit.SECONDS);
        }
        assertThat(streams.inFlight()).isZero();
        CompletableFuture<PutResponse> again = onLoop(() -> toVertx(send(a, ALICE, put("k5", false))));
        await().atMost(WAIT).until(() -> a.callCount() == 4);
        a.answerAll();
        again.get(10, TimeUnit.SECONDS);
        assertThat(a.callCount())
                .as("the refused Puts never reached the leader")
                .isEqualTo(4);
    }

    @Test
    void aPutTheLeaderNeverAnswersFailsAtItsDeadline() {
        FakeLeader a = leader(false);
        streams = new EtcdPutStreams(vertx, client, 300, 10);
        CompletableFuture<PutResponse> put = onLoop(() -> toVertx(send(a, ALICE, put("k", false))));
        assertEtcdError(put, GrpcStatus.UNAVAILABLE, "etcdserver: request timed out");
        assertThat(a.streams.get(0).calls.get(0).getTimeoutMillis()).isEqualTo(300);
        assertThat(streams.inFlight()).isZero();
    }

    @Test
    void aLeaderChangeEndsTheOldStreamWhoseCallsAreStillAnsweredAndOpensOneToTheNewLeader() throws Exception {
        FakeLeader a = leader(false);
        FakeLeader b = leader(true);
        streams = new EtcdPutStreams(vertx, client, 5_000, 10);
        CompletableFuture<PutResponse> atA1 = onLoop(() -> toVertx(send(a, ALICE, put("a1", false))));
        CompletableFuture<PutResponse> atA2 = onLoop(() -> toVertx(send(a, ALICE, put("a2", false))));
        await().atMost(WAIT).until(() -> a.callCount() == 2);

        CompletableFuture<PutResponse> atB = onLoop(() -> toVertx(send(b, ALICE, put("b1", false))));
        atB.get(10, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> a.streams.get(0).clientEnded);
        assertThat(atA1).isNotDone();
        // The old leader answers what it had: one applied, one refused (it no longer leads: not proposed).
        a.answer(0, result -> result.setPut(okPut(a.streams.get(0).calls.get(0))));
        a.answer(
                1,
                result -> result.setError(CallError.newBuilder()
                        .setCode(GrpcStatus.FAILED_PRECONDITION.code)
                        .setReason(ErrorReason.NOT_LEADER.name())
                        .setMessage("not the leader")
                        .setLeaderId(2)
                        .setLeaderAddress("127.0.0.1:1")));
        assertThat(atA1.get(10, TimeUnit.SECONDS).getHeader().getRevision()).isGreaterThan(1000);
        ExecutionException refused = org.junit.jupiter.api.Assertions.assertThrows(
                ExecutionException.class, () -> atA2.get(10, TimeUnit.SECONDS));
        assertThat(refused.getCause()).isInstanceOf(EtcdPutStreams.NotSent.class);
        assertThat(EtcdForwarder.notProposed(refused.getCause())).isTrue();
        assertThat(b.streams).hasSize(1);
    }

    @Test
    void aStreamLostWithWrittenCallsFailsThemAsLeaderChangedAndAnUnreachableLeaderAsNotSent() throws Exception {
        FakeLeader a = leader(false);
        streams = new EtcdPutStreams(vertx, client, 5_000, 10);
        CompletableFuture<PutResponse> p1 = onLoop(() -> toVertx(send(a, ALICE, put("x", false))));
        CompletableFuture<PutResponse> p2 = onLoop(() -> toVertx(send(a, ALICE, put("y", false))));
        await().atMost(WAIT).until(() -> a.callCount() == 2);
        a.streams.get(0).request.connection().close();
        assertEtcdError(p1, GrpcStatus.UNAVAILABLE, "etcdserver: leader changed");
        assertEtcdError(p2, GrpcStatus.UNAVAILABLE, "etcdserver: leader changed");

        Endpoint nobody = new Endpoint("127.0.0.1", io.raftkv.testkit.FreePorts.allocate(1)[0]);
        CompletableFuture<PutResponse> lost = onLoop(() -> streams.put(7, nobody, ALICE, put("z", false)));
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                ExecutionException.class, () -> lost.get(10, TimeUnit.SECONDS));
        assertThat(e.getCause()).isInstanceOf(EtcdPutStreams.NotSent.class);
        assertThat(streams.inFlight()).isZero();
    }

    @Test
    void raftKvsErrorsBecomeEtcds() {
        assertThat(EtcdPutStreams.etcdError(RaftKvException.of(ErrorReason.LEASE_NOT_FOUND, "x")))
                .isSameAs(EtcdErrors.LEASE_NOT_FOUND);
        assertThat(EtcdPutStreams.etcdError(RaftKvException.of(ErrorReason.NO_SPACE, "x")))
                .isSameAs(EtcdErrors.NO_SPACE);
        assertThat(EtcdPutStreams.etcdError(RaftKvException.of(ErrorReason.CORRUPT, "x")))
                .isSameAs(EtcdErrors.CORRUPT);
        assertThat(EtcdPutStreams.etcdError(RaftKvException.of(ErrorReason.OVERLOADED, "x")))
                .isSameAs(EtcdErrors.TOO_MANY_REQUESTS);
        assertThat(EtcdPutStreams.etcdError(RaftKvException.of(ErrorReason.PROPOSAL_ABORTED, "x")))
                .isSameAs(EtcdErrors.LEADER_CHANGED);
        assertThat(EtcdPutStreams.etcdError(RaftKvException.of(GrpcStatus.UNAVAILABLE, "outcome unknown")))
                .isSameAs(EtcdErrors.LEADER_CHANGED);
        assertThat(EtcdPutStreams.etcdError(RaftKvException.of(GrpcStatus.DEADLINE_EXCEEDED, "x")))
                .isSameAs(EtcdErrors.TIMEOUT);
        assertThat(EtcdPutStreams.etcdError(RaftKvException.of(ErrorReason.NOT_LEADER, "x")))
                .isInstanceOf(EtcdPutStreams.NotSent.class);
        assertThat(EtcdPutStreams.etcdError(RaftKvException.of(ErrorReason.NO_LEADER, "x")))
                .isInstanceOf(EtcdPutStreams.NotSent.class);
        RuntimeException denied =
                EtcdPutStreams.etcdError(RaftKvException.of(GrpcStatus.PERMISSION_DENIED, "user 'a' lacks write"));
        assertThat(((RaftKvException) denied).status()).isEqualTo(GrpcStatus.PERMISSION_DENIED);
        assertThat(denied.getMessage()).isEqualTo("user 'a' lacks write");
    }

    // ------------------------------------------------------------------ helpers

    private static PutRequest put(String key, boolean prevKv) {
        return PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(key))
                .setValue(ByteString.copyFromUtf8("v-" + key))
                .setLease(5)
                .setPrevKv(prevKv)
                .build();
    }

    /** Sends on the current (event-loop) thread. */
    private CompletableFuture<PutResponse> send(FakeLeader to, EtcdForwarder.Origin origin, PutRequest r) {
        Future<PutResponse> f = streams.put(7, to.endpoint(), origin, r);
        assertThat(f).as("pipelined, not refused to the unary path").isNotNull();
        return f.toCompletionStage().toCompletableFuture();
    }

    private static <T> Future<T> toVertx(CompletableFuture<T> f) {
        return Future.fromCompletionStage(f);
    }

    private <T> CompletableFuture<T> onLoop(Supplier<Future<T>> body) {
        CompletableFuture<T> out = new CompletableFuture<>();
        loop.runOnContext(v -> body.get().onComplete(ar -> {
            if (ar.succeeded()) {
                out.complete(ar.result());
            } else {
                out.completeExceptionally(ar.cause());
            }
        }));
        return out;
    }

    private static void assertEtcdError(CompletableFuture<?> f, GrpcStatus status, String message) {
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        assertThat(e.getCause()).isInstanceOf(RaftKvException.class);
        assertThat(((RaftKvException) e.getCause()).status()).isEqualTo(status);
        assertThat(e.getCause().getMessage()).isEqualTo(message);
    }

    private static io.raftkv.api.v1.PutResponse okPut(PipelinedCall c) {
        io.raftkv.api.v1.PutResponse.Builder b = io.raftkv.api.v1.PutResponse.newBuilder()
                .setHeader(Header.newBuilder().setRevision(1000 + c.getId()).setMemberId(1));
        if (c.getPut().getPrevKv()) {
            b.setPrevKv(KeyValue.newBuilder()
                    .setKey(c.getPut().getKey())
                    .setValue(ByteString.copyFromUtf8("old"))
                    .setCreateRevision(3)
                    .setModRevision(4)
                    .setVersion(2)
                    .setLease(5));
        }
        return b.build();
    }

    private FakeLeader leader(boolean answerAtOnce) {
        FakeLeader l = new FakeLeader(answerAtOnce);
        GrpcServer grpc = GrpcServer.server(vertx);
        grpc.callHandler(KVGrpcService.Pipeline, l::accept);
        try {
            l.server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1"))
                    .requestHandler(grpc)
                    .listen(0)
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        leaders.add(l);
        return l;
    }

    /** A leader's {@code KV.Pipeline}: records streams and calls; answers at once or when told. */
    private static final class FakeLeader {
        final boolean answerAtOnce;
        final List<Stream> streams = new CopyOnWriteArrayList<>();
        HttpServer server;

        static final class Stream {
            final GrpcServerRequest<PipelineRequest, PipelineResponse> request;
            final MultiMap headers;
            final List<PipelinedCall> calls = new CopyOnWriteArrayList<>();
            final AtomicInteger messages = new AtomicInteger();
            volatile boolean clientEnded;
            int answered;

            Stream(GrpcServerRequest<PipelineRequest, PipelineResponse> request) {
                this.request = request;
                this.headers = MultiMap.caseInsensitiveMultiMap().addAll(request.headers());
            }
        }

        FakeLeader(boolean answerAtOnce) {
            this.answerAtOnce = answerAtOnce;
        }

        Endpoint endpoint() {
            return new Endpoint("127.0.0.1", server.actualPort());
        }

        void accept(GrpcServerRequest<PipelineRequest, PipelineResponse> request) {
            Stream s = new Stream(request);
            streams.add(s);
            request.handler(m -> {
                s.messages.incrementAndGet();
                s.calls.addAll(m.getCallsList());
                if (answerAtOnce) {
                    PipelineResponse.Builder out = PipelineResponse.newBuilder();
                    m.getCallsList()
                            .forEach(c -> out.addResults(PipelinedResult.newBuilder()
                                    .setId(c.getId())
                                    .setPut(okPut(c))));
                    request.response().write(out.build());
                }
            });
            request.endHandler(v -> s.clientEnded = true);
        }

        int callCount() {
            return streams.stream().mapToInt(s -> s.calls.size()).sum();
        }

        /** Answers call {@code index} of the first stream, as {@code fill} sets its result. */
        void answer(int index, java.util.function.Consumer<PipelinedResult.Builder> fill) {
            Stream s = streams.get(0);
            PipelinedCall c = s.calls.get(index);
            PipelinedResult.Builder r = PipelinedResult.newBuilder().setId(c.getId());
            fill.accept(r);
            s.request
                    .response()
                    .write(PipelineResponse.newBuilder().addResults(r).build());
        }

        /** Answers every call not answered by an earlier {@code answerAll}. */
        void answerAll() {
            for (Stream s : streams) {
                PipelineResponse.Builder out = PipelineResponse.newBuilder();
                List<PipelinedCall> all = List.copyOf(s.calls);
                all.subList(s.answered, all.size())
                        .forEach(c -> out.addResults(
                                PipelinedResult.newBuilder().setId(c.getId()).setPut(okPut(c))));
                s.answered = all.size();
                if (out.getResultsCount() > 0) {
                    s.request.response().write(out.build());
                }
            }
        }
    }
}
