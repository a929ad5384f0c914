package io.raftkv.raft.sim;

import io.raftkv.raft.Entry;
import java.util.List;

/**
 * A node's log as its core sees it: the durable log with the entries of the outstanding Ready
 * (handed to the disk, not yet written) laid over it, replacing any conflicting suffix.
 */
final class PendingLogView implements LogView {
    private final LogView durable;
    private final List<Entry> pending;

    /** {@code pending} is contiguous and starts at most one past {@code durable}'s last index. */
    PendingLogView(LogView durable, List<Entry> pending) {
        this.durable = durable;
        this.pending = pending;
    }

    private long pendingFirst() {
        return pending.isEmpty() ? Long.MAX_VALUE : pending.get(0).index();
    }

    @Override
    public long snapshotIndex() {
        return durable.snapshotIndex();
    }

    @Override
    public long snapshotTerm() {
        return durable.snapshotTerm();
    }

    @Override
    public long lastIndex() {
        return pending.isEmpty()
                ? durable.lastIndex()
                : pending.get(pending.size() - 1).index();
    }

    @Override
    public Entry entry(long index) {
        if (index <= snapshotIndex() || index > lastIndex()) {
            return null;
        }
        long first = pendingFirst();
        return index >= first ? pending.get((int) (index - first)) : durable.entry(index);
    }
}
