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
 * {@code prefix} exactly as {@link Lock} contenders do; the lowest create index leads, and its
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
        this.queue = new KeyQueue(client.blocking(), prefix);
        this.session = session;
    }

    /**
     * Blocks until this session leads with {@code value}, or {@code timeout} passes (it then leaves
     * the queue and TimeoutException is thrown).
     *
     * @return the leader key's create index (a fencing token, as for {@link Lock})
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
        return mine.getCreateIndex();
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
                                .setModIndex(kv.getModIndex()))
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
        return kv.toBuilder()
                .setValue(ByteString.copyFromUtf8(value))
                .setModIndex(r.getHeader().getRaftIndex())
                .build();
    }

    /** The current leader's key and value (lowest create index under the prefix), if any. */
    public Optional<KeyValue> leader() {
        return queue.head();
    }

    /**
     * Blocks until the leader differs from {@code known} (another key, another value, or none;
     * {@code known} empty: until there is a leader), or {@code timeout} passes; returns the leader
     * then (empty: no leader).
     */
    public Optional<KeyValue> observe(Optional<KeyValue> known, Duration timeout)
            throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long poll = 20;
        while (true) {
            Optional<KeyValue> now = leader();
            boolean same = now.isPresent() == known.isPresent()
                    && (now.isEmpty()
                            || now.get().getKey().equals(known.get().getKey())
                                    && now.get().getValue().equals(known.get().getValue()));
            if (!same) {
                return now;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new TimeoutException("the leader of " + queue.prefix() + " did not change");
            }
            Thread.sleep(Math.min(poll, Math.max(1, left / 1_000_000)));
            poll = Math.min(KeyQueue.MAX_POLL.toMillis(), poll * 2);
        }
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
