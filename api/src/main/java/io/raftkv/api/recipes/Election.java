package io.raftkv.api.recipes;

import com.google.protobuf.ByteString;
import io.raftkv.api.client.RaftKvClient;
import io.raftkv.api.v1.Compare;
import io.raftkv.api.v1.KeyValue;
import io.raftkv.api.v1.PutOp;
import io.raftkv.api.v1.TxnOp;
import io.raftkv.api.v1.TxnRequest;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * Leader election in the manner of etcd's {@code concurrency.Election}: candidates queue under
 * {@code prefix} exactly as {@link Lock} contenders do; the lowest create revision leads, and its
 * key's value is the leader's proclamation (an address, an id). A leader whose lease is lost stops
 * leading (its key is deleted with the lease) and the next candidate takes over.
 *
 * <pre>{@code
 * try (LeaseSession session = LeaseSession.open(client, 10)) {
 *     Election e = new Election(client, session, "elections/scheduler/");
 *     e.campaign("node-a:8080", Duration.ofMinutes(5)); // blocks until leading
 *     ... lead while !session.lost() ...
 *     e.resign();
 * }
 * }</pre>
 *
 * Blocking; one instance per session and election, used by one thread at a time.
 */
public final class Election {
    private final KeyQueue queue;
    private final LeaseSession session;
    private final RaftKvClient client;
    private KeyValue leading;

    public Election(RaftKvClient client, LeaseSession session, String prefix) {
        this.client = client;
        this.queue = new KeyQueue(client, prefix);
        this.session = session;
    }

    /**
     * Blocks until this session leads with {@code value}, or {@code timeout} passes (it then leaves
     * the queue and TimeoutException is thrown).
     *
     * @return the leader key's create revision (a fencing token, as for {@link Lock})
     * @throws LeaseLostException when the session's lease is lost while campaigning
     */
    public long campaign(String value, Duration timeout) throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        KeyValue mine = queue.join(session, ByteString.copyFromUtf8(value));
        if (!mine.getValue().toStringUtf8().equals(value)) {
            mine = proclaimOn(mine, value);
        }
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
        leading = mine;
        return mine.getCreateRevision();
    }

    /** Changes the leader's value without giving up leadership; only while leading. */
    public void proclaim(String value) {
        if (leading == null) {
            throw new IllegalStateException("not leading: campaign first");
        }
        leading = proclaimOn(leading, value);
    }

    private KeyValue proclaimOn(KeyValue kv, String value) {
        var r = client.blocking()
                .txn(TxnRequest.newBuilder()
                        .addCompares(Compare.newBuilder()
                                .setKey(kv.getKey())
                                .setTarget(Compare.Target.MOD_INDEX)
                                .setModIndex(kv.getModRevision()))
                        .addSuccess(TxnOp.newBuilder()
                                .setPut(PutOp.newBuilder()
                                        .setKey(kv.getKey())
                                        .setValue(ByteString.copyFromUtf8(value))
                                        .setLease(session.leaseId())))
                        .build());
        if (!r.getSucceeded()) {
            throw new LeaseLostException("the candidate key " + kv.getKey().toStringUtf8()
                    + " changed or vanished (lease " + session.leaseId() + " lost?)");
        }
        long revision = r.getHeader().getRevision();
        return kv.toBuilder()
                .setValue(ByteString.copyFromUtf8(value))
                .setModIndex(revision)
                .setModRevision(revision)
                .build();
    }

    /** The current leader's key and value (lowest create revision under the prefix), if any. */
    public Optional<KeyValue> leader() {
        return queue.head();
    }

    /**
     * Blocks until the leader differs from {@code known} (another key, another value, or none;
     * {@code known} empty: until there is a leader), or {@code timeout} passes; returns the leader
     * then (empty: no leader). Waits on a Watch of the election's prefix ({@link LeaderObserver});
     * to follow every change, keep one {@link #observer()} open instead of calling this in a loop.
     */
    public Optional<KeyValue> observe(Optional<KeyValue> known, Duration timeout)
            throws TimeoutException, InterruptedException {
        try (LeaderObserver o = observer()) {
            return o.awaitChange(known, timeout);
        }
    }

    /** Follows this election's leader until closed (a Watch of its prefix). */
    public LeaderObserver observer() {
        return new LeaderObserver(queue);
    }

    /** Follows the leader of the election under {@code prefix} without being a candidate. */
    public static LeaderObserver observer(RaftKvClient client, String prefix) {
        return new LeaderObserver(new KeyQueue(client, prefix));
    }

    /** Whether this session leads: campaigned, not resigned, and its lease not lost. */
    public boolean isLeader() {
        return leading != null && !session.lost();
    }

    /** Gives up leadership (or candidacy): deletes this session's key. Idempotent. */
    public void resign() {
        leading = null;
        queue.leave(session);
    }
}
