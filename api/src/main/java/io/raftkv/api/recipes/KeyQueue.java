package io.raftkv.api.recipes;

import com.google.protobuf.ByteString;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.client.BlockingRaftKvClient;
import io.raftkv.api.v1.Compare;
import io.raftkv.api.v1.DeleteRequest;
import io.raftkv.api.v1.GetOp;
import io.raftkv.api.v1.GetRequest;
import io.raftkv.api.v1.KeyValue;
import io.raftkv.api.v1.PutOp;
import io.raftkv.api.v1.RangeRequest;
import io.raftkv.api.v1.RangeResponse;
import io.raftkv.api.v1.ReadConsistency;
import io.raftkv.api.v1.TxnOp;
import io.raftkv.api.v1.TxnRequest;
import io.raftkv.api.v1.TxnResponse;
import io.vertx.grpc.common.GrpcStatus;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * The queue both {@link Lock} and {@link Election} stand in: every contender owns one key
 * {@code prefix + leaseId} attached to its lease, and contenders are ordered by the key's
 * {@code create_index} (the log index that created it: unique, and increasing in creation order).
 * The head of the queue — the lowest create index — holds the lock or leads. A contender waits for
 * the deletion of the key just ahead of it (released, resigned, or deleted with an expired lease),
 * then looks again, until none is ahead (etcd's {@code waitDeletes}).
 *
 * <p>Waiting polls the predecessor with linearizable reads, backing off from 20 ms to
 * {@link #MAX_POLL}; a deletion is therefore noticed within at most that long.
 */
final class KeyQueue {
    static final Duration MAX_POLL = Duration.ofMillis(250);
    private static final long MIN_POLL_MS = 20;

    private final BlockingRaftKvClient kv;
    private final String prefix;

    KeyQueue(BlockingRaftKvClient kv, String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            throw new IllegalArgumentException("prefix must not be empty");
        }
        this.kv = kv;
        this.prefix = prefix;
    }

    String prefix() {
        return prefix;
    }

    /** This session's key in the queue. */
    ByteString keyOf(LeaseSession session) {
        return ByteString.copyFromUtf8(prefix + String.format("%016x", session.leaseId()));
    }

    /**
     * Joins the queue: creates the session's key (with {@code value}, attached to its lease) unless
     * it exists already, and returns it as stored (its create index is the place in the queue).
     */
    KeyValue join(LeaseSession session, ByteString value) {
        ByteString key = keyOf(session);
        TxnResponse r = kv.txn(TxnRequest.newBuilder()
                .addCompares(Compare.newBuilder().setKey(key).setTarget(Compare.Target.ABSENT))
                .addSuccess(TxnOp.newBuilder()
                        .setPut(PutOp.newBuilder().setKey(key).setValue(value).setLease(session.leaseId())))
                .addSuccess(TxnOp.newBuilder().setGet(GetOp.newBuilder().setKey(key)))
                .addFailure(TxnOp.newBuilder().setGet(GetOp.newBuilder().setKey(key)))
                .build());
        KeyValue mine = r.getResults(r.getResultsCount() - 1).getGet().getKv();
        if (!mine.getKey().equals(key)) {
            throw RaftKvException.local(
                    GrpcStatus.INTERNAL,
                    "queue key " + key.toStringUtf8() + " not found right after it was written",
                    false,
                    null);
        }
        return mine;
    }

    /** The key just ahead of {@code createIndex} (the highest create index below it), if any. */
    Optional<KeyValue> predecessor(long createIndex) {
        KeyValue best = null;
        ByteString from = null;
        while (true) {
            RangeRequest.Builder q =
                    RangeRequest.newBuilder().setKeysOnly(true).setConsistency(ReadConsistency.LINEARIZABLE);
            if (from == null) {
                q.setPrefix(ByteString.copyFromUtf8(prefix));
            } else {
                q.setInterval(
                        io.raftkv.api.v1.KeyInterval.newBuilder().setStart(from).setEnd(prefixEnd()));
            }
            RangeResponse page = kv.range(q.build());
            for (KeyValue k : page.getKvsList()) {
                if (k.getCreateIndex() < createIndex && (best == null || k.getCreateIndex() > best.getCreateIndex())) {
                    best = k;
                }
            }
            if (!page.getMore() || page.getKvsCount() == 0) {
                return Optional.ofNullable(best);
            }
            from = page.getKvs(page.getKvsCount() - 1).getKey().concat(ByteString.copyFrom(new byte[] {0}));
        }
    }

    /** The head of the queue (lowest create index), if anyone is in it. */
    Optional<KeyValue> head() {
        return Optional.ofNullable(lowest());
    }

    private KeyValue lowest() {
        KeyValue best = null;
        ByteString from = null;
        while (true) {
            RangeRequest.Builder q = RangeRequest.newBuilder().setConsistency(ReadConsistency.LINEARIZABLE);
            if (from == null) {
                q.setPrefix(ByteString.copyFromUtf8(prefix));
            } else {
                q.setInterval(
                        io.raftkv.api.v1.KeyInterval.newBuilder().setStart(from).setEnd(prefixEnd()));
            }
            RangeResponse page = kv.range(q.build());
            for (KeyValue k : page.getKvsList()) {
                if (best == null || k.getCreateIndex() < best.getCreateIndex()) {
                    best = k;
                }
            }
            if (!page.getMore() || page.getKvsCount() == 0) {
                return best;
            }
            from = page.getKvs(page.getKvsCount() - 1).getKey().concat(ByteString.copyFrom(new byte[] {0}));
        }
    }

    private ByteString prefixEnd() {
        byte[] p = prefix.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int i = p.length - 1; i >= 0; i--) {
            if (p[i] != (byte) 0xFF) {
                p[i]++;
                return ByteString.copyFrom(p, 0, i + 1);
            }
        }
        return ByteString.EMPTY;
    }

    /**
     * Waits until no key with a create index below {@code mine}'s remains, i.e. this contender is
     * at the head; then checks its own key still exists (its lease may have expired meanwhile).
     *
     * @throws TimeoutException when {@code deadlineNanos} ({@code System.nanoTime()}) passes first
     * @throws LeaseLostException when the session's lease is lost, or its key is gone
     */
    void awaitHead(LeaseSession session, KeyValue mine, long deadlineNanos)
            throws TimeoutException, InterruptedException {
        while (true) {
            checkSession(session);
            Optional<KeyValue> ahead = predecessor(mine.getCreateIndex());
            if (ahead.isEmpty()) {
                KeyValue now = get(mine.getKey());
                if (now == null || now.getCreateIndex() != mine.getCreateIndex()) {
                    throw new LeaseLostException("key " + mine.getKey().toStringUtf8() + " was deleted while waiting"
                            + " (lease " + session.leaseId() + " expired or was revoked)");
                }
                return;
            }
            awaitDeleted(session, ahead.get(), deadlineNanos);
        }
    }

    /** Polls {@code key} until it is deleted or re-created (a different create index). */
    private void awaitDeleted(LeaseSession session, KeyValue key, long deadlineNanos)
            throws TimeoutException, InterruptedException {
        long poll = MIN_POLL_MS;
        while (true) {
            KeyValue now = get(key.getKey());
            if (now == null || now.getCreateIndex() != key.getCreateIndex()) {
                return;
            }
            checkSession(session);
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                throw new TimeoutException("still waiting for " + key.getKey().toStringUtf8() + " (create index "
                        + key.getCreateIndex() + ") to go");
            }
            Thread.sleep(Math.min(poll, Math.max(1, left / 1_000_000)));
            poll = Math.min(MAX_POLL.toMillis(), poll * 2);
        }
    }

    KeyValue get(ByteString key) {
        var r = kv.get(GetRequest.newBuilder()
                .setKey(key)
                .setConsistency(ReadConsistency.LINEARIZABLE)
                .build());
        return r.hasKv() ? r.getKv() : null;
    }

    /** Leaves the queue (deletes the session's key; absent is fine). */
    void leave(LeaseSession session) {
        kv.delete(DeleteRequest.newBuilder().setKey(keyOf(session)).build());
    }

    private static void checkSession(LeaseSession session) {
        if (session.lost()) {
            throw new LeaseLostException("lease " + session.leaseId() + " lost: " + session.lostReason());
        }
    }
}
