package io.raftkv.raft;

import java.util.ArrayList;
import java.util.List;

/**
 * The node's log: durable entries read through {@link Storage} followed by the {@link UnstableLog}
 * (etcd's {@code raftLog}).
 *
 * <p>Invariants: {@code applied ≤ applying ≤ committed ≤ lastIndex()}. {@code committed} never
 * decreases (an entry once committed stays committed, §5.4); {@code applying} is the last index
 * handed to the driver to apply, so no entry is handed out twice; {@code applied} is what the
 * driver reported applied.
 */
final class RaftLog {
    private final Storage storage;
    private final UnstableLog unstable;
    private final long maxCommittedBytesPerReady;
    private long committed;
    private long applying;
    private long applied;

    RaftLog(Storage storage, long maxCommittedBytesPerReady) {
        this.storage = storage;
        this.maxCommittedBytesPerReady = maxCommittedBytesPerReady;
        long first = storage.firstIndex();
        long last = storage.lastIndex();
        this.unstable = new UnstableLog(last + 1);
        // Everything up to the snapshot is committed and applied by definition.
        this.committed = first - 1;
        this.applying = first - 1;
        this.applied = first - 1;
    }

    long committed() {
        return committed;
    }

    long applied() {
        return applied;
    }

    long applying() {
        return applying;
    }

    UnstableLog unstable() {
        return unstable;
    }

    long firstIndex() {
        long i = unstable.maybeFirstIndex();
        return i != -1 ? i : storage.firstIndex();
    }

    long lastIndex() {
        long i = unstable.maybeLastIndex();
        return i != -1 ? i : storage.lastIndex();
    }

    long lastTerm() {
        return term(lastIndex());
    }

    /**
     * Highest index known durable on this node: everything before the unstable entries, or 0 while
     * a snapshot is waiting to be persisted (the old log no longer counts then).
     */
    long lastDurableIndex() {
        return unstable.snapshot() != null ? 0 : unstable.offset() - 1;
    }

    /**
     * Term of the entry at {@code index}.
     *
     * @throws StorageException.Compacted   if it was compacted away
     * @throws StorageException.Unavailable if it is past the last index
     */
    long term(long index) {
        long t = unstable.maybeTerm(index);
        if (t != -1) {
            return t;
        }
        long first = firstIndex();
        if (index + 1 < first) {
            throw new StorageException.Compacted(index, first);
        }
        long last = lastIndex();
        if (index > last) {
            throw new StorageException.Unavailable(index, last);
        }
        return storage.term(index);
    }

    /** Term of {@code index}, or 0 if compacted or not yet in the log. */
    long termOrZero(long index) {
        try {
            return term(index);
        } catch (StorageException.Compacted | StorageException.Unavailable e) {
            return 0;
        }
    }

    boolean matchTerm(long index, long term) {
        try {
            return term(index) == term;
        } catch (StorageException.Compacted | StorageException.Unavailable e) {
            return false;
        }
    }

    /** §5.4.1: a log whose last entry is ({@code lastIndex}, {@code lastTerm}) is at least as up to date as ours. */
    boolean isUpToDate(long lastIndex, long lastTerm) {
        long ourTerm = lastTerm();
        return lastTerm > ourTerm || (lastTerm == ourTerm && lastIndex >= lastIndex());
    }

    /**
     * The follower side of AppendEntries (§5.3): if our entry at {@code index} has {@code logTerm},
     * appends {@code ents} after truncating at the first conflict, and commits up to
     * {@code min(leaderCommit, index + ents.size())}.
     *
     * @return the index of the last entry the leader's message covers, or -1 if the consistency
     *         check failed
     * @throws IllegalStateException if a conflict lies at or below the commit index (a committed
     *                               entry would change: Leader Completeness is broken)
     */
    long maybeAppend(long index, long logTerm, long leaderCommit, List<Entry> ents) {
        if (!matchTerm(index, logTerm)) {
            return -1;
        }
        long lastNew = index + ents.size();
        long conflict = findConflict(ents);
        if (conflict != 0) {
            if (conflict <= committed) {
                throw new IllegalStateException(
                        "entry " + conflict + " conflicts with committed entry (committed " + committed + ")");
            }
            append(ents.subList((int) (conflict - (index + 1)), ents.size()));
        }
        commitTo(Math.min(leaderCommit, lastNew));
        return lastNew;
    }

    /**
     * Appends entries to the unstable log (truncating any suffix they replace).
     *
     * @return the new last index
     */
    long append(List<Entry> ents) {
        if (ents.isEmpty()) {
            return lastIndex();
        }
        long after = ents.get(0).index() - 1;
        if (after < committed) {
            throw new IllegalStateException("append after index " + after + " is below committed " + committed);
        }
        unstable.truncateAndAppend(ents);
        return lastIndex();
    }

    /**
     * The index of the first entry of {@code ents} whose term differs from ours, the first one we do
     * not have, or 0 if we hold all of them already.
     */
    long findConflict(List<Entry> ents) {
        for (Entry e : ents) {
            if (!matchTerm(e.index(), e.term())) {
                return e.index();
            }
        }
        return 0;
    }

    /**
     * Fast backtracking (etcd's {@code findConflictByTerm}): the largest index ≤ {@code index}
     * whose term is ≤ {@code term}, with that term. Every entry after it has a larger term, so no
     * entry in between can match a log whose entry at {@code index} has {@code term}.
     *
     * @return {index, term}; the term is 0 if the index is past our log or compacted
     */
    long[] findConflictByTerm(long index, long term) {
        long last = lastIndex();
        if (index > last) {
            return new long[] {index, 0};
        }
        while (index > 0) {
            long ours;
            try {
                ours = term(index);
            } catch (StorageException.Compacted e) {
                return new long[] {index, 0};
            }
            if (ours <= term) {
                return new long[] {index, ours};
            }
            index--;
        }
        return new long[] {0, 0};
    }

