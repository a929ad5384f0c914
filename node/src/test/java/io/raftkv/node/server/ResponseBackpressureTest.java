package io.raftkv.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import io.raftkv.api.v1.GetRequest;
import io.raftkv.api.v1.KVGrpcClient;
import io.raftkv.api.v1.PipelineRequest;
import io.raftkv.api.v1.PipelineResponse;
import io.raftkv.api.v1.PipelinedCall;
import io.raftkv.api.v1.PipelinedResult;
import io.raftkv.api.v1.PutRequest;
import io.raftkv.api.v1.ReadConsistency;
import io.raftkv.node.kv.ApplyResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A client that sends calls and does not read the answers: the node stops taking its calls once
 * its connection's unread responses reach {@link ResponseLimits#maxConnectionBytes()}, holds their
 * in-flight slots until they are written, and serves the rest once the client reads again.
 */
class ResponseBackpressureTest {
    private static final int VALUE_BYTES = 256 * 1024;
    private static final long CONNECTION_BUDGET = 1024 * 1024;
    private static final Duration HOLD = Duration.ofMillis(700);

    private ClientServerFixture f;

    @AfterEach
    void stop() {
        if (f != null) {
            f.close();
        }
    }

    private void startWithBigValue() {
        f = new ClientServerFixture(
                ServerLimits.defaults().withResponses(new ResponseLimits(CONNECTION_BUDGET, 64L * 1024 * 1024, 1_000)));
        f.reader.put("big", "v".repeat(VALUE_BYTES), 7);
    }

    /**
     * A raw HTTP/2 gRPC call whose response is paused from its first byte: nothing is read, so no
     * flow-control window goes back to the server. (The gRPC client would buffer a few messages
     * before it stopped reading.)
     */
    private record RawCall(HttpClientRequest request, Future<HttpClientResponse> response) {
        void send(MessageLite message) {
            request.write(frame(message));
        }

        /** Resumes reading; completes with the gRPC messages once the call ends OK. */
        Future<List<byte[]>> readAll() {
            Promise<List<byte[]>> done = Promise.promise();
            response.onSuccess(r -> {
                Buffer all = Buffer.buffer();
                r.handler(all::appendBuffer);
                r.endHandler(v -> {
                    if (!"0".equals(r.getTrailer("grpc-status"))) {
                        done.tryFail(
                                "grpc-status " + r.getTrailer("grpc-status") + ": " + r.getTrailer("grpc-message"));
                        return;
                    }
                    List<byte[]> messages = new ArrayList<>();
                    for (int at = 0; at < all.length(); ) {
                        int len = all.getInt(at + 1);
                        messages.add(all.getBytes(at + 5, at + 5 + len));
                        at += 5 + len;
                    }
                    done.tryComplete(messages);
                });
                r.exceptionHandler(done::tryFail);
                r.resume();
            });
            return done.future();
        }
    }

    private RawCall open(HttpClient http, String method) {
        HttpClientRequest req = ClientServerFixture.await(http.request(new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setHost("127.0.0.1")
                .setPort(f.server.port())
                .setURI("/" + method)));
        req.putHeader("content-type", "application/grpc")
                .putHeader("te", "trailers")
                .setChunked(true);
        Future<HttpClientResponse> resp = req.response().map(r -> {
            r.pause();
            return r;
        });
        ClientServerFixture.await(req.sendHead());
        return new RawCall(req, resp);
    }

