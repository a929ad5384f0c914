package io.raftkv.chaos.workload;

import com.google.protobuf.ByteString;
import io.raftkv.api.client.ClientCredentials;
import io.raftkv.api.client.Endpoint;
import io.raftkv.chaos.workload.EtcdUnary.CallFailed;
import io.raftkv.etcd.api.CampaignRequest;
import io.raftkv.etcd.api.ElectionGrpcClient;
import io.raftkv.etcd.api.KVGrpcClient;
import io.raftkv.etcd.api.LeaderKey;
import io.raftkv.etcd.api.LeaderRequest;
import io.raftkv.etcd.api.LeaderResponse;
import io.raftkv.etcd.api.LeaseGrantRequest;
import io.raftkv.etcd.api.LeaseGrpcClient;
import io.raftkv.etcd.api.LeaseRevokeRequest;
import io.raftkv.etcd.api.ProclaimRequest;
import io.raftkv.etcd.api.RangeRequest;
import io.raftkv.etcd.api.RangeResponse;
import io.raftkv.etcd.api.ResignRequest;
import io.raftkv.etcd.api.lock.LockGrpcClient;
import io.raftkv.etcd.api.lock.LockRequest;
import io.raftkv.etcd.api.lock.UnlockRequest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.grpc.client.GrpcClient;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Users of etcd's server-side concurrency services for a chaos run, through the {@code etcd-api}
 * stubs as an etcd application would call them (each call to a random member, no retries):
 * <ul>
 *   <li><b>lock users</b> ({@code v3lockpb.Lock}): grant a lease of {@link #TTL_SECONDS} s (never
 *       renewed), {@code Lock("chaos-etcd-lock", lease)}, read the returned key to learn its create
 *       revision (the fencing token, as etcd's lock tests order holders), hold 5 ms, {@code Unlock}.
 *       Every hold goes to {@code etcd-locks.jsonl} in {@code locks.jsonl}'s format, from the Lock
 *       answer to the Unlock call — or to the last instant the lease was certainly alive (grant call
 *       + TTL) if that came first. Every {@link #ABANDON_EVERY}th hold is abandoned (no Unlock: the
 *       lock must come free when the lease expires). {@code io.raftkv.chaos.run.LockChecker} checks
 *       that no two holds overlap;</li>
 *   <li><b>election users</b> ({@code v3electionpb}): a lease as above, {@code Campaign("chaos-etcd-election",
 *       lease, value)}, two {@code Proclaim}s, {@code Resign} (every {@link #ABANDON_EVERY}th term
 *       abandoned). Each term goes to {@code etcd-elections.jsonl} as {@code {"who","token","key","start",
 *       "end","values"}} (token = the leader key's create revision, the term; values = every value the
 *       leader set or tried to set), a campaign without an answer as {@code {"unknown":value}}; between
 *       terms each user asks {@code Leader} and records {@code {"observed":rev,"key","value"}}.
 *       {@code io.raftkv.chaos.run.ElectionChecker} fails the run when two terms overlap or share a
 *       revision (two leaders of one term) or an observed leader is not the one elected at that
 *       revision, with a value it set.</li>
 * </ul>
 * Faults make calls fail (timeouts, expired leases, unreachable members): those are counted, never
 * recorded as holds or terms, and the user starts over with a new lease.
 */
public final class EtcdRecipeUsers implements AutoCloseable {
    /**
     * Lease TTL of each attempt (never renewed): long enough for a Lock or Campaign answer to come
     * back on a loaded machine through a leader change, short enough that an abandoned hold frees
     * the lock within the run.
     */
    public static final long TTL_SECONDS = 6;
    /** Every this many holds (terms) a user abandons the lock (leadership) as a crashed holder would. */
    public static final int ABANDON_EVERY = 8;

    static final String LOCK_NAME = "chaos-etcd-lock";
    static final String ELECTION_NAME = "chaos-etcd-election";
    private static final Duration CALL = Duration.ofSeconds(3);
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicLong holds = new AtomicLong();
    private final AtomicLong terms = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final java.util.Set<String> failureSamples = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final GrpcClient grpc;
    private final EtcdUnary calls;
    private final BufferedWriter locks;
    private final BufferedWriter elections;
    private final LongSupplier clock;
    private final long origin;

    private EtcdRecipeUsers(
            GrpcClient grpc,
            List<Endpoint> endpoints,
            BufferedWriter locks,
            BufferedWriter elections,
            LongSupplier clock,
            long origin) {
        this.grpc = grpc;
        this.calls = new EtcdUnary(grpc, endpoints);
        this.locks = locks;
        this.elections = elections;
        this.clock = clock;
        this.origin = origin;
    }

    /**
     * Starts {@code lockUsers} lock users and {@code electionUsers} election users writing to
     * {@code dir/etcd-locks.jsonl} and {@code dir/etcd-elections.jsonl} (times relative to {@code origin}).
     */
    public static EtcdRecipeUsers start(
            int lockUsers,
            int electionUsers,
            List<Endpoint> endpoints,
            Vertx vertx,
            Path dir,
            LongSupplier clock,
            long origin,
            long seed,
            ClientCredentials credentials)
            throws IOException {
        GrpcClient grpc = EtcdUnary.client(vertx, Duration.ofSeconds(1), credentials);
        EtcdRecipeUsers u = new EtcdRecipeUsers(
                grpc,
                endpoints,
                Files.newBufferedWriter(dir.resolve("etcd-locks.jsonl"), StandardCharsets.UTF_8),
                Files.newBufferedWriter(dir.resolve("etcd-elections.jsonl"), StandardCharsets.UTF_8),
                clock,
                origin);
        for (int i = 0; i < lockUsers; i++) {
            String who = "etcd-locker-" + i;
            Random random = new Random(seed * 31 + i);
            u.spawn(who, () -> u.lockLoop(who, random));
        }
        for (int i = 0; i < electionUsers; i++) {
            String who = "etcd-candidate-" + i;
            Random random = new Random(seed * 37 + i);
            u.spawn(who, () -> u.electionLoop(who, random));
        }
        return u;
    }

    private void spawn(String who, Runnable loop) {
        Thread t = new Thread(loop, "chaos-" + who);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    /** A lease granted at or after {@code grantCall}; certainly alive until {@code grantCall + TTL}. */
    private record Lease(long id, long certainEnd) {}

    private Lease grant(Random random) throws CallFailed {
        long grantCall = clock.getAsLong();
        long id = calls.call(
                        LeaseGrpcClient.LeaseGrant,
                        LeaseGrantRequest.newBuilder().setTTL(TTL_SECONDS).build(),
                        CALL,
                        random)
                .getID();
        return new Lease(id, grantCall + TTL_SECONDS * 1_000_000_000L);
    }

    private void lockLoop(String who, Random random) {
        long acquired = 0;
        while (!stopping.get()) {
            try {
                Lease lease = grant(random);
                ByteString key = calls.call(
                                LockGrpcClient.Lock,
                                LockRequest.newBuilder()
                                        .setName(utf8(LOCK_NAME))
                                        .setLease(lease.id())
                                        .build(),
                                WAIT,
                                random)
                        .getKey();
                long start = clock.getAsLong();
                // The fencing token: the lock key's create revision, read back (linearizable).
                RangeResponse r = calls.call(
                        KVGrpcClient.Range,
                        RangeRequest.newBuilder().setKey(key).build(),
                        CALL,
                        random);
                if (r.getKvsCount() == 0 || r.getKvs(0).getLease() != lease.id()) {
                    failed("lock: the lock key was gone when read back (lease expired)"); // not a hold
                    continue;
                }
                long token = r.getKvs(0).getCreateRevision();
                if (++acquired % ABANDON_EVERY == 0) {
                    recordHold(who, token, start, lease.certainEnd(), true);
                    continue;
                }
                LockSupport.parkNanos(5_000_000);
                long end = Math.min(clock.getAsLong(), lease.certainEnd());
                if (end - start >= 0) {
                    recordHold(who, token, start, end, false);
                }
                calls.call(
                        LockGrpcClient.Unlock,
                        UnlockRequest.newBuilder().setKey(key).build(),
                        CALL,
                        random);
                revokeQuietly(lease, random);
            } catch (CallFailed | RuntimeException e) {
                failed("lock: " + e.getMessage()); // an answer of an unexpected shape too: the user goes on
            }
        }
    }

    private void electionLoop(String who, Random random) {
        long campaigns = 0;
        long elected = 0;
        while (!stopping.get()) {
            observe(random);
            String value = who + "-" + campaigns++;
            try {
                Lease lease = grant(random);
                LeaderKey leader;
                try {
                    leader = calls.call(
                                    ElectionGrpcClient.Campaign,
                                    CampaignRequest.newBuilder()
                                            .setName(utf8(ELECTION_NAME))
                                            .setLease(lease.id())
                                            .setValue(utf8(value))
                                            .build(),
                                    WAIT,
                                    random)
                            .getLeader();
                } catch (CallFailed e) {
                    // It may have won without our hearing: its value may be observed as the leader's.
                    writeLine(elections, new JsonObject().put("unknown", value));
                    throw e;
                }
                long start = clock.getAsLong();
                List<String> values = new ArrayList<>(List.of(value));
                boolean still = true;
                for (int p = 0; p < 2 && still; p++) {
                    String proclaimed = value + "/p" + p;
                    values.add(proclaimed);
                    try {
                        calls.call(
                                ElectionGrpcClient.Proclaim,
                                ProclaimRequest.newBuilder()
                                        .setLeader(leader)
                                        .setValue(utf8(proclaimed))
                                        .build(),
                                CALL,
                                random);
                    } catch (CallFailed e) {
                        still = false; // lost leadership (lease expired) or no answer
                    }
                }
                boolean abandon = ++elected % ABANDON_EVERY == 0;
                long end = abandon ? lease.certainEnd() : Math.min(clock.getAsLong(), lease.certainEnd());
                // Written even when the lease could have ended before the answer (end < start: no
                // critical section), so that observations of this term are matched.
                terms.incrementAndGet();
                writeLine(
                        elections,
                        new JsonObject()
                                .put("who", who)
                                .put("token", leader.getRev())
                                .put("key", leader.getKey().toStringUtf8())
                                .put("start", start - origin)
                                .put("end", end - origin)
                                .put("values", new JsonArray(values))
                                .put("abandoned", abandon));
                if (!abandon) {
                    calls.call(
                            ElectionGrpcClient.Resign,
                            ResignRequest.newBuilder().setLeader(leader).build(),
                            CALL,
                            random);
                    revokeQuietly(lease, random);
                }
            } catch (CallFailed | RuntimeException e) {
                failed("election: " + e.getMessage());
            }
        }
    }

    /** Counts a failed attempt, keeps a few distinct causes for the run's events, and backs off. */
    private void failed(String cause) {
        failures.incrementAndGet();
        if (failureSamples.size() < 8) {
            failureSamples.add(cause.length() > 160 ? cause.substring(0, 160) : cause);
        }
        LockSupport.parkNanos(50_000_000);
    }

    /** Up to 8 distinct causes of failed attempts. */
    public java.util.Set<String> failureSamples() {
        return java.util.Set.copyOf(failureSamples);
    }

    /** Asks who leads the election now and records the answer (no leader or no answer: nothing). */
    private void observe(Random random) {
        try {
            LeaderResponse r = calls.call(
                    ElectionGrpcClient.Leader,
                    LeaderRequest.newBuilder().setName(utf8(ELECTION_NAME)).build(),
                    CALL,
                    random);
            if (r.hasKv()) {
                writeLine(
                        elections,
                        new JsonObject()
                                .put("observed", r.getKv().getCreateRevision())
                                .put("key", r.getKv().getKey().toStringUtf8())
                                .put("value", r.getKv().getValue().toStringUtf8()));
            }
        } catch (CallFailed e) {
            // "election: no leader", or no answer: nothing observed
        }
    }

    private void revokeQuietly(Lease lease, Random random) {
        try {
            calls.call(
                    LeaseGrpcClient.LeaseRevoke,
                    LeaseRevokeRequest.newBuilder().setID(lease.id()).build(),
                    CALL,
                    random);
        } catch (CallFailed e) {
            // the lease expires by its TTL
        }
    }

    private void recordHold(String who, long token, long start, long end, boolean abandoned) {
        holds.incrementAndGet();
        JsonObject o = new JsonObject()
                .put("who", who)
                .put("token", token)
                .put("start", start - origin)
                .put("end", end - origin);
        if (abandoned) {
            o.put("abandoned", true);
        }
        writeLine(locks, o);
    }

    private void writeLine(BufferedWriter out, JsonObject line) {
        synchronized (out) {
            try {
                out.write(line.encode());
                out.write('\n');
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    public long holds() {
        return holds.get();
    }

    public long terms() {
        return terms.get();
    }

    public long failures() {
        return failures.get();
    }

    /** Stops every user (each ends its current call by its deadline) and closes the files and client. */
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
        String stopped =
                new JsonObject().put("stopped", clock.getAsLong() - origin).encode() + "\n";
        for (BufferedWriter out : List.of(locks, elections)) {
            synchronized (out) {
                try {
                    out.write(stopped);
                    out.close();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        grpc.close();
    }

    private static ByteString utf8(String s) {
        return ByteString.copyFromUtf8(s);
    }
}
