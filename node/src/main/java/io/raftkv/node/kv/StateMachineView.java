package io.raftkv.node.kv;

import java.util.Optional;

/**
 * What the member's servers, alarms and watchers see of the replicated state machine
 * ({@code io.raftkv.node.driver.RaftNodeApi#stateMachine()}): its reads, the replicated alarms and
 * the space its data takes, the history watchers read, plus the two hooks the member wires (the watchers' change listener, the
 * compaction a NOSPACE disarm needs). Implemented by {@code io.raftkv.node.storage.KvStateMachine};
 * nothing here applies a command (commands go through the driver's {@code propose}).
 */
public interface StateMachineView extends KvReader {

    /**
     * The cluster-wide alarms active as of {@link #appliedIndex()} (replicated state: every replica
     * agrees at the same index). Any thread, never blocks.
     */
    ActiveAlarms alarms();

    /**
     * Bytes the state machine's data occupies, as the space quota counts it (no I/O). Deleted keys
     * stop counting once compaction drops them ({@link #compactData()}). 0 once closed. Any thread.
     */
    long dataBytes();

    /**
     * Flushes and fully compacts the stored data, so space held by deleted and overwritten keys is
     * given back (what a disarm of NOSPACE needs). Blocking and I/O-heavy: a worker thread only.
     */
    void compactData();

    /**
     * Changes from revision {@code fromRevision} on, in revision order, at most {@code maxEvents}
     * and about {@code maxBytes} (whole revisions; at least one); empty when the store has not
     * reached {@code fromRevision}. Blocking.
     *
     * @throws RevisionUnavailableException if {@code fromRevision} is compacted
     */
    Changes changes(long fromRevision, int maxEvents, long maxBytes);

    /** The key as it was before change {@code sub} of {@code revision} (a watch's prev_kv); blocking. */
    Optional<KeyValue> previous(byte[] key, long revision, int sub);

    /**
     * This member's state hash right after entry {@code index}, a hash point of the corruption
     * check ({@link Command.HashCheck}); completes once applied and hashed (off the caller's
     * thread), fails for an index this member applied without hashing. Never blocks.
     */
    java.util.concurrent.CompletableFuture<StateHash> hashAt(long index);

    /** Who sees every applied batch's changes (null: nobody); the member's watchers. */
    void setChangeListener(ChangeListener listener);
}
