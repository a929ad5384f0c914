package io.raftkv.raft.sim;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongUnaryOperator;

/**
 * Linearizable reads (ReadIndex, Raft dissertation §6.4): a read served once the serving node's
 * applied index reaches its {@code ReadState} index must reflect every write acknowledged before
 * the read was issued. A write counts as acknowledged once any node applied it.
 *
 * <p>The read is evaluated at the earliest point a driver may serve it, the state machine prefix
 * up to the ReadState index. It reflects all earlier acknowledged writes iff that index is at
 * least the highest index acknowledged before the read began and the serving node applied the
 * same write there (the lower ones follow from State Machine Safety, checked separately).
 */
final class LinearizableReadChecker extends Checker {
    /** The highest acknowledged write when a read was issued: its index and value. */
    private record Horizon(long index, long value) {}

    private long maxAckedIndex;
    private long maxAckedValue;
    private final Map<Long, Horizon> issued = new HashMap<>();

    LinearizableReadChecker() {
        super("LinearizableRead");
    }

    /** The write of {@code value} at {@code index} was applied for the first time anywhere. */
    void onWriteAcknowledged(long value, long index) {
        if (index > maxAckedIndex) {
            maxAckedIndex = index;
            maxAckedValue = value;
        }
    }

    /** Read {@code readId} is issued now. */
    void onReadIssued(long readId) {
        issued.put(readId, new Horizon(maxAckedIndex, maxAckedValue));
    }

    /**
     * Read {@code readId} got a ReadState at {@code readIndex} and is served by a node whose
     * applied index is {@code applied}; {@code valueAt} gives that node's applied value per index.
     */
    void onReadServed(long readId, long readIndex, long applied, LongUnaryOperator valueAt) {
        checked();
        Horizon h = issued.get(readId);
        if (h == null) {
            throw violation("read %d served but never issued", readId);
        }
        if (applied < readIndex) {
            throw violation("read %d served at applied index %d below its read index %d", readId, applied, readIndex);
        }
        if (readIndex < h.index) {
            throw violation(
                    "read %d has read index %d but write %d was acknowledged at index %d before it began",
                    readId, readIndex, h.value, h.index);
        }
        if (h.index > 0 && valueAt.applyAsLong(h.index) != h.value) {
            throw violation(
                    "read %d: serving node holds value %d at index %d, acknowledged write was %d",
                    readId, valueAt.applyAsLong(h.index), h.index, h.value);
        }
    }
}
