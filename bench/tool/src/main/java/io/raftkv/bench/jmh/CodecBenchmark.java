package io.raftkv.bench.jmh;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.raftkv.api.peer.v1.Entry;
import io.raftkv.api.peer.v1.MessageBatch;
import io.raftkv.api.peer.v1.MessageType;
import io.raftkv.api.peer.v1.RaftMessage;
import io.raftkv.api.v1.PutRequest;
import io.raftkv.api.v1.Session;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The wire codecs on the write path: a client's PutRequest (8-byte key, 256-byte value, session)
 * and a peer AppendEntries batch ({@code entries} entries, each carrying such a request), encoded
 * to bytes and decoded back. Scores are operations per second.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class CodecBenchmark {
    /** The request a client sends for one put. */
    @State(Scope.Thread)
    public static class Put {
        PutRequest request;
        byte[] bytes;

        @Setup
        public void setUp() {
            request = putRequest();
            bytes = request.toByteArray();
        }
    }

    /** One AppendEntries message carrying {@code entries} such puts, as a peer batch. */
    @State(Scope.Thread)
    public static class AppendBatch {
        @Param({"1", "64"})
        public int entries;

        MessageBatch batch;
        byte[] bytes;

        @Setup
        public void setUp() {
            RaftMessage.Builder app = RaftMessage.newBuilder()
                    .setType(MessageType.APP)
                    .setFrom(1)
                    .setTo(2)
                    .setTerm(7)
                    .setLogTerm(7)
                    .setIndex(1_000_000)
                    .setCommit(999_990);
            ByteString data = putRequest().toByteString();
            for (int i = 0; i < entries; i++) {
                app.addEntries(
                        Entry.newBuilder().setTerm(7).setIndex(1_000_001 + i).setData(data));
            }
            batch = MessageBatch.newBuilder()
                    .setClusterId(99)
                    .setFrom(1)
                    .setTo(2)
                    .addMessages(app)
                    .build();
            bytes = batch.toByteArray();
        }
    }

    static PutRequest putRequest() {
        byte[] value = new byte[256];
        Arrays.fill(value, (byte) 'v');
        return PutRequest.newBuilder()
                .setKey(ByteString.copyFrom(new byte[] {0, 0, 0, 0, 0, 0, 0x12, 0x34}))
                .setValue(ByteString.copyFrom(value))
                .setSession(Session.newBuilder().setClientId(0x1234_5678_9abcL).setSeq(42))
                .build();
    }

    @Benchmark
    public byte[] encodePut(Put s) {
        return s.request.toByteArray();
    }

    @Benchmark
    public PutRequest decodePut(Put s) throws InvalidProtocolBufferException {
        return PutRequest.parseFrom(s.bytes);
    }

    @Benchmark
    public byte[] encodeAppendBatch(AppendBatch s) {
        return s.batch.toByteArray();
    }

    @Benchmark
    public MessageBatch decodeAppendBatch(AppendBatch s) throws InvalidProtocolBufferException {
        return MessageBatch.parseFrom(s.bytes);
    }
}
