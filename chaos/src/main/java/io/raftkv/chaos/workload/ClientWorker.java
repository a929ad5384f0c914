package io.raftkv.chaos.workload;

import static io.raftkv.api.client.RaftKvClient.utf8;

import io.raftkv.api.RaftKvException;
import io.raftkv.api.client.RaftKvClient;
import io.raftkv.api.v1.Compare;
import io.raftkv.api.v1.CompareAndSetRequest;
import io.raftkv.api.v1.CompareAndSetResponse;
import io.raftkv.api.v1.DeleteRequest;
import io.raftkv.api.v1.DeleteResponse;
import io.raftkv.api.v1.GetRequest;
import io.raftkv.api.v1.GetResponse;
import io.raftkv.api.v1.PutRequest;
import io.raftkv.api.v1.Session;
import io.raftkv.e2e.history.HistoryWriter;
import io.raftkv.e2e.history.OpKind;
import io.raftkv.e2e.history.Operation;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * One client of a workload: a thread that runs one operation at a time until told to stop and
 * appends each completed operation to the history, stamped with call and return times from the
 * run's one monotonic clock.
 *
 * <p>How outcomes are recorded (docs/testing.md, history format):
 * <ul>
 *   <li>an answer → {@code ok=true} (a cas whose comparison failed: {@code ok=false}, known);
 *   <li>a failed get → {@code unknown} if it timed out, else failed; either way the checker ignores it;
 *   <li>a failed write → always {@code unknown=true}. The client library retries internally, and
 *       its final error says nothing about earlier attempts: an attempt that timed out may have
 *       been applied even if the last one was refused. Unknown is the only sound record.
 * </ul>
 *
 * <p>Sessions: every write carries this client's own session (client id, sequence), one write in
 * flight, the sequence advancing by one per write. After a failed write the client starts a new
 * session (new id, sequence 1), because a node rejects sequence n+1 of a session whose first
 * write never arrived.
 *
 * <p>Retry mode: with probability {@code responseDropShare} an acknowledged write's answer is
 * dropped and the identical request (same session and sequence) is sent again. The node must
 * answer from its session table; the second answer is recorded, and an answer that differs from
 * the first (a cas that succeeded and now "failed") is counted as a retry mismatch.
 *
 * <p>Every written value is unique ({@code c<client>-<n>}), so a read names the write it saw.
 */
final class ClientWorker implements Runnable {
    private final int clientIndex;
    private final RaftKvClient writer;
    private final List<RaftKvClient> nodeReaders;
    private final WorkloadOptions options;
    private final KeySpace keys;
    private final HistoryWriter history;
    private final WorkloadStats stats;
    private final LongSupplier clock;
    private final Random random;
    private final AtomicBoolean stop;
    private final Runnable onFailure;
    private final Consumer<String> events;
    private long sessionId;
    private long sequence;
    private long valuesWritten;
    private volatile Throwable failure;

    /**
     * @param writer      the leader-bound client (writes, and reads unless from any node)
     * @param nodeReaders one client pinned to each member, for reads from any node (may be empty otherwise)
     * @param stop        set by the workload to stop; set by this client when it fails
     * @param onFailure   called once if this client fails (a harness bug, not a node outcome)
     * @param events      receives notable events (retry mismatches) for the run's event log
     */
    ClientWorker(
            int clientIndex,
            RaftKvClient writer,
            List<RaftKvClient> nodeReaders,
            WorkloadOptions options,
            KeySpace keys,
            HistoryWriter history,
            WorkloadStats stats,
            LongSupplier clock,
            long seed,
            AtomicBoolean stop,
            Runnable onFailure,
            Consumer<String> events) {
        this.clientIndex = clientIndex;
        this.writer = writer;
        this.nodeReaders = List.copyOf(nodeReaders);
        this.options = options;
        this.keys = keys;
        this.history = history;
        this.stats = stats;
        this.clock = clock;
        this.random = new Random(seed);
        this.stop = stop;
        this.onFailure = onFailure;
        this.events = events;
        newSession();
    }

    @Override
    public void run() {
        try {
            while (!stop.get()) {
                Operation op = next();
                history.append(op);
                stats.record(op);
            }
        } catch (RuntimeException | Error e) {
            failure = e;
            stop.set(true); // a broken client invalidates the run: stop the others too
            onFailure.run();
        }
    }

    /** The exception that ended this client early, or null. */
    Throwable failure() {
        return failure;
    }

    private Operation next() {
        String key = keys.next(random);
        OpKind kind = options.mix().pick(random);
        return switch (kind) {
            case GET -> get(key);
            case PUT -> put(key, nextValue());
            case CAS -> cas(key, keys.lastSeen(key), nextValue());
            case DELETE -> delete(key);
        };
    }

