package io.raftkv.node.storage.bench;

import io.raftkv.node.storage.NodeStorage;
import io.raftkv.node.storage.RaftLogStorage;
import io.raftkv.node.storage.StorageOptions;
import io.raftkv.node.storage.WriterStats;
import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.HardState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Appended Raft log entries per second through the group-commit writer, for Readys of 1, 16 and
 * 256 entries of 256 B. Two shapes:
 * <ul>
 *   <li>{@code oneAtATime}: each persist waits for its own fsync (a driver with one Ready in flight):
 *       exactly one fsync per Ready;</li>
 *   <li>{@code pipelined}: up to {@value #IN_FLIGHT} persists in flight, so Readys that arrive during
 *       an fsync share the next one (group commit).</li>
 * </ul>
 * The primary score is Readys/s; the {@code :entries} secondary score is entries/s. At the end of each trial the writer's statistics (fsyncs, entries per
 * fsync, fsync latency) are printed. Run with {@code make bench-storage}; not part of CI. The data
 * directory is {@code -Dbench.dir} (default: the system temp dir), i.e. the disk being measured.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class LogAppendBenchmark {
    static final int ENTRY_BYTES = 256;
    static final int IN_FLIGHT = 8;

    @Param({"1", "16", "256"})
    int entriesPerReady;

    private Path dir;
    private NodeStorage storage;
    private RaftLogStorage log;
    private final ArrayDeque<CompletableFuture<Void>> inFlight = new ArrayDeque<>();
    private byte[] payload;

    @Setup(Level.Trial)
    public void open() throws IOException {
        Path base = Path.of(System.getProperty("bench.dir", System.getProperty("java.io.tmpdir")));
        dir = Files.createTempDirectory(Files.createDirectories(base), "raftkv-bench-");
        storage = NodeStorage.open(dir, StorageOptions.defaults());
        log = storage.raftLog();
        log.bootstrap(ConfState.ofVoters(1L));
        payload = new byte[ENTRY_BYTES];
        new java.util.Random(1).nextBytes(payload);
    }

    private CompletableFuture<Void> appendOneReady() {
        long first = log.lastIndex() + 1;
        List<Entry> es = new ArrayList<>(entriesPerReady);
        for (int i = 0; i < entriesPerReady; i++) {
            es.add(new Entry(1, first + i, EntryType.NORMAL, payload));
        }
        return log.persist(new HardState(1, 1, first - 1), es, null);
    }

    @Benchmark
    public void oneAtATime(Appended counter) {
        appendOneReady().join();
        counter.entries += entriesPerReady;
    }

    @Benchmark
    public void pipelined(Appended counter) {
        inFlight.add(appendOneReady());
        if (inFlight.size() >= IN_FLIGHT) {
            inFlight.poll().join();
        }
        counter.entries += entriesPerReady;
    }

    /** JMH reports this counter as {@code <benchmark>:entries} in entries/s (the primary score is Readys/s). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Appended {
        public long entries;

        @Setup(Level.Iteration)
        public void reset() {
            entries = 0;
        }
    }

    @TearDown(Level.Trial)
    public void close(BenchmarkParams params) throws IOException {
        while (!inFlight.isEmpty()) {
            inFlight.poll().join();
        }
        WriterStats s = log.stats();
        System.out.printf(
                "%n[%s entriesPerReady=%d] fsyncs=%d entries=%d entries/fsync=%.1f readys/fsync=%.2f"
                        + " fsync p50=%dus p99=%dus max=%dus bytes=%d%n",
                params.getBenchmark().replaceAll(".*\\.", ""),
                entriesPerReady,
                s.fsyncs(),
                s.entries(),
                s.entriesPerFsync(),
                s.requestsPerFsync(),
                s.fsyncP50Micros(),
                s.fsyncP99Micros(),
                s.fsyncMaxMicros(),
                s.bytes());
        storage.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
