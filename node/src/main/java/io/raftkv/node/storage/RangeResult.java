package io.raftkv.node.storage;

import java.util.List;

/**
 * One page of a range read.
 *
 * @param keyValues keys in ascending bytewise order
 * @param more      whether keys beyond the last one returned exist in the range (ask again from
 *                  just after the last key)
 */
public record RangeResult(List<KeyValue> keyValues, boolean more) {
    public RangeResult {
        keyValues = List.copyOf(keyValues);
    }
}
