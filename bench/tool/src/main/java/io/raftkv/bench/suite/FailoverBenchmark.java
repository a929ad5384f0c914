package io.raftkv.bench.suite;

import io.raftkv.bench.cluster.LocalCluster;
import io.raftkv.bench.load.Measurement;
import io.raftkv.bench.spi.Target;
import io.raftkv.bench.workload.Operation;
import io.raftkv.bench.workload.Workload;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Leader failover under load: {@code writers} closed-loop writers keep putting while, {@code rounds}
 * times, the leader is SIGKILLed. Each round measures the time from the kill to the first write
 * that was <em>issued after</em> the kill and succeeded — the outage a client sees, including its
 * client library's failover and retry behaviour. The killed member is restarted on its data and
 * the cluster must be healthy again (all members up, one agreed leader) before the next round.
 */
public final class FailoverBenchmark {
    static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(60);
    static final Duration SETTLE = Duration.ofSeconds(2);

    private final LocalCluster cluster;
    private final Target target;
    private final Workload workload;
    private final int writers;
    private final PrintStream out;

    private volatile boolean running = true;
    /** System.nanoTime() of the current round's kill; Long.MAX_VALUE between rounds. */
    private final AtomicLong killNanos = new AtomicLong(Long.MAX_VALUE);
    /** Completion time of the first write issued after the kill that succeeded; 0 until then. */
    private final AtomicLong firstSuccessNanos = new AtomicLong();

    private final AtomicLong inFlight = new AtomicLong();
    private final Map<String, Long> errors = new ConcurrentHashMap<>();
    private final ScheduledExecutorService retryTimer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "failover-retry");
        t.setDaemon(true);
        return t;
    });

    public FailoverBenchmark(LocalCluster cluster, Target target, Workload workload, int writers, PrintStream out) {
        if (writers < 1) {
            throw new IllegalArgumentException("writers must be ≥ 1, got " + writers);
        }
        if (!workload.spec().writes() || workload.spec().reads()) {
            throw new IllegalArgumentException("the failover workload must be write-only");
        }
        this.cluster = cluster;
        this.target = target;
        this.workload = workload;
        this.writers = writers;
        this.out = out;
    }

    /** Runs {@code rounds} kills; returns the report (also as JSON via {@link Report#toJson()}). */
    public Report run(int rounds) {
        String startedAt = Instant.now().toString();
        String server = cluster.serverVersion();
        for (int i = 0; i < writers; i++) {
            writeLoop(workload.newStream());
        }
        List<Double> outageMs = new ArrayList<>();
        try {
            pause(SETTLE);
            for (int round = 1; round <= rounds; round++) {
                int leader = cluster.awaitLeader(RECOVERY_TIMEOUT);
                firstSuccessNanos.set(0);
                long killAt = System.nanoTime();
                killNanos.set(killAt);
                cluster.kill(leader);
                long deadline = killAt + RECOVERY_TIMEOUT.toNanos();
                while (firstSuccessNanos.get() == 0 && System.nanoTime() - deadline < 0) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                }
                long first = firstSuccessNanos.get();
                killNanos.set(Long.MAX_VALUE);
                if (first == 0) {
                    throw new IllegalStateException("no write succeeded within " + RECOVERY_TIMEOUT
                            + " of killing the leader (round " + round + "); errors " + new TreeMap<>(errors));
                }
                double ms = (first - killAt) / 1e6;
                outageMs.add(ms);
                out.printf(
                        Locale.ROOT,
                        "%s failover round %2d/%d: killed member %d (pid %d), first write after %.1f ms%n",
                        cluster.system(),
                        round,
                        rounds,
                        leader,
                        cluster.pid(leader),
                        ms);
                cluster.restart(leader);
                cluster.awaitHealthy(RECOVERY_TIMEOUT);
                pause(SETTLE);
            }
        } finally {
            running = false;
            // Let the writes in flight end before the caller closes the target under them.
            long drainDeadline = System.nanoTime() + RECOVERY_TIMEOUT.toNanos();
            while (inFlight.get() > 0 && System.nanoTime() - drainDeadline < 0) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
            retryTimer.shutdownNow();
        }
        return new Report(
                cluster.system(), server, target.describe(), startedAt, writers, outageMs, new TreeMap<>(errors));
    }

    private void writeLoop(Workload.Stream ops) {
        if (!running) {
            return;
        }
        Operation op = ops.next();
        long start = System.nanoTime();
        inFlight.incrementAndGet();
        java.util.concurrent.CompletionStage<Void> call;
        try {
            call = target.put(op.key(), workload.value());
        } catch (RuntimeException e) {
            call = java.util.concurrent.CompletableFuture.failedFuture(e);
        }
        call.whenComplete((v, e) -> {
            inFlight.decrementAndGet();
            long end = System.nanoTime();
            if (e == null) {
                if (start - killNanos.get() >= 0) {
                    firstSuccessNanos.compareAndSet(0, end);
                }
            } else {
                errors.merge(Measurement.codeOf(e), 1L, Long::sum);
                // A failed call (e.g. connection refused) can fail at once: retry after a millisecond
                // from the timer thread, never by pausing the client's (event-loop) thread.
                if (running) {
                    retryTimer.schedule(() -> writeLoop(ops), 1, TimeUnit.MILLISECONDS);
                }
                return;
            }
            writeLoop(ops);
        });
    }

    private static void pause(Duration d) {
        LockSupport.parkNanos(d.toNanos());
    }

    /** The outcome of a failover run. */
    public record Report(
            String system,
            String server,
            String target,
            String startedAt,
            int writers,
            List<Double> outageMs,
            Map<String, Long> errors) {
        public Report {
            outageMs = List.copyOf(outageMs);
        }

        public double p50Ms() {
            return percentile(0.5);
        }

        public double maxMs() {
            return outageMs.isEmpty() ? 0 : Collections.max(outageMs);
        }

        /** Nearest-rank percentile of the outages. */
        double percentile(double q) {
            if (outageMs.isEmpty()) {
                return 0;
            }
            List<Double> sorted = new ArrayList<>(outageMs);
            Collections.sort(sorted);
            int rank = (int) Math.ceil(q * sorted.size());
            return sorted.get(Math.max(0, rank - 1));
        }

        public String summary() {
            return String.format(
                    Locale.ROOT,
                    "%s (%s): %d leader kills, first successful write after p50 %.1f ms, max %.1f ms"
                            + " (errors during the run: %s)",
                    system,
                    server,
                    outageMs.size(),
                    p50Ms(),
                    maxMs(),
                    errors);
        }

        public JsonObject toJson() {
            JsonArray a = new JsonArray();
            outageMs.forEach(v -> a.add(Math.round(v * 10) / 10.0));
            return new JsonObject()
                    .put("system", system)
                    .put("server", server)
                    .put("target", target)
                    .put("startedAt", startedAt)
                    .put("machine", Machine.describe())
                    .put("writers", writers)
                    .put("outageMs", a)
                    .put("p50Ms", Math.round(p50Ms() * 10) / 10.0)
                    .put("maxMs", Math.round(maxMs() * 10) / 10.0)
                    .put("errors", new JsonObject(new TreeMap<String, Object>(errors)));
        }
    }
}