    private HttpClient http2() {
        return f.vertx.createHttpClient(
                new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
    }

    private static Buffer frame(MessageLite message) {
        byte[] bytes = message.toByteArray();
        return Buffer.buffer().appendByte((byte) 0).appendInt(bytes.length).appendBytes(bytes);
    }

    private static PipelinedCall.Builder get(long id) {
        return PipelinedCall.newBuilder()
                .setId(id)
                .setGet(GetRequest.newBuilder()
                        .setKey(ByteString.copyFromUtf8("big"))
                        .setConsistency(ReadConsistency.SERIALIZABLE));
    }

    @Test
    void aPipelineWhoseClientDoesNotReadStopsBeingServedAndResumesOnDrain() throws Exception {
        startWithBigValue();
        RawCall call = open(http2(), KVGrpcClient.Pipeline.fullMethodName());
        int calls = 400; // 100 MiB of answers if all were served at once
        for (int m = 0; m < calls / 10; m++) {
            PipelineRequest.Builder b = PipelineRequest.newBuilder();
            for (int i = 0; i < 10; i++) {
                b.addCalls(get(m * 10L + i));
            }
            call.send(b.build());
        }

        // What the node serves before it stops: its budget, plus a message of calls taken at once.
        long bound = CONNECTION_BUDGET + 10L * (VALUE_BYTES + 1024);
        Awaitility.await()
                .atMost(ClientServerFixture.WAIT)
                .until(() -> f.server.unwrittenResponseBytes() >= CONNECTION_BUDGET);
        Awaitility.await()
                .during(HOLD)
                .atMost(HOLD.multipliedBy(3))
                .until(
                        () -> f.server.unwrittenResponseBytes() + " bytes, " + f.reader.gets.get() + " gets",
                        x -> f.server.unwrittenResponseBytes() <= bound && f.reader.gets.get() <= 20);

        Future<List<byte[]>> read = call.readAll();
        call.request().end();
        Map<Long, PipelinedResult> results = new HashMap<>();
        for (byte[] m : ClientServerFixture.await(read)) {
            PipelineResponse.parseFrom(m).getResultsList().forEach(r -> results.put(r.getId(), r));
        }
        assertThat(results).hasSize(calls);
        long served = results.values().stream().filter(PipelinedResult::hasGet).count();
        // The calls read in one burst were all admitted before the first answer landed; the reads
        // beyond the budget were refused, each on its own, and the rest served.
        assertThat(served).as("calls answered with the value").isGreaterThanOrEqualTo(CONNECTION_BUDGET / VALUE_BYTES);
        results.values().stream().filter(PipelinedResult::hasError).forEach(r -> {
            assertThat(r.getError().getReason()).isEqualTo("OVERLOADED");
            assertThat(r.getError().getMessage()).contains("--max-connection-response-bytes");
        });
        Awaitility.await()
                .atMost(ClientServerFixture.WAIT)
                .until(() -> f.server.inFlightCalls() == 0 && f.server.unwrittenResponseBytes() == 0);
    }

    @Test
    void aUnaryCallKeepsItsSlotUntilItsAnswerIsWritten() {
        startWithBigValue();
        HttpClient http = http2();
        List<RawCall> unread = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            RawCall call = open(http, KVGrpcClient.Get.fullMethodName());
            call.send(get(0).getGet());
            call.request().end();
            unread.add(call);
        }
        Awaitility.await().atMost(ClientServerFixture.WAIT).until(() -> f.reader.gets.get() == 3);
        Awaitility.await()
                .during(HOLD)
                .atMost(HOLD.multipliedBy(3))
                .until(() -> f.server.inFlightCalls() + " in flight", x -> f.server.inFlightCalls() == 3);

        // All at once: this client returns connection-level window only for data it has consumed.
        List<Future<List<byte[]>>> reads = unread.stream().map(RawCall::readAll).toList();
        for (Future<List<byte[]>> read : reads) {
            List<byte[]> messages = ClientServerFixture.await(read);
            assertThat(messages).hasSize(1);
            assertThat(messages.get(0).length).isGreaterThan(VALUE_BYTES);
        }
        Awaitility.await()
                .atMost(ClientServerFixture.WAIT)
                .until(() -> f.server.inFlightCalls() == 0 && f.server.unwrittenResponseBytes() == 0);
    }

    @Test
    void refusedCallsDoNotPileUpForAClientThatDoesNotRead() {
        f = new ClientServerFixture(ServerLimits.defaults()
                .withMaxInFlightCalls(1)
                .withResponses(new ResponseLimits(64 * 1024, 64L * 1024 * 1024, 1_000)));
        Promise<ApplyResult> never = Promise.promise();
        f.node.onPropose = c -> never.future();
        RawCall call = open(http2(), KVGrpcClient.Pipeline.fullMethodName());
        // 200,000 puts refused OVERLOADED (one slot, held by a write that never commits): about
        // 20 MB of refusals if the node wrote them all for a client that does not read.
        ByteString key = ByteString.copyFromUtf8("k");
        for (int m = 0; m < 200; m++) {
            PipelineRequest.Builder b = PipelineRequest.newBuilder();
            for (int i = 0; i < 1_000; i++) {
                b.addCalls(PipelinedCall.newBuilder()
                        .setId(m * 1_000L + i)
                        .setPut(PutRequest.newBuilder().setKey(key).setValue(key)));
            }
            call.send(b.build());
        }
        Awaitility.await().atMost(ClientServerFixture.WAIT).until(() -> f.server.unwrittenResponseBytes() > 0);
        Awaitility.await()
                .during(HOLD)
                .atMost(HOLD.multipliedBy(3))
                .until(() -> f.server.unwrittenResponseBytes(), bytes -> bytes <= 2L * 1024 * 1024);
    }

