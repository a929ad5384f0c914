package io.raftkv.raft;

import java.util.List;

/**
 * A batch of work the core hands to its driver. Only one Ready may be outstanding: after
 * {@link RawNode#ready()} the driver must call {@link RawNode#advance(Ready)} before the next.
 *
 * <h2>The Ready contract</h2>
 * The driver handles a Ready in this order; the simulator checks every step.
 * <ol>
 *   <li><b>{@link #messages()}</b> may be sent at once, before anything is durable. They never
 *       depend on this Ready's writes (a leader's appends, heartbeats, snapshot notices: a leader
 *       replicates in parallel with its own fsync, Raft dissertation §10.2.1).</li>
 *   <li><b>Persist atomically</b>: {@link #snapshot()} (if not empty), then {@link #entries()}
 *       (appended after truncating any conflicting suffix), then {@link #hardState()} (if not
 *       null). Sync to disk when {@link #mustSync()}.</li>
 *   <li><b>{@link #persistedMessages()}</b> may be sent only after step 2 is durable: votes, append
 *       acknowledgements and anything else that promises what is on disk (§5.1: "respond to RPCs
 *       only after updating stable storage").</li>
 *   <li><b>Apply</b> {@link #snapshot()} and then {@link #committedEntries()} to the state machine,
 *       in order, only after step 2 is durable. Committed entries never run ahead of durable log
 *       entries: the leader counts itself toward a quorum only for entries it was told (by
 *       {@code advance}) are durable.</li>
 *   <li>Call {@link RawNode#advance(Ready)}. Applying may finish later (asynchronously); the driver
 *       reports the applied index through {@link RawNode#advanceApplied(long)} if it does.</li>
 * </ol>
 * {@link #readStates()} become answerable once the applied index reaches their index.
 *
 * @param softState         leader and role if they changed since the last Ready, else null
 * @param hardState         term/vote/commit to persist if changed, else null
 * @param readStates        read-index requests that became safe
 * @param entries           entries to persist (not yet durable)
 * @param snapshot          snapshot to persist and apply, or {@link Snapshot#EMPTY}
 * @param committedEntries  entries to apply, contiguous and in log order
 * @param messages          messages to send now
 * @param persistedMessages messages to send after this Ready's writes are durable
 * @param mustSync          whether the writes must be fsynced (term, vote or entries changed)
 */
public record Ready(
        SoftState softState,
        HardState hardState,
        List<ReadState> readStates,
        List<Entry> entries,
        Snapshot snapshot,
        List<Entry> committedEntries,
        List<Message> messages,
        List<Message> persistedMessages,
        boolean mustSync) {

    public Ready {
        readStates = readStates == null ? List.of() : readStates;
        entries = entries == null ? List.of() : entries;
        snapshot = snapshot == null ? Snapshot.EMPTY : snapshot;
        committedEntries = committedEntries == null ? List.of() : committedEntries;
        messages = messages == null ? List.of() : messages;
        persistedMessages = persistedMessages == null ? List.of() : persistedMessages;
    }

    /** Whether steps 2 has anything to write. */
    public boolean hasWrites() {
        return hardState != null || !entries.isEmpty() || !snapshot.isEmpty();
    }
}
