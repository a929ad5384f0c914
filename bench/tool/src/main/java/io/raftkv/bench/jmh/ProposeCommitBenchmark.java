package io.raftkv.bench.jmh;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The consensus core's hot path in memory: the leader of a 3-member group proposes {@code batch}
 * entries of {@code payloadBytes}, then the group runs the Ready loop until they are committed and
 * applied everywhere. The score is batches per second; entries per second = score × batch. Compare
 * it with the node's throughput to see how much of a write's cost is consensus logic versus I/O.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ProposeCommitBenchmark {
    @Param({"1", "16", "256"})
    public int batch;

    @Param({"256"})
    public int payloadBytes;

    private InMemoryRaftGroup group;
    private byte[] payload;

    @Setup(Level.Trial)
    public void setUp() {
        group = InMemoryRaftGroup.withLeader(3);
        payload = new byte[payloadBytes];
        Arrays.fill(payload, (byte) 'v');
    }

    @Benchmark
    public long proposeAndCommit() {
        long last = 0;
        for (int i = 0; i < batch; i++) {
            last = group.leader().propose(payload);
        }
        group.stabilize();
        if (group.leaderApplied() < last) {
            throw new IllegalStateException(
                    "entry " + last + " not applied after stabilize (applied " + group.leaderApplied() + ")");
        }
        return last;
    }
}