    void commitTo(long toCommit) {
        if (toCommit <= committed) {
            return;
        }
        long last = lastIndex();
        if (toCommit > last) {
            throw new IllegalStateException("commit index " + toCommit + " is out of range [last index " + last
                    + "]: was the log truncated or lost?");
        }
        committed = toCommit;
    }

    /** Commits {@code maxIndex} if it is in {@code term} (§5.4.2: only current-term entries by counting). */
    boolean maybeCommit(long maxIndex, long term) {
        if (maxIndex > committed && termOrZero(maxIndex) == term) {
            commitTo(maxIndex);
            return true;
        }
        return false;
    }

    /** Entries handed to the driver up to {@code index}. */
    void applyingTo(long index) {
        if (index > committed) {
            throw new IllegalStateException("applying " + index + " beyond committed " + committed);
        }
        applying = Math.max(applying, index);
    }

    /** The driver applied up to {@code index}. */
    void appliedTo(long index) {
        if (index > committed) {
            throw new IllegalStateException("applied " + index + " is beyond committed " + committed);
        }
        if (index > applied) {
            applied = index;
            applying = Math.max(applying, index);
        }
    }

    /** Restart: the state machine already applied up to {@code index}. */
    void restoreApplied(long index) {
        if (index < applied) {
            throw new IllegalStateException("applied index " + index + " is below the snapshot index " + applied
                    + ": restore the state machine from storage.snapshot() before starting the core");
        }
        appliedTo(index);
    }

    boolean hasPendingSnapshot() {
        return unstable.snapshot() != null;
    }

    /** Committed entries not yet handed out, at most {@code maxCommittedBytesPerReady} (but ≥ 1). */
    List<Entry> nextCommittedEntries() {
        if (hasPendingSnapshot()) {
            // The snapshot must be applied first; entries after it follow in a later Ready.
            return List.of();
        }
        long lo = Math.max(applying + 1, firstIndex());
        long hi = committed + 1;
        if (lo >= hi) {
            return List.of();
        }
        return slice(lo, hi, maxCommittedBytesPerReady);
    }

    boolean hasNextCommittedEntries() {
        return !hasPendingSnapshot() && committed > Math.max(applying, firstIndex() - 1);
    }

    /** Entries from {@code index} to the end, at most {@code maxBytes} (but ≥ 1 if any). */
    List<Entry> entriesFrom(long index, long maxBytes) {
        long last = lastIndex();
        if (index > last) {
            return List.of();
        }
        return slice(index, last + 1, maxBytes);
    }

    /**
     * Entries {@code [lo, hi)}, at most {@code maxBytes} in total but at least one.
     *
     * @throws StorageException.Compacted if {@code lo} was compacted
     */
    List<Entry> slice(long lo, long hi, long maxBytes) {
        if (lo > hi) {
            throw new IllegalStateException("invalid slice " + lo + " > " + hi);
        }
        long first = firstIndex();
        if (lo < first) {
            throw new StorageException.Compacted(lo, first);
        }
        long last = lastIndex();
        if (hi > last + 1) {
            throw new IllegalStateException(
                    "slice [" + lo + ", " + hi + ") out of bound [" + first + ", " + last + "]");
        }
        if (lo == hi) {
            return List.of();
        }
        long offset = unstable.offset();
        List<Entry> out = null;
        if (lo < offset) {
            List<Entry> stored = storage.entries(lo, Math.min(hi, offset), maxBytes);
            if (stored.size() < Math.min(hi, offset) - lo) {
                // The byte limit cut it short: do not add unstable entries after a gap.
                return stored;
            }
            out = stored;
        }
        if (hi > offset) {
            List<Entry> unstableEnts = unstable.slice(Math.max(lo, offset), hi);
            if (out == null) {
                out = unstableEnts;
            } else {
                List<Entry> combined = new ArrayList<>(out.size() + unstableEnts.size());
                combined.addAll(out);
                combined.addAll(unstableEnts);
                out = combined;
            }
        }
        return limitSize(out, maxBytes);
    }

    private static List<Entry> limitSize(List<Entry> ents, long maxBytes) {
        long size = 0;
        for (int i = 0; i < ents.size(); i++) {
            size += ents.get(i).sizeBytes();
            if (i > 0 && size > maxBytes) {
                return List.copyOf(ents.subList(0, i));
            }
        }
        return ents;
    }

    /** Unstable entries to hand out in a Ready (references only). */
    List<Entry> unstableEntries() {
        return unstable.entries();
    }

    /** The newest snapshot: a pending one, else storage's. */
    Snapshot snapshot() {
        Snapshot s = unstable.snapshot();
        return s != null ? s : storage.snapshot();
    }

    /** Replaces the log with {@code s} (a follower installing the leader's snapshot). */
    void restore(Snapshot s) {
        committed = s.metadata().index();
        unstable.restore(s);
    }

    void stableTo(long index, long term) {
        unstable.stableTo(index, term);
    }

    void stableSnapTo(long index) {
        unstable.stableSnapTo(index);
    }

    @Override
    public String toString() {
        return "RaftLog{committed=" + committed + ", applying=" + applying + ", applied=" + applied
                + ", unstable.offset=" + unstable.offset() + ", last=" + lastIndex() + "}";
    }
}
