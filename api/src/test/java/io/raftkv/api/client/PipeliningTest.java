package io.raftkv.api.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.fake.FakeCluster;
import io.raftkv.api.fake.FakeNode;
import io.raftkv.api.v1.PutRequest;
import io.raftkv.api.v1.PutResponse;
import io.vertx.core.Future;
import io.vertx.grpc.common.GrpcStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How KV calls choose their transport: one pipeline stream per connection and node, carrying many
 * calls; unary calls for large requests, with pipelining off, and for a node without KV.Pipeline;
 * a stream that stops answering is replaced.
 */
class PipeliningTest {
    private FakeCluster cluster;
    private final List<RaftKvClient> clients = new ArrayList<>();

    @BeforeEach
    void startCluster() throws Exception {
        cluster = FakeCluster.start(1);
    }

    @AfterEach
    void stop() throws Exception {
        for (RaftKvClient c : clients) {
            c.close();
        }
        cluster.close();
    }

    private FakeNode node() {
        return cluster.node(1);
    }

    private RaftKvClient client(RaftKvClientBuilder b) {
        RaftKvClient c = b.build();
        clients.add(c);
        return c;
    }

    private RaftKvClientBuilder builder() {
        return RaftKvClient.builder()
                .endpoints(cluster.endpoints(node()))
                .random(() -> 0.0)
                .retryPolicy(new RetryPolicy(4, Duration.ofMillis(5), Duration.ofMillis(40), 0));
    }

    private static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void concurrentCallsShareOneStreamPerConnection() throws Exception {
        RaftKvClient c = client(builder().connections(1));
        List<Future<PutResponse>> puts = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            puts.add(c.put("k" + i, "v" + i));
        }
        await(Future.all(puts));

        assertThat(node().received("Put", PutRequest.class)).hasSize(200);
        assertThat(node().received()).allMatch(FakeNode.Received::pipelined);
        assertThat(node().pipelineStreamsOpened()).isEqualTo(1);
        assertThat(c.blocking().get("k199").getKv().getValue().toStringUtf8()).isEqualTo("v199");
    }

    @Test
    void aNodeWithoutPipelineGetsUnaryCallsWithinTheSameAttempt() {
        node().servePipeline(false);
        BlockingRaftKvClient kv =
                client(builder().retryPolicy(RetryPolicy.NONE)).blocking();

        kv.put("a", "1");
        kv.put("b", "2");

        assertThat(node().received("Put", PutRequest.class)).hasSize(2);
        assertThat(node().received()).noneMatch(FakeNode.Received::pipelined);
        assertThat(node().pipelineStreamsOpened()).isZero();
    }

    @Test
    void largeRequestsAreSentUnary() {
        BlockingRaftKvClient kv = client(builder()).blocking();
        String big = "x".repeat(io.raftkv.api.PipelineLimits.MAX_PIPELINED_REQUEST_BYTES + 1);

        kv.put("small", "1");
        kv.put(PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("big"))
                .setValue(ByteString.copyFromUtf8(big))
                .build());

        assertThat(node().received()).extracting(FakeNode.Received::pipelined).containsExactly(true, false);
        assertThat(cluster.store().peek("big").getValue().size()).isEqualTo(big.length());
    }

    @Test
    void withPipeliningOffEveryCallIsUnary() {
        BlockingRaftKvClient kv = client(builder().pipelining(false)).blocking();
        kv.put("a", "1");
        kv.get("a");
        assertThat(node().received()).hasSize(2).noneMatch(FakeNode.Received::pipelined);
        assertThat(node().pipelineStreamsOpened()).isZero();
    }

    @Test
    void aLostStreamRetriesSessionWritesAndAppliesThemOnce() {
        node().script("Put", new FakeNode.Reset(true));
        BlockingRaftKvClient kv = client(builder()).blocking();

        kv.put("k", "v");

        List<PutRequest> puts = node().received("Put", PutRequest.class);
        assertThat(puts).hasSize(2);
        assertThat(puts.get(1).getSession()).isEqualTo(puts.get(0).getSession());
        assertThat(node().pipelineStreamsOpened()).isEqualTo(2);
        assertThat(cluster.store().writesApplied()).isEqualTo(1);
    }

    @Test
    void aLostStreamLeavesAWriteWithoutSessionOutcomeUnknown() {
        node().script("Put", new FakeNode.Reset(true));
        BlockingRaftKvClient kv = client(builder().sessions(false)).blocking();

        assertThatThrownBy(() -> kv.put("k", "v")).isInstanceOfSatisfying(RaftKvException.class, e -> {
            assertThat(e.status()).isEqualTo(GrpcStatus.UNAVAILABLE);
            assertThat(e.isOutcomeUnknown()).isTrue();
        });
        assertThat(node().received("Put", PutRequest.class)).hasSize(1);
        assertThat(cluster.store().writesApplied()).isEqualTo(1);
    }

    @Test
    void aStreamThatAnswersNothingByACallsDeadlineIsReplaced() {
        node().script("Put", new FakeNode.Drop(true));
        BlockingRaftKvClient kv =
                client(builder().attemptTimeout(Duration.ofMillis(300))).blocking();

        kv.put("k", "v");

        // Two attempts, each on a fresh stream; on a loaded machine the second can miss its 300 ms
        // too (seen at load 23: three), and then a third goes on a third stream, applied once all the same.
        int attempts = node().received("Put", PutRequest.class).size();
        assertThat(attempts).isGreaterThanOrEqualTo(2);
        assertThat(node().pipelineStreamsOpened()).isEqualTo(attempts);
        assertThat(cluster.store().writesApplied()).isEqualTo(1);
    }
}
