package io.raftkv.chaos.workload;

import io.raftkv.api.client.ClientCredentials;
import io.raftkv.api.client.Endpoint;
import io.raftkv.api.client.RaftKvClient;
import io.raftkv.api.client.RetryPolicy;
import io.raftkv.api.recipes.LeaseSession;
import io.raftkv.api.recipes.Lock;
import io.vertx.core.Vertx;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Lock users for a chaos run: each of {@code users} threads repeatedly opens a lease session
 * (TTL {@link #TTL_SECONDS} s), takes the lock {@code chaos-lock/} with the {@link Lock} recipe,
 * holds it for a few milliseconds, and releases it. Every hold is recorded in {@code locks.jsonl}
 * as {@code {"who","token","start","end"}} on the history's clock, where {@code end} is when the
 * holder could last be sure it held the lock: the release, or — if its lease could no longer be
 * relied on by then — the moment its lease was certainly alive until ({@link LeaseSession#aliveUntilNanos()}).
 * Every {@link #ABANDON_EVERY}th acquisition of a user is abandoned (no renewal, no release, like a
 * holder that crashed): its section ends when its lease was last certainly alive, and the lock must
 * be taken again after the lease expired. The last line, {@code {"stopped":t}}, is when the users stopped.
 * {@code io.raftkv.chaos.run.LockChecker} then checks that no two such critical sections overlap.
 *
 * <p>Faults make acquisitions fail (timeouts, lost leases, unreachable nodes): those are counted,
 * never recorded as holds, and the user starts over with a new session.
 */
public final class LockUsers implements AutoCloseable {
    /** Lease TTL of each session: short, so a holder cut off by a fault loses the lock within a few seconds. */
    public static final long TTL_SECONDS = 2;

    /**
     * Every this many acquisitions a user abandons the lock as a crashed holder would: it stops
     * renewing its lease and never releases ({@code "abandoned":true} in {@code locks.jsonl}).
     */
    public static final int ABANDON_EVERY = 8;

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicLong holds = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final RaftKvClient client;
    private final BufferedWriter out;
    private final LongSupplier clock;
    private final long origin;

    private LockUsers(RaftKvClient client, BufferedWriter out, LongSupplier clock, long origin) {
        this.client = client;
        this.out = out;
        this.clock = clock;
        this.origin = origin;
    }

    /** Starts {@code users} lock users writing their holds to {@code file} (times relative to {@code origin}). */
    public static LockUsers start(
            int users, List<Endpoint> endpoints, Vertx vertx, Path file, LongSupplier clock, long origin)
            throws IOException {
        return start(users, endpoints, vertx, file, clock, origin, null);
    }

    /** Like the other {@code start}, on TLS with {@code credentials} (null: plaintext). */
    public static LockUsers start(
            int users,
            List<Endpoint> endpoints,
            Vertx vertx,
            Path file,
            LongSupplier clock,
            long origin,
            ClientCredentials credentials)
            throws IOException {
        RaftKvClient client = RaftKvClient.builder()
                .vertx(vertx)
                .endpoints(endpoints)
                .deadline(Duration.ofSeconds(5))
                .attemptTimeout(Duration.ofSeconds(1))
                .retryPolicy(new RetryPolicy(20, Duration.ofMillis(20), Duration.ofMillis(250), 0.2))
                .credentials(credentials)
                .build();
        LockUsers u = new LockUsers(client, Files.newBufferedWriter(file, StandardCharsets.UTF_8), clock, origin);
        for (int i = 0; i < users; i++) {
            String who = "locker-" + i;
            Thread t = new Thread(() -> u.loop(who), "chaos-" + who);
            t.setDaemon(true);
            u.threads.add(t);
            t.start();
        }
        return u;
    }

    private void loop(String who) {
        long acquired = 0;
        while (!stopping.get()) {
            LeaseSession session = null;
            boolean abandoned = false;
            try {
                session = LeaseSession.open(client, TTL_SECONDS);
                Lock lock = new Lock(client, session, "chaos-lock/");
                Lock.Held held = lock.acquire(WAIT);
                long start = clock.getAsLong();
                if (++acquired % ABANDON_EVERY == 0) {
                    // A holder that dies: it stops renewing and never releases; the lock must come
                    // free when its lease expires, and not before.
                    session.keepAlive().stop();
                    abandoned = true;
                    record(who, held.fencingToken(), start, session.aliveUntilNanos(), true);
                    continue;
                }
                LockSupport.parkNanos(5_000_000);
                long end = clock.getAsLong();
                long certain = Math.min(end, session.aliveUntilNanos());
                if (certain - start >= 0) {
                    record(who, held.fencingToken(), start, certain, false);
                }
                lock.release();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                failures.incrementAndGet();
                LockSupport.parkNanos(50_000_000);
            } finally {
                if (session != null && !abandoned) {
                    try {
                        session.close();
                    } catch (RuntimeException ignored) {
                        // the lease expires by its TTL
                    }
                }
            }
        }
    }

    private synchronized void record(String who, long token, long start, long end, boolean abandoned) {
        holds.incrementAndGet();
        try {
            out.write("{\"who\":\"" + who + "\",\"token\":" + token + ",\"start\":" + (start - origin) + ",\"end\":"
                    + (end - origin) + (abandoned ? ",\"abandoned\":true" : "") + "}\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public long holds() {
        return holds.get();
    }

    public long failures() {
        return failures.get();
    }

    /** Stops every user (waiting for the current hold to end) and closes the file and client. */
    @Override
    public void close() {
        stopping.set(true);
        for (Thread t : threads) {
            try {
                t.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            try {
                out.write("{\"stopped\":" + (clock.getAsLong() - origin) + "}\n");
                out.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        client.closeAsync();
    }
}
