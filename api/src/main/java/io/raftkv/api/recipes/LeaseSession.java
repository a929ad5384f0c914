package io.raftkv.api.recipes;

import io.raftkv.api.RaftKvException;
import io.raftkv.api.client.LeaseKeepAlive;
import io.raftkv.api.client.RaftKvClient;
import io.raftkv.api.v1.LeaseGrantResponse;

/**
 * A lease granted for this holder and kept alive until {@link #close()} (which revokes it, deleting
 * every key attached) or until it is lost ({@link #lost()}: the leader expired it, or it could not
 * be renewed for a full TTL). Keys put with {@link #leaseId()} live exactly as long as the session.
 */
public final class LeaseSession implements AutoCloseable {
    private final RaftKvClient client;
    private final LeaseKeepAlive keepAlive;
    private final long leaseId;

    private LeaseSession(RaftKvClient client, LeaseKeepAlive keepAlive, long leaseId) {
        this.client = client;
        this.keepAlive = keepAlive;
        this.leaseId = leaseId;
    }

    /** Grants a lease of {@code ttlSeconds} (blocking) and starts keeping it alive. */
    public static LeaseSession open(RaftKvClient client, long ttlSeconds) {
        long before = System.nanoTime();
        LeaseGrantResponse g = client.blocking().leaseGrant(ttlSeconds);
        return new LeaseSession(client, client.keepAlive(g.getId(), g.getTtl(), before), g.getId());
    }

    public long leaseId() {
        return leaseId;
    }

    /** The lease's TTL, seconds. */
    public long ttlSeconds() {
        return keepAlive.ttlSeconds();
    }

    /** Whether the lease has been lost (the keys put under it are, or may any moment be, gone). */
    public boolean lost() {
        return keepAlive.lost().isComplete() || System.nanoTime() - keepAlive.aliveUntilNanos() >= 0;
    }

    /** Why the lease was lost, or null while it is held. */
    public String lostReason() {
        return keepAlive.lost().isComplete()
                ? keepAlive.lost().result()
                : System.nanoTime() - keepAlive.aliveUntilNanos() >= 0 ? "not renewed for a full TTL" : null;
    }

    /**
     * Blocks until the lease is lost ({@link #lost()}: expired or revoked on the leader, or not
     * renewed for a full TTL) and returns why. Wakes on the keep-alive's loss or when the lease's
     * certain lifetime runs out, whichever comes first; no server calls.
     */
    public String awaitLost() throws InterruptedException {
        java.util.concurrent.CompletableFuture<String> f =
                keepAlive.lost().toCompletionStage().toCompletableFuture();
        while (!lost()) {
            long left = keepAlive.aliveUntilNanos() - System.nanoTime();
            try {
                f.get(Math.max(1, left), java.util.concurrent.TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                // renewed meanwhile (aliveUntil moved) or lost: the loop condition decides
            }
        }
        return lostReason();
    }

    /** {@code System.nanoTime()} until which the lease is certainly alive. */
    public long aliveUntilNanos() {
        return keepAlive.aliveUntilNanos();
    }

    /** The keep-alive, for callbacks on loss ({@link LeaseKeepAlive#lost()}). */
    public LeaseKeepAlive keepAlive() {
        return keepAlive;
    }

    /** Stops renewing and revokes the lease (its keys are deleted); a lease already gone is fine. */
    @Override
    public void close() {
        keepAlive.stop();
        try {
            client.blocking().leaseRevoke(leaseId);
        } catch (RaftKvException e) {
            if (e.reason()
                    .map(r -> r != io.raftkv.api.ErrorReason.LEASE_NOT_FOUND)
                    .orElse(true)) {
                throw e;
            }
        }
    }
}
