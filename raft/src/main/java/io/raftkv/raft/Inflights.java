package io.raftkv.raft;

/**
 * The append messages in flight to one follower, as a bounded ring of the last index each message
 * carried (etcd's {@code tracker.Inflights}). Flow control: while the ring is full the leader sends
 * no more entries to that follower, so a slow follower costs the leader at most
 * {@code capacity × maxSizePerMsgBytes} of queued messages.
 *
 * <p>Invariant: the stored indices are strictly increasing from the oldest to the newest, because
 * the leader only ever sends a follower later and later entries while it is replicating.
 */
final class Inflights {
    private final long[] lastIndices;
    /** Position of the oldest message in the ring. */
    private int start;
    /** Messages in flight, {@code 0 ≤ count ≤ capacity}. */
    private int count;

    Inflights(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("inflight capacity must be > 0, got " + capacity);
        }
        this.lastIndices = new long[capacity];
    }

    int capacity() {
        return lastIndices.length;
    }

    int count() {
        return count;
    }

    boolean full() {
        return count == lastIndices.length;
    }

    /** Records a message whose last entry is {@code lastIndex}. */
    void add(long lastIndex) {
        if (full()) {
            throw new IllegalStateException(
                    "cannot add index " + lastIndex + " to a full inflights window of " + lastIndices.length);
        }
        if (count > 0 && lastIndex <= newest()) {
            throw new IllegalStateException("inflight index " + lastIndex + " is not after the newest " + newest());
        }
        lastIndices[(start + count) % lastIndices.length] = lastIndex;
        count++;
    }

    /** Frees every message whose last index is ≤ {@code index} (the follower acknowledged it). */
    void freeLE(long index) {
        while (count > 0 && lastIndices[start] <= index) {
            start = (start + 1) % lastIndices.length;
            count--;
        }
        if (count == 0) {
            start = 0;
        }
    }

    void reset() {
        start = 0;
        count = 0;
    }

    private long newest() {
        return lastIndices[(start + count - 1) % lastIndices.length];
    }
}