    private Operation get(String key) {
        RaftKvClient reader = options.readsFromAnyNode() && !nodeReaders.isEmpty()
                ? nodeReaders.get(random.nextInt(nodeReaders.size()))
                : writer;
        GetRequest request = GetRequest.newBuilder()
                .setKey(utf8(key))
                .setConsistency(options.readConsistency())
                .build();
        long call = clock.getAsLong();
        try {
            GetResponse r = reader.blocking().get(request);
            long ret = clock.getAsLong();
            String value = r.hasKv() ? r.getKv().getValue().toStringUtf8() : null;
            keys.observed(key, value);
            return Operation.get(clientIndex, key, value, call, ret);
        } catch (RaftKvException e) {
            long ret = clock.getAsLong();
            return new Operation(clientIndex, OpKind.GET, key, null, null, false, e.isOutcomeUnknown(), call, ret);
        }
    }

    private Operation put(String key, String value) {
        PutRequest request = PutRequest.newBuilder()
                .setKey(utf8(key))
                .setValue(utf8(value))
                .setSession(session())
                .build();
        long call = clock.getAsLong();
        try {
            sendMaybeTwice(() -> writer.blocking().put(request), (a, b) -> true);
            long ret = clock.getAsLong();
            sequence++;
            keys.observed(key, value);
            return Operation.put(clientIndex, key, value, call, ret);
        } catch (RaftKvException e) {
            return unknownWrite(
                    new Operation(clientIndex, OpKind.PUT, key, value, null, false, true, call, clock.getAsLong()));
        }
    }

    private Operation delete(String key) {
        DeleteRequest request = DeleteRequest.newBuilder()
                .setKey(utf8(key))
                .setSession(session())
                .build();
        long call = clock.getAsLong();
        try {
            sendMaybeTwice(
                    () -> writer.blocking().delete(request),
                    (DeleteResponse a, DeleteResponse b) -> a.getDeleted() == b.getDeleted());
            long ret = clock.getAsLong();
            sequence++;
            keys.observed(key, null);
            return Operation.delete(clientIndex, key, call, ret);
        } catch (RaftKvException e) {
            return unknownWrite(
                    new Operation(clientIndex, OpKind.DELETE, key, null, null, false, true, call, clock.getAsLong()));
        }
    }

    /** Compare-and-set {@code expected} (null: the key must be absent) → {@code value}. */
    private Operation cas(String key, String expected, String value) {
        Compare.Builder compare = Compare.newBuilder().setKey(utf8(key));
        if (expected == null) {
            compare.setTarget(Compare.Target.ABSENT);
        } else {
            compare.setTarget(Compare.Target.VALUE).setValue(utf8(expected));
        }
        CompareAndSetRequest request = CompareAndSetRequest.newBuilder()
                .setCompare(compare)
                .setAction(CompareAndSetRequest.Action.PUT)
                .setValue(utf8(value))
                .setSession(session())
                .build();
        long call = clock.getAsLong();
        try {
            CompareAndSetResponse r = sendMaybeTwice(
                    () -> writer.blocking().compareAndSet(request),
                    (CompareAndSetResponse a, CompareAndSetResponse b) -> a.getSucceeded() == b.getSucceeded());
            long ret = clock.getAsLong();
            sequence++;
            if (r.getSucceeded()) {
                keys.observed(key, value);
            } else {
                keys.observed(key, r.hasKv() ? r.getKv().getValue().toStringUtf8() : null);
            }
            return Operation.cas(clientIndex, key, expected, value, r.getSucceeded(), call, ret);
        } catch (RaftKvException e) {
            return unknownWrite(
                    new Operation(clientIndex, OpKind.CAS, key, value, expected, false, true, call, clock.getAsLong()));
        }
    }

    /** A write whose outcome is unknown; the next write starts a new session (see the class comment). */
    private Operation unknownWrite(Operation op) {
        newSession();
        return op;
    }

    /** Answers of a write and its deliberate retry that must agree. */
    private interface SameAnswer<T> {
        boolean test(T first, T second);
    }

    /**
     * Sends the write; in retry mode, sometimes drops the answer and sends the identical request
     * again, returning the second answer.
     */
    private <T> T sendMaybeTwice(Supplier<T> send, SameAnswer<T> same) {
        T first = send.get();
        if (options.responseDropShare() == 0 || random.nextDouble() >= options.responseDropShare()) {
            return first;
        }
        stats.responseDropped();
        T second = send.get();
        if (!same.test(first, second)) {
            stats.retryMismatch();
            events.accept("retry mismatch: client " + clientIndex + " session " + Long.toUnsignedString(sessionId)
                    + " seq " + sequence + ": first answer {" + first.toString().replace('\n', ' ')
                    + "}, retry answer {" + second.toString().replace('\n', ' ') + "}");
        }
        return second;
    }

    private Session session() {
        return Session.newBuilder().setClientId(sessionId).setSeq(sequence).build();
    }

    /** A fresh session id (never 0, which means "no session") starting at sequence 1. */
    private void newSession() {
        long id;
        do {
            id = random.nextLong();
        } while (id == 0);
        sessionId = id;
        sequence = 1;
    }

    private String nextValue() {
        return "c" + clientIndex + "-" + valuesWritten++;
    }
}
