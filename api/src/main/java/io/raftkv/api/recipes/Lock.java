package io.raftkv.api.recipes;

import com.google.protobuf.ByteString;
import io.raftkv.api.client.RaftKvClient;
import io.raftkv.api.v1.KeyValue;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * A distributed mutex in the manner of etcd's {@code concurrency.Mutex}: each contender puts the
 * key {@code prefix + leaseId} attached to its {@link LeaseSession}'s lease; the key with the
 * lowest create revision holds the lock, and every other contender watches for the deletion of the
 * key just ahead of it (a Watch from the revision it read the queue at; no polling). A holder that
 * dies loses the lock when its lease expires (its key is deleted with the lease).
 *
 * <p><b>Fencing.</b> A lock held through a lease can be lost without the holder noticing in time
 * (a long pause outlives the TTL, the lease expires, the next contender acquires). Each hold
 * therefore carries a {@linkplain Held#fencingToken() fencing token}: the {@code create_revision}
 * of the holder's key (the store revision of the write that created it), which increases with every
 * acquisition: a later contender's key is always created at a later revision, revisions never go
 * back (not across leader changes, restarts or snapshots), and a key deleted and created again gets
 * a new one. A resource that remembers the highest token it has accepted and refuses lower ones can
 * never be written by a holder that was superseded. Etcd's lock gives the same token (its key's
 * create revision), so the two are comparable.
 *
 * <pre>{@code
 * try (LeaseSession session = LeaseSession.open(client, 10)) {
 *     Lock lock = new Lock(client, session, "locks/reports/");
 *     Lock.Held held = lock.acquire(Duration.ofSeconds(30));
 *     try {
 *         writeReport(held.fencingToken());
 *     } finally {
 *         lock.release();
 *     }
 * }
 * }</pre>
 *
 * Blocking; one instance per session and lock name, used by one thread at a time.
 */
public final class Lock {
    private final KeyQueue queue;
    private final LeaseSession session;
    private Held held;

    /** A lock named by {@code prefix} (e.g. {@code "locks/reports/"}), contended with {@code session}'s lease. */
    public Lock(RaftKvClient client, LeaseSession session, String prefix) {
        this.queue = new KeyQueue(client, prefix);
        this.session = session;
    }

    /**
     * One acquisition.
     *
     * @param key          the holder's key
     * @param fencingToken the key's create revision: larger for every later acquisition of this lock
     */
    public record Held(String key, long fencingToken) {}

    /**
     * Blocks until this session holds the lock, or {@code timeout} passes (the session leaves the
     * queue, and TimeoutException is thrown). Re-acquiring a lock already held returns the same hold.
     *
     * @throws LeaseLostException when the session's lease is lost while waiting
     */
    public Held acquire(Duration timeout) throws TimeoutException, InterruptedException {
        if (held != null) {
            return held;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        KeyValue mine = queue.join(session, ByteString.EMPTY);
        try {
            queue.awaitHead(session, mine, deadline);
        } catch (TimeoutException | InterruptedException | RuntimeException e) {
            try {
                queue.leave(session);
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        held = new Held(mine.getKey().toStringUtf8(), mine.getCreateRevision());
        return held;
    }

    /** The current hold, or null. Does not check the lease: see {@link LeaseSession#lost()}. */
    public Held held() {
        return held;
    }

    /** Whether the lock is still held: acquired, not released, and the session's lease not lost. */
    public boolean isHeld() {
        return held != null && !session.lost();
    }

    /** Releases the lock (deletes the key; the next contender acquires). Idempotent. */
    public void release() {
        held = null;
        queue.leave(session);
    }
}
