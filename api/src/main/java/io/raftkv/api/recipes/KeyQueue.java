package io.raftkv.api.recipes;

import com.google.protobuf.ByteString;
import io.raftkv.api.ErrorReason;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.client.BlockingRaftKvClient;
import io.raftkv.api.client.RaftKvClient;
import io.raftkv.api.client.Watcher;
import io.raftkv.api.v1.Compare;
import io.raftkv.api.v1.DeleteRequest;
import io.raftkv.api.v1.Event;
import io.raftkv.api.v1.GetOp;
import io.raftkv.api.v1.GetRequest;
import io.raftkv.api.v1.KeyInterval;
import io.raftkv.api.v1.KeyValue;
import io.raftkv.api.v1.PutOp;
import io.raftkv.api.v1.RangeRequest;
import io.raftkv.api.v1.RangeResponse;
import io.raftkv.api.v1.ReadConsistency;
import io.raftkv.api.v1.TxnOp;
import io.raftkv.api.v1.TxnRequest;
import io.raftkv.api.v1.TxnResponse;
import io.raftkv.api.v1.WatchCreateRequest;
import io.vertx.grpc.common.GrpcStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The queue both {@link Lock} and {@link Election} stand in: every contender owns one key
 * {@code prefix + leaseId} attached to its lease, and contenders are ordered by the key's
 * {@code create_revision} (the store revision that created it: unique per key, and increasing in
 * creation order). The head of the queue — the lowest create revision — holds the lock or leads. A
 * contender waits for the deletion of the key just ahead of it (released, resigned, or deleted with
 * an expired lease), then looks again, until none is ahead (etcd's {@code waitDeletes}).
 *
 * <p>Waiting is a {@link Watcher} on the predecessor's key from the revision after the read that
 * found it, so its deletion is seen however soon it happens after that read (no event is skipped:
 * the watch resumes on another member after a failure from the last revision it delivered), and a
 * waiter costs the cluster one watch, not a stream of reads. While waiting, the session is checked
 * locally (no server call) at least every {@link #SESSION_CHECK}.
 */
final class KeyQueue {
    /** Longest a waiter goes without checking its own session's lease (a local check). */
    static final Duration SESSION_CHECK = Duration.ofMillis(250);

    private final RaftKvClient client;
    private final BlockingRaftKvClient kv;
    private final String prefix;

    /** The queue's keys as of one store revision. */
    record Members(List<KeyValue> kvs, long revision) {
        /** The member with the lowest create revision (the head), if any. */
        Optional<KeyValue> head() {
            KeyValue best = null;
            for (KeyValue k : kvs) {
                if (best == null || k.getCreateRevision() < best.getCreateRevision()) {
                    best = k;
                }
            }
            return Optional.ofNullable(best);
        }

        /** The member just ahead of {@code createRevision} (the highest create revision below it). */
        Optional<KeyValue> ahead(long createRevision) {
            KeyValue best = null;
            for (KeyValue k : kvs) {
                if (k.getCreateRevision() < createRevision
                        && (best == null || k.getCreateRevision() > best.getCreateRevision())) {
                    best = k;
                }
            }
            return Optional.ofNullable(best);
        }
    }

    KeyQueue(RaftKvClient client, String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            throw new IllegalArgumentException("prefix must not be empty");
        }
        this.client = client;
        this.kv = client.blocking();
        this.prefix = prefix;
    }

    String prefix() {
        return prefix;
    }

    RaftKvClient client() {
        return client;
    }

    /** This session's key in the queue. */
    ByteString keyOf(LeaseSession session) {
        return ByteString.copyFromUtf8(prefix + String.format("%016x", session.leaseId()));
    }

    /**
     * Joins the queue: creates the session's key (with {@code value}, attached to its lease) unless
     * it exists already, and returns it as stored (its create revision is the place in the queue).
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

    /**
     * Every key in the queue, read linearizably at one revision (later pages are read at the first
     * page's revision, so the whole list is one consistent state).
     */
    Members scan(boolean keysOnly) {
        List<KeyValue> all = new ArrayList<>();
        ByteString from = null;
        long revision = 0;
        while (true) {
            RangeRequest.Builder q = RangeRequest.newBuilder()
                    .setKeysOnly(keysOnly)
                    .setConsistency(ReadConsistency.LINEARIZABLE)
                    .setRevision(revision);
            if (from == null) {
                q.setPrefix(ByteString.copyFromUtf8(prefix));
            } else {
                q.setInterval(KeyInterval.newBuilder().setStart(from).setEnd(prefixEnd()));
            }
            RangeResponse page = kv.range(q.build());
            if (revision == 0) {
                revision = page.getHeader().getRevision();
            }
            all.addAll(page.getKvsList());
            if (!page.getMore() || page.getKvsCount() == 0) {
                return new Members(all, revision);
            }
            from = page.getKvs(page.getKvsCount() - 1).getKey().concat(ByteString.copyFrom(new byte[] {0}));
        }
    }

    /** The head of the queue (lowest create revision), if anyone is in it. */
    Optional<KeyValue> head() {
        return scan(false).head();
    }

    /** The first key after every key starting with the prefix (empty: no such key). */
    ByteString prefixEnd() {
        byte[] p = prefix.getBytes(StandardCharsets.UTF_8);
        for (int i = p.length - 1; i >= 0; i--) {
            if (p[i] != (byte) 0xFF) {
                p[i]++;
                return ByteString.copyFrom(p, 0, i + 1);
            }
        }
        return ByteString.EMPTY;
    }

    /**
     * Waits until no key with a create revision below {@code mine}'s remains, i.e. this contender
     * is at the head; then checks its own key still exists (its lease may have expired meanwhile).
     *
     * @throws TimeoutException when {@code deadlineNanos} ({@code System.nanoTime()}) passes first
     * @throws LeaseLostException when the session's lease is lost, or its key is gone
     */
    void awaitHead(LeaseSession session, KeyValue mine, long deadlineNanos)
            throws TimeoutException, InterruptedException {
        while (true) {
            checkSession(session);
            Members now = scan(true);
            Optional<KeyValue> ahead = now.ahead(mine.getCreateRevision());
            if (ahead.isEmpty()) {
                boolean stillMine = now.kvs().stream()
                        .anyMatch(k ->
                                k.getKey().equals(mine.getKey()) && k.getCreateRevision() == mine.getCreateRevision());
                if (!stillMine) {
                    throw new LeaseLostException("key " + mine.getKey().toStringUtf8() + " was deleted while waiting"
                            + " (lease " + session.leaseId() + " expired or was revoked)");
                }
                return;
            }
            awaitDeleted(session, ahead.get(), now.revision() + 1, deadlineNanos);
        }
    }

    /**
     * Watches {@code key} from {@code fromRevision} until a delete of it is seen. Returns early
     * (the caller reads the queue again) when the watch cannot start there because the history was
     * compacted past it.
     */
    private void awaitDeleted(LeaseSession session, KeyValue key, long fromRevision, long deadlineNanos)
            throws TimeoutException, InterruptedException {
        CompletableFuture<Void> gone = new CompletableFuture<>();
        WatchCreateRequest request = WatchCreateRequest.newBuilder()
                .setKey(key.getKey())
                .setStartRevision(fromRevision)
                .addFilters(WatchCreateRequest.FilterType.NOPUT)
                .build();
        session.keepAlive().lost().onComplete(ar -> gone.complete(null));
        try (Watcher w = client.watch(request, new Watcher.Listener() {
            @Override
            public void onEvents(List<Event> events, long revision) {
                for (Event e : events) {
                    if (e.getType() == Event.EventType.DELETE) {
                        gone.complete(null);
                    }
                }
            }

            @Override
            public void onClosed(RaftKvException errorOrNull) {
                if (errorOrNull != null) {
                    gone.completeExceptionally(errorOrNull);
                }
            }
        })) {
            while (true) {
                checkSession(session);
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("still waiting for "
                            + key.getKey().toStringUtf8() + " (create revision " + key.getCreateRevision() + ") to go");
                }
                long untilLost = session.aliveUntilNanos() - System.nanoTime();
                long slice = Math.max(1, Math.min(Math.min(left, untilLost), SESSION_CHECK.toNanos()));
                try {
                    gone.get(slice, TimeUnit.NANOSECONDS);
                    checkSession(session);
                    return;
                } catch (TimeoutException stillThere) {
                    // check the session and the deadline again
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RaftKvException re
                            && re.reason()
                                    .filter(r -> r == ErrorReason.REVISION_COMPACTED)
                                    .isPresent()) {
                        return;
                    }
                    throw e.getCause() instanceof RuntimeException re
                            ? re
                            : new IllegalStateException(
                                    "watch on " + key.getKey().toStringUtf8() + " failed", e);
                }
            }
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

    static void checkSession(LeaseSession session) {
        if (session.lost()) {
            throw new LeaseLostException("lease " + session.leaseId() + " lost: " + session.lostReason());
        }
    }
}