    /**
     * Writes whose answers carry stored data ({@code prev_kv}) are charged before they are built:
     * a client that pipelines them and does not read gets its surplus refused OVERLOADED before
     * anything is proposed, instead of making the node hold every previous value.
     */
    @Test
    void prevKvAnswersAreChargedBeforeTheyAreBuilt() throws Exception {
        startWithBigValue();
        io.raftkv.node.kv.KeyValue previous = new io.raftkv.node.kv.KeyValue(
                "big".getBytes(java.nio.charset.StandardCharsets.UTF_8), new byte[VALUE_BYTES], 1, 1, 1);
        f.node.onPropose = c -> Future.succeededFuture(new ApplyResult(
                f.node.nextIndex.getAndIncrement(),
                1,
                ApplyResult.Status.APPLIED,
                false,
                previous,
                previous,
                List.of(),
                null));
        RawCall call = open(http2(), KVGrpcClient.Pipeline.fullMethodName());
        int calls = 400; // 100 MiB of previous values if every put were proposed and answered
        for (int m = 0; m < calls / 10; m++) {
            PipelineRequest.Builder b = PipelineRequest.newBuilder();
            for (int i = 0; i < 10; i++) {
                b.addCalls(PipelinedCall.newBuilder()
                        .setId(m * 10L + i)
                        .setPut(PutRequest.newBuilder()
                                .setKey(ByteString.copyFromUtf8("big"))
                                .setValue(ByteString.copyFromUtf8("v"))
                                .setPrevKv(true)));
            }
            call.send(b.build());
        }
        Awaitility.await()
                .atMost(ClientServerFixture.WAIT)
                .until(() -> f.server.unwrittenResponseBytes() >= CONNECTION_BUDGET);
        // The budget, plus one reservation of the largest value (1 MiB) while the last one is built.
        long bound = CONNECTION_BUDGET + ServerLimits.defaults().maxValueBytes() + 2L * VALUE_BYTES;
        Awaitility.await()
                .during(HOLD)
                .atMost(HOLD.multipliedBy(3))
                .until(
                        () -> f.server.unwrittenResponseBytes() + " bytes, " + f.node.proposed.size() + " proposed",
                        x -> f.server.unwrittenResponseBytes() <= bound && f.node.proposed.size() <= 20);

        Future<List<byte[]>> read = call.readAll();
        call.request().end();
        Map<Long, PipelinedResult> results = new HashMap<>();
        for (byte[] m : ClientServerFixture.await(read)) {
            PipelineResponse.parseFrom(m).getResultsList().forEach(r -> results.put(r.getId(), r));
        }
        assertThat(results).hasSize(calls);
        long answered = results.values().stream()
                .filter(r -> r.hasPut() && r.getPut().getPrevKv().getValue().size() == VALUE_BYTES)
                .count();
        assertThat(answered).as("puts answered with their previous value").isEqualTo(f.node.proposed.size());
        results.values().stream().filter(PipelinedResult::hasError).forEach(r -> {
            assertThat(r.getError().getReason()).isEqualTo("OVERLOADED");
            assertThat(r.getError().getMessage()).contains("--max-connection-response-bytes");
        });
        assertThat(answered
                        + results.values().stream()
                                .filter(PipelinedResult::hasError)
                                .count())
                .isEqualTo(calls);
        Awaitility.await()
                .atMost(ClientServerFixture.WAIT)
                .until(() -> f.server.inFlightCalls() == 0 && f.server.unwrittenResponseBytes() == 0);
    }
}
