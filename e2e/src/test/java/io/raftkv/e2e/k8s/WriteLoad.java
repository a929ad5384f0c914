package io.raftkv.e2e.k8s;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.raftkv.api.v1.KeyInterval;
import io.raftkv.api.v1.KeyValue;
import io.raftkv.api.v1.PutRequest;
import io.raftkv.api.v1.RangeRequest;
import io.raftkv.api.v1.RangeResponse;
import io.raftkv.api.v1.ReadConsistency;
import io.raftkv.api.v1.Session;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Continuous writes from {@code clients} threads, each with its own exactly-once session
 * ({@code client_id}, increasing {@code seq}): a write is retried with the same session until it
 * is acknowledged, so a retry after a lost answer is applied once. Keys are
 * {@code <run>/c<client>/<seq, 8 digits>}, values name the write.
 *
 * <p>Errors: UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, CANCELLED and
 * NOT_LEADER (FAILED_PRECONDITION with the leader's address, followed at once) are retried
 * and counted per code; anything else is an <em>unexpected</em> error and the write is given up,
 * as is a write not acknowledged within {@link #WRITE_BUDGET}. Between retries a client waits
 * {@value #RETRY_PAUSE_MS} ms (on the stop latch, so stopping is prompt).
 *
 * <p>{@link #verify} reads every key back with linearizable Range calls and reports
 * acknowledged writes that are missing or different: lost writes.
 */
final class WriteLoad implements AutoCloseable {

    static final Duration CALL_DEADLINE = Duration.ofSeconds(3);
    static final Duration WRITE_BUDGET = Duration.ofSeconds(90);
    static final long RETRY_PAUSE_MS = 100;

    /** What the load saw. {@code maxAckGapMs}: longest time without any acknowledgement. */
    record Result(
            long acknowledged,
            long unexpectedErrors,
            long abandoned,
            Map<Status.Code, Long> retriedByCode,
            long maxAckGapMs,
            List<String> unexpected) {
        long retried() {
            return retriedByCode.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private final NodeCalls calls;
    private final Supplier<List<String>> targets;
    private final UnaryOperator<String> hintToTarget;
    private final String run;
    private final long seed;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final List<Thread> threads = new ArrayList<>();
    /** key → value of every acknowledged write. */
    private final Map<String, String> acknowledged = new ConcurrentHashMap<>();

    private final Map<Status.Code, AtomicLong> retried = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
    private final AtomicLong abandoned = new AtomicLong();
    private final AtomicLong lastAckNanos = new AtomicLong();
    private final AtomicLong maxAckGapNanos = new AtomicLong();
    private volatile Set<Status.Code> alsoRetried = Set.of();
    private volatile Duration writeBudget = WRITE_BUDGET;

    /**
     * @param targets the client addresses to try (loopback), asked again on every failover
     * @param hintToTarget maps a leader hint (the pod's DNS name) to a dialable address
     */
    WriteLoad(
            NodeCalls calls,
            Supplier<List<String>> targets,
            UnaryOperator<String> hintToTarget,
            String run,
            long seed) {
        this.calls = calls;
        this.targets = targets;
        this.hintToTarget = hintToTarget;
        this.run = run;
        this.seed = seed;
    }

    /** Starts {@code clients} writer threads. */
    WriteLoad start(int clients) {
        lastAckNanos.set(System.nanoTime());
        // Session ids must differ between loads of one run: a node keeps each session's last seq.
        Random seeds = new Random(seed ^ ((long) run.hashCode() << 32));
        for (int c = 0; c < clients; c++) {
            int client = c;
            long clientId = 1 + (seeds.nextLong() >>> 1) % (Long.MAX_VALUE - 1);
            int firstTarget = seeds.nextInt(1 << 16);
            Thread t = new Thread(() -> write(client, clientId, firstTarget), "writer-" + c);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        return this;
    }

    /**
     * Before {@link #start}: {@code code} is retried too (e.g. DATA_LOSS while a CORRUPT alarm refuses
     * every write until the operator has replaced the member: the same session makes the retry safe),
     * and a write may take {@code budget} before it is abandoned.
     */
    WriteLoad alsoRetrying(Status.Code code, Duration budget) {
        alsoRetried = Set.of(code);
        writeBudget = budget;
        return this;
    }

    /** Whether the write of {@code key} was acknowledged. */
    boolean wasAcknowledged(String key) {
        return acknowledged.containsKey(key);
    }

    long acknowledgedSoFar() {
        return acknowledged.size();
    }

    /** Unexpected errors so far (a writer stops at its first). */
    List<String> unexpectedSoFar() {
        return List.copyOf(unexpected);
    }

    /** Stops the writers (each finishes or abandons its current write) and returns the tally. */
    Result stop() {
        stop.countDown();
        for (Thread t : threads) {
            try {
                t.join(writeBudget.toMillis() + 10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Map<Status.Code, Long> byCode = new EnumMap<>(Status.Code.class);
        retried.forEach((code, n) -> byCode.put(code, n.get()));
        return new Result(
                acknowledged.size(),
                unexpected.size(),
                abandoned.get(),
                byCode,
                TimeUnit.NANOSECONDS.toMillis(maxAckGapNanos.get()),
                List.copyOf(unexpected));
    }

    private void write(int client, long clientId, int firstTarget) {
        int targetIndex = firstTarget;
        String preferred = null;
        for (long seq = 1; stop.getCount() > 0; seq++) {
            String key = String.format("%s/c%d/%08d", run, client, seq);
            String value = "client " + client + " write " + seq;
            PutRequest request = PutRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8(key))
                    .setValue(ByteString.copyFromUtf8(value))
                    .setSession(Session.newBuilder().setClientId(clientId).setSeq(seq))
                    .build();
            long deadline = System.nanoTime() + writeBudget.toNanos();
            boolean done = false;
            while (!done) {
                if (System.nanoTime() - deadline > 0) {
                    abandoned.incrementAndGet();
                    unexpected.add(key + ": not acknowledged within " + writeBudget);
                    return;
                }
                if (preferred == null) {
                    List<String> all = targets.get();
                    if (all.isEmpty()) {
                        pause();
                        continue;
                    }
                    preferred = all.get(Math.floorMod(targetIndex++, all.size()));
                }
                try {
                    calls.put(preferred, request, CALL_DEADLINE);
                    acknowledged.put(key, value);
                    long now = System.nanoTime();
                    long previous = lastAckNanos.getAndSet(now);
                    maxAckGapNanos.accumulateAndGet(now - previous, Math::max);
                    done = true;
                } catch (StatusRuntimeException e) {
                    if (NodeCalls.notLeader(e)) {
                        retried.computeIfAbsent(Status.Code.FAILED_PRECONDITION, k -> new AtomicLong())
                                .incrementAndGet();
                        String hint = NodeCalls.leaderHint(e);
                        if (!hint.isEmpty()) {
                            preferred = hintToTarget.apply(hint);
                            continue;
                        }
                    } else if (!retryable(e.getStatus().getCode())
                            && !alsoRetried.contains(e.getStatus().getCode())) {
                        unexpected.add(key + " at " + preferred + ": " + e.getStatus());
                        return;
                    } else {
                        retried.computeIfAbsent(e.getStatus().getCode(), k -> new AtomicLong())
                                .incrementAndGet();
                    }
                    preferred = null;
                    pause();
                }
            }
        }
    }

    private void pause() {
        try {
            stop.await(RETRY_PAUSE_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static boolean retryable(Status.Code code) {
        return switch (code) {
            case UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, CANCELLED -> true;
            default -> false;
        };
    }

    /**
     * Reads back every key of this run through {@code target} (linearizable Range, pages of 1000)
     * and returns the acknowledged writes that are missing or hold another value.
     */
    List<String> verify(String target) {
        Map<String, String> stored = new ConcurrentHashMap<>();
        ByteString start = ByteString.copyFromUtf8(run + "/");
        ByteString end = ByteString.copyFromUtf8(run + "0"); // '0' follows '/'
        for (int page = 0; page < 10_000; page++) {
            RangeResponse r = calls.range(
                    target,
                    RangeRequest.newBuilder()
                            .setInterval(
                                    KeyInterval.newBuilder().setStart(start).setEnd(end))
                            .setLimit(1000)
                            .setConsistency(ReadConsistency.LINEARIZABLE)
                            .build(),
                    Duration.ofSeconds(10));
            for (KeyValue kv : r.getKvsList()) {
                stored.put(
                        kv.getKey().toString(StandardCharsets.UTF_8),
                        kv.getValue().toString(StandardCharsets.UTF_8));
            }
            if (!r.getMore() || r.getKvsCount() == 0) {
                break;
            }
            start = r.getKvs(r.getKvsCount() - 1).getKey().concat(ByteString.copyFrom(new byte[] {0}));
        }
        List<String> lost = new ArrayList<>();
        acknowledged.forEach((key, value) -> {
            if (!value.equals(stored.get(key))) {
                lost.add(key + ": acknowledged '" + value + "', stored '" + stored.get(key) + "'");
            }
        });
        return lost;
    }

    @Override
    public void close() {
        stop.countDown();
    }
}
