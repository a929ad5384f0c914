package io.raftkv.node.kv;

import java.util.List;

/**
 * One page of a range read.
 *
 * @param keyValues keys in ascending bytewise order (empty for a count-only read)
 * @param more      whether keys beyond the last one returned exist in the range (ask again from
 *                  just after the last key, at the same {@code revision})
 * @param revision  the store revision the page reflects (0 from readers without revisions)
 * @param count     how many keys the whole range holds at {@code revision}
 */
public record RangeResult(List<KeyValue> keyValues, boolean more, long revision, long count) {
    public RangeResult {
        keyValues = List.copyOf(keyValues);
    }

    /** A page without a revision, counting only its own keys. */
    public RangeResult(List<KeyValue> keyValues, boolean more) {
        this(keyValues, more, 0, keyValues.size());
    }
}
