package io.raftkv.node.it;

import io.raftkv.api.RaftKvException;
import io.raftkv.api.client.Endpoint;
import io.raftkv.api.client.RaftKvClient;
import io.raftkv.api.client.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Figures for the closing note of issue 4, measured on real processes (not assertions on time):
 * <ul>
 *   <li><b>failover</b>: SIGKILL the leader, then write in a loop through a client that knows every
 *       node; the figure is the time from the kill to the first acknowledged write, over N trials
 *       (the killed node is restarted and caught up between trials);</li>
 *   <li><b>throughput</b>: C concurrent writers (asynchronous puts, C in flight) for D seconds
 *       against 3 nodes; ops/s and latency percentiles of acknowledged puts.</li>
 * </ul>
 * Run with {@code make figures} (or {@code mvn -pl node test -Dtest=ClusterFiguresTest -Draftkv.figures=true}).
 */
final class ClusterFigures {
    private ClusterFigures() {}

    /** Milliseconds from SIGKILL of the leader to the first acknowledged write, one per trial. */
    static long[] failoverMillis(LocalCluster cluster, int trials) throws Exception {
        long[] out = new long[trials];
        for (int t = 0; t < trials; t++) {
            NodeProcess leader = cluster.awaitLeader();
            try (RaftKvClient client = RaftKvClient.builder()
                    .endpoints(cluster.nodes().stream()
                            .map(n -> new Endpoint("127.0.0.1", n.clientPort))
                            .toList())
                    .deadline(Duration.ofMillis(1_000))
                    .attemptTimeout(Duration.ofMillis(300))
                    .retryPolicy(RetryPolicy.DEFAULT)
                    .build()) {
                client.blocking().put("failover-warmup", "t" + t);
                long killedAt = System.nanoTime();
                leader.kill();
                long deadline = killedAt + TimeUnit.SECONDS.toNanos(60);
                long ackAt = 0;
                while (ackAt == 0) {
                    if (System.nanoTime() - deadline > 0) {
                        throw new IllegalStateException("no write acknowledged within 60 s of killing " + leader);
                    }
                    try {
                        client.blocking().put("failover-" + t, "after-kill");
                        ackAt = System.nanoTime();
                    } catch (RaftKvException e) {
                        // no leader yet (or the write's outcome is unknown): the loop writes again
                    }
                }
                out[t] = TimeUnit.NANOSECONDS.toMillis(ackAt - killedAt);
                System.out.printf(
                        Locale.ROOT,
                        "failover trial %d: leader %d killed, first write acknowledged after" + " %d ms%n",
                        t + 1,
                        leader.id,
                        out[t]);
            }
            leader.start();
            NodeProcess newLeader = cluster.awaitLeader();
            cluster.awaitApplied(leader, cluster.status(newLeader).orElseThrow().getAppliedIndex());
        }
        return out;
    }

    /** Result of a throughput run. */
    record Throughput(long ops, long errors, double seconds, long p50Micros, long p99Micros, long maxMicros) {
        double opsPerSecond() {
            return ops / seconds;
        }
    }

    /** {@code concurrency} puts in flight for {@code duration}, values of {@code valueBytes}. */
    static Throughput throughput(LocalCluster cluster, int concurrency, Duration duration, int valueBytes)
            throws Exception {
        String value = "x".repeat(valueBytes);
        try (RaftKvClient client = RaftKvClient.builder()
                .endpoints(cluster.nodes().stream()
                        .map(n -> new Endpoint("127.0.0.1", n.clientPort))
                        .toList())
                .deadline(Duration.ofSeconds(10))
                .connections(4)
                .build()) {
            client.blocking().put("throughput-warmup", value);
            ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
            LongAdder errors = new LongAdder();
            AtomicLong seq = new AtomicLong();
            long start = System.nanoTime();
            long end = start + duration.toNanos();
            List<CompletableFuture<Void>> writers = new ArrayList<>();
            for (int w = 0; w < concurrency; w++) {
                CompletableFuture<Void> done = new CompletableFuture<>();
                writers.add(done);
                writeUntil(client, end, value, seq, latencies, errors, done);
            }
            CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new))
                    .get(duration.toSeconds() + 60, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - start) / 1e9;
            long[] sorted =
                    latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            return new Throughput(
                    sorted.length,
                    errors.sum(),
                    seconds,
                    percentile(sorted, 0.50),
                    percentile(sorted, 0.99),
                    sorted.length == 0 ? 0 : sorted[sorted.length - 1]);
        }
    }

    /** One writer: the next put starts when the previous one ends, until {@code endNanos}. */
    private static void writeUntil(
            RaftKvClient client,
            long endNanos,
            String value,
            AtomicLong seq,
            ConcurrentLinkedQueue<Long> latencies,
            LongAdder errors,
            CompletableFuture<Void> done) {
        if (System.nanoTime() - endNanos >= 0) {
            done.complete(null);
            return;
        }
        long started = System.nanoTime();
        client.put("bench-" + (seq.incrementAndGet() % 10_000), value).onComplete(ar -> {
            if (ar.succeeded()) {
                latencies.add((System.nanoTime() - started) / 1_000);
            } else {
                errors.increment();
            }
            writeUntil(client, endNanos, value, seq, latencies, errors, done);
        });
    }

    static long percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    static String summarizeFailover(long[] millis) {
        long[] sorted = millis.clone();
        Arrays.sort(sorted);
        return String.format(
                Locale.ROOT,
                "failover over %d trials: p50 %d ms, max %d ms, all %s",
                sorted.length,
                percentile(sorted, 0.50),
                sorted[sorted.length - 1],
                Arrays.toString(millis));
    }
}
