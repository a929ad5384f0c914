package io.raftkv.api.client;

import io.raftkv.api.ErrorTrailers;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.v1.LeaseGrpcClient;
import io.raftkv.api.v1.LeaseKeepAliveRequest;
import io.raftkv.api.v1.LeaseKeepAliveResponse;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.common.GrpcStatus;
import java.util.function.LongSupplier;

/**
 * Keeps one lease alive: a {@code Lease.KeepAlive} stream to the leader, renewing every third of
 * the TTL (at least every 500 ms), re-opened on the leader a NOT_LEADER answer names, or on the
 * next node when one fails. Confined to one event-loop context.
 *
 * <p>{@link #lost()} completes (with a reason) when the lease can no longer be relied on: the
 * leader answered ttl = 0 (the lease expired or was revoked), or the client has gone a full TTL,
 * counted from the last renewal the leader acknowledged, without another acknowledgment. In the
 * second case the leader may still hold the lease a little longer (it extends leases across a
 * leader change), but the holder must act as if it were gone: its keys may disappear any moment.
 * {@link #aliveUntilNanos()} is the local {@code System.nanoTime()} before which the lease is
 * certainly alive (the send time of the last acknowledged renewal plus the TTL).
 */
public final class LeaseKeepAlive {
    private static final long MIN_INTERVAL_MS = 500;
    private static final long RETRY_MS = 100;

    private final Vertx vertx;
    private final Context context;
    private final Connections.Slot slot;
    private final LeaderTracker leader;
    private final long id;
    private final LongSupplier clock;
    private final Promise<String> lost = Promise.promise();
    private volatile long ttlSeconds;
    private volatile long aliveUntilNanos;
    // --- confined to the context ---
    private GrpcClientRequest<LeaseKeepAliveRequest, LeaseKeepAliveResponse> stream;
    private Endpoint target;
    /** Send times of renewals not yet answered, oldest first (answers come in order). */
    private final java.util.ArrayDeque<Long> sent = new java.util.ArrayDeque<>();

    private long timerId = -1;
    private boolean stopped;
    /** Bumped on every open: callbacks of an older stream are ignored. */
    private int generation;

    LeaseKeepAlive(
            Vertx vertx, Connections.Slot slot, LeaderTracker leader, long id, long ttlSeconds, long grantedAtNanos) {
        this.vertx = vertx;
        this.slot = slot;
        this.context = slot.context();
        this.leader = leader;
        this.id = id;
        this.ttlSeconds = ttlSeconds;
        this.clock = System::nanoTime;
        this.aliveUntilNanos = grantedAtNanos + ttlSeconds * 1_000_000_000L;
        context.runOnContext(v -> open());
    }

    /** The lease kept alive. */
    public long id() {
        return id;
    }

    /** The lease's TTL as the leader last reported it, seconds. */
    public long ttlSeconds() {
        return ttlSeconds;
    }

    /** Local {@code System.nanoTime()} until which the lease is certainly alive. */
    public long aliveUntilNanos() {
        return aliveUntilNanos;
    }

    /** Completes with the reason once the lease is gone or can no longer be relied on; never fails. */
    public Future<String> lost() {
        return lost.future();
    }

    /** Stops renewing (the lease then expires by its TTL unless revoked). Idempotent. */
    public void stop() {
        context.runOnContext(v -> {
            stopped = true;
            closeStream();
            cancelTimer();
        });
    }

    private void open() {
        if (stopped) {
            return;
        }
        if (checkLocalExpiry()) {
            return;
        }
        Endpoint to = leader.current();
        target = to;
        int gen = ++generation;
        slot.client().request(to.toSocketAddress(), LeaseGrpcClient.KeepAlive).onComplete(ar -> {
            if (stopped || gen != generation) {
                if (ar.succeeded()) {
                    ar.result().cancel();
                }
                return;
            }
            if (ar.failed()) {
                leader.onUnreachable(to);
                retryLater();
                return;
            }
            stream = ar.result();
            sent.clear();
            stream.response().onComplete(rar -> {
                if (rar.failed()) {
                    streamFailed(gen, to, null);
                    return;
                }
                var resp = rar.result();
                resp.handler(r -> {
                    if (gen == generation) {
                        answered(r);
                    }
                });
                resp.end().onComplete(end -> {
                    GrpcStatus status = resp.status();
                    RaftKvException e = status != null && status != GrpcStatus.OK
                            ? ErrorTrailers.decode(status, resp.statusMessage(), resp.headers(), resp.trailers())
                            : null;
                    streamFailed(gen, to, e);
                });
            });
            renew();
        });
    }

    private void answered(LeaseKeepAliveResponse r) {
        Long sentAt = sent.poll();
        if (stopped || sentAt == null) {
            return;
        }
        if (r.getTtl() <= 0) {
            finish("lease " + id + " expired or was revoked (the leader answered ttl 0)");
            return;
        }
        ttlSeconds = r.getTtl();
        aliveUntilNanos = Math.max(aliveUntilNanos, sentAt + r.getTtl() * 1_000_000_000L);
    }

    private void renew() {
        if (stopped || stream == null) {
            return;
        }
        if (checkLocalExpiry()) {
            return;
        }
        if (sent.size() < 4) { // a stuck stream is not fed forever
            sent.add(clock.getAsLong());
            try {
                stream.write(LeaseKeepAliveRequest.newBuilder().setId(id).build());
            } catch (RuntimeException closed) {
                streamFailed(generation, target, null);
                return;
            }
        }
        long interval = Math.max(MIN_INTERVAL_MS, ttlSeconds * 1000 / 3);
        cancelTimer();
        timerId = vertx.setTimer(
                interval,
                t -> context.runOnContext(v -> {
                    timerId = -1;
                    renew();
                }));
    }

    private void streamFailed(int gen, Endpoint from, RaftKvException e) {
        if (stopped || gen != generation) {
            return;
        }
        generation++;
        stream = null;
        cancelTimer();
        if (e != null && e.isNotLeader()) {
            leader.onNotLeader(from, e.leaderAddress());
        } else {
            leader.onUnreachable(from);
        }
        retryLater();
    }

    private void retryLater() {
        cancelTimer();
        timerId = vertx.setTimer(
                RETRY_MS,
                t -> context.runOnContext(v -> {
                    timerId = -1;
                    open();
                }));
    }

    /** Past the certain-alive time: report the lease lost. */
    private boolean checkLocalExpiry() {
        if (clock.getAsLong() - aliveUntilNanos >= 0) {
            finish("lease " + id + " not renewed for its full TTL of " + ttlSeconds + " s (no leader reachable)");
            return true;
        }
        return false;
    }

    private void finish(String reason) {
        stopped = true;
        closeStream();
        cancelTimer();
        lost.tryComplete(reason);
    }

    private void closeStream() {
        if (stream != null) {
            try {
                stream.cancel();
            } catch (RuntimeException ignored) {
                // already closed
            }
            stream = null;
        }
    }

    private void cancelTimer() {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
            timerId = -1;
        }
    }
}
