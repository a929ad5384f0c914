package io.raftkv.raft.loop;

import io.raftkv.raft.ConfChange;
import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.HardState;
import io.raftkv.raft.Message;
import io.raftkv.raft.RawNode;
import io.raftkv.raft.Ready;
import io.raftkv.raft.Snapshot;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Ready loop that ships: the policy with which a driver hands the core's {@link Ready} batches to
 * disk, network and state machine, free of any I/O of its own. The node's Vert.x driver and the
 * deterministic simulator both run it, through four narrow ports — {@link Persist}, {@link Send},
 * {@link Apply} and {@link Clock} — and report back through {@link Events}.
 *
 * <p>One Ready at a time, in the order of the {@link Ready} contract:
 * <ol>
 *   <li>send {@code messages} at once (a leader's appends leave before its own fsync);</li>
 *   <li>hand hard state, entries and an installed snapshot to {@link Persist}; continue when it
 *       reports them durable. A Ready whose only write is a new commit index is not written at all:
 *       the commit index is volatile in Raft, so it rides along with the next real write (the
 *       driver's start-up accepts a state machine ahead of the stored commit when the log still
 *       holds the applied entry);</li>
 *   <li>send {@code persistedMessages};</li>
 *   <li>apply conf changes to the core in log order, hand {@code committedEntries} to
 *       {@link Apply} (asynchronous), and {@code advance} — the leader counts itself toward a
 *       quorum only for entries this advance reports durable;</li>
 *   <li>when an apply batch completes: {@link RawNode#advanceApplied}, then
 *       {@link Events#onApplied}.</li>
 * </ol>
 * Back-pressure: no new Ready is taken while a persist is outstanding (the core batches whatever
 * arrives meanwhile into the next one: group commit) or while {@code maxApplyBatchesInFlight}
 * apply batches are queued; meanwhile heartbeats and appends still leave at once
 * ({@link RawNode#takeMessages()}), acknowledgements wait for their Ready.
 *
 * <p>Not thread-safe: every method, and every port callback, runs on the owner's single thread
 * (an event-loop context, or the simulator's). A callback may run inside the port call.
 *
 * @param <R> what the state machine reports for an applied batch
 */
public final class ReadyLoop<R> {

    /** Writes one Ready's snapshot, entries and hard state atomically, fsynced. */
    public interface Persist {
        /**
         * @param hardState the hard state to write, or null
         * @param snapshot  a snapshot to install before the entries, or {@link Snapshot#EMPTY}
         * @param done      called on the loop's thread once durable, with null, or with the failure
         */
        void persist(HardState hardState, List<Entry> entries, Snapshot snapshot, Done done);
    }

    /** Puts messages on the wire (never blocks; a lost message is Raft's to repair). */
    public interface Send {
        void send(List<Message> messages);
    }

    /** Applies committed entries in order, asynchronously. */
    public interface Apply<R> {
        /**
         * @param confStates the configuration after each conf-change entry, by index
         * @param done       called on the loop's thread once applied, in submission order
         */
        void apply(List<Entry> committed, Map<Long, ConfState> confStates, Applied<R> done);
    }

    /** Monotonic time, for the persist latency the loop reports. */
    public interface Clock {
        long nanoTime();
    }

    /** Completion of a persist. */
    public interface Done {
        void done(Throwable failureOrNull);
    }

    /** Completion of an apply batch. */
    public interface Applied<R> {
        void applied(R result, Throwable failureOrNull);
    }

    /** What the loop tells its owner; every method runs on the loop's thread. */
    public interface Events<R> {
        /** A Ready was taken from the core (step 0: before anything of it is sent or written). */
        default void onReady(Ready rd) {}

        /** {@code rd}'s writes are durable and its persisted messages sent. */
        default void onPersisted(Ready rd) {}

        /** A committed conf change was applied to the core (before the state machine applies it). */
        default void onConfChange(Entry entry, ConfChange change, ConfState after) {}

        /** An apply batch completed; {@code appliedIndex} already includes it. */
        default void onApplied(List<Entry> committed, R result, long appliedIndex) {}

        /** A persist took {@code nanos}. */
        default void onPersistLatency(long nanos, long now) {}

        /** The loop stopped on a failure; nothing more is sent, written or applied. */
        void onHalt(String what, Throwable cause);
    }

    private final RawNode rawNode;
    private final Persist persist;
    private final Send send;
    private final Apply<R> apply;
    private final Clock clock;
    private final Events<R> events;
    private final int maxApplyBatchesInFlight;

    private boolean stopped;
    private boolean readyInProgress;
    private boolean running;
    /** A Ready whose persist completed while {@link #run()} was still on the stack. */
    private Ready completedInline;

    private Throwable completedInlineFailure;
    /** The latest commit-only hard state not yet written, or null. */
    private HardState deferredHardState;

    private int applyBatchesInFlight;
    /** Last index whose apply completed; ≤ the core's commit index. */
    private long appliedIndex;
    /** Index of a snapshot the state machine is swapping to (0: none). */
    private long restoringToIndex;

    /**
     * @param appliedIndex the state machine's applied index at start; the core is switched to
     *                     asynchronous apply at once, so its applied index (which gates conf
     *                     changes and campaigning) moves only when the state machine really applied
     */
    public ReadyLoop(
            RawNode rawNode,
            long appliedIndex,
            int maxApplyBatchesInFlight,
            Persist persist,
            Send send,
            Apply<R> apply,
            Clock clock,
            Events<R> events) {
        if (maxApplyBatchesInFlight < 1) {
            throw new IllegalArgumentException("maxApplyBatchesInFlight must be ≥ 1, got " + maxApplyBatchesInFlight);
        }
        this.rawNode = rawNode;
        this.appliedIndex = appliedIndex;
        this.maxApplyBatchesInFlight = maxApplyBatchesInFlight;
        this.persist = persist;
        this.send = send;
        this.apply = apply;
        this.clock = clock;
        this.events = events;
        rawNode.advanceApplied(appliedIndex);
    }

    /** Last index the state machine finished applying (or restored from a snapshot). */
    public long appliedIndex() {
        return appliedIndex;
    }

    /** Whether a Ready is being written. */
    public boolean persisting() {
        return readyInProgress;
    }

    public int applyBatchesInFlight() {
        return applyBatchesInFlight;
    }

    public boolean stopped() {
        return stopped;
    }

    /** Stops the loop for good: later callbacks and calls do nothing. */
    public void stop() {
        stopped = true;
    }

    /**
     * Takes and handles Readys until none is left, or one is being written, or the apply queue is
     * full; in the last two cases sends the messages that need not wait.
     */
    public void run() {
        if (stopped || running) {
            return;
        }
        running = true;
        try {
            while (!stopped) {
                if (readyInProgress || applyBatchesInFlight >= maxApplyBatchesInFlight) {
                    // A write (or apply) is still running: heartbeats and appends must not wait behind
                    // it, or followers time out whenever one fsync is slow. Acks still wait.
                    List<Message> now = rawNode.takeMessages();
                    if (!now.isEmpty()) {
                        send.send(now);
                    }
                    return;
                }
                if (!rawNode.hasReady()) {
                    return;
                }
                try {
                    handOver(rawNode.ready());
                } catch (RuntimeException e) {
                    // A Ready that cannot be handed over would leave the loop waiting for ever.
                    halt("handing over a Ready failed", e);
                    return;
                }
                if (completedInline != null) {
                    Ready rd = completedInline;
                    Throwable err = completedInlineFailure;
                    completedInline = null;
                    completedInlineFailure = null;
                    persisted(rd, err);
                }
            }
        } finally {
            running = false;
        }
    }

    /**
     * The state machine reports its applied index after swapping to a received snapshot; returns
     * whether the loop's applied index moved (reads waiting for it may go).
     */
    public boolean checkRestored(long stateMachineApplied) {
        if (restoringToIndex > appliedIndex && stateMachineApplied >= restoringToIndex) {
            appliedIndex = restoringToIndex;
            return true;
        }
        return false;
    }

    private void handOver(Ready rd) {
        readyInProgress = true;
        events.onReady(rd);
        send.send(rd.messages());
        HardState hs;
        if (!rd.hasWrites()) {
            persisted(rd, null);
            return;
        } else if (!rd.mustSync() && rd.entries().isEmpty() && rd.snapshot().isEmpty()) {
            deferredHardState = rd.hardState();
            persisted(rd, null);
            return;
        } else {
            hs = rd.hardState() != null ? rd.hardState() : deferredHardState;
            deferredHardState = null;
        }
        long started = clock.nanoTime();
        try {
            persist.persist(hs, rd.entries(), rd.snapshot(), err -> {
                long now = clock.nanoTime();
                events.onPersistLatency(now - started, now);
                if (running) {
                    completedInline = rd;
                    completedInlineFailure = err;
                } else {
                    persisted(rd, err);
                    run();
                }
            });
        } catch (RuntimeException e) {
            halt("persist refused a Ready", e);
        }
    }

    private void persisted(Ready rd, Throwable err) {
        if (stopped) {
            return;
        }
        if (err != null) {
            halt("persisting a Ready failed", err);
            return;
        }
        try {
            afterPersist(rd);
        } catch (RuntimeException e) {
            // E.g. the core refusing a conf change it cannot apply: the loop cannot advance, and a
            // node that looks alive but never takes another Ready must say so loudly instead.
            halt("handling a durable Ready failed", e);
        }
    }

    private void afterPersist(Ready rd) {
        send.send(rd.persistedMessages());
        if (!rd.snapshot().isEmpty()) {
            // The state machine swaps to the snapshot after this write; the applied index moves only
            // once it has (checkRestored, or the next completed apply batch, which queues behind it).
            restoringToIndex =
                    Math.max(restoringToIndex, rd.snapshot().metadata().index());
        }
        events.onPersisted(rd);
        List<Entry> committed = rd.committedEntries();
        Map<Long, ConfState> confStates = committed.isEmpty() ? Map.of() : applyConfChanges(committed);
        rawNode.advance(rd);
        readyInProgress = false;
        if (!committed.isEmpty()) {
            // After advance: the batch counts as handed out, so a completion (even one inside this
            // call) may report it applied.
            applyBatchesInFlight++;
            apply.apply(committed, confStates, (result, err) -> afterApply(committed, result, err));
        }
    }

    /** Applies committed conf changes to the core, in log order; returns the ConfState per index. */
    private Map<Long, ConfState> applyConfChanges(List<Entry> committed) {
        Map<Long, ConfState> confStates = Map.of();
        for (Entry e : committed) {
            if (e.type() != EntryType.CONF_CHANGE || e.data().length == 0) {
                continue;
            }
            ConfChange cc = ConfChange.decode(e.data());
            ConfState cs = rawNode.applyConfChange(e.index(), cc);
            if (confStates.isEmpty()) {
                confStates = new HashMap<>();
            }
            confStates.put(e.index(), cs);
            events.onConfChange(e, cc, cs);
        }
        return confStates;
    }

    private void afterApply(List<Entry> committed, R result, Throwable err) {
        applyBatchesInFlight--;
        if (stopped) {
            return;
        }
        if (err != null) {
            halt("applying committed entries failed", err);
            return;
        }
        long last = committed.get(committed.size() - 1).index();
        appliedIndex = Math.max(appliedIndex, last);
        restoringToIndex = 0; // applies queue behind a swap: once one completes, the swap is done
        rawNode.advanceApplied(last);
        events.onApplied(committed, result, appliedIndex);
        run();
    }

    private void halt(String what, Throwable cause) {
        if (stopped) {
            return;
        }
        stopped = true;
        events.onHalt(what, cause);
    }
}
