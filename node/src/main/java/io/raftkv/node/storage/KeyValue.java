package io.raftkv.node.storage;

import java.util.Arrays;
import java.util.Objects;

/**
 * A stored key with its value and history.
 *
 * @param createIndex log index of the write that created the key (since its last deletion)
 * @param modIndex    log index of the latest write to the key; ≥ createIndex
 * @param version     writes since creation, 1 after the creating write
 */
public record KeyValue(byte[] key, byte[] value, long createIndex, long modIndex, long version) {
    public KeyValue {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyValue kv && Arrays.equals(kv.key, key) && Arrays.equals(kv.value, value)
                && kv.createIndex == createIndex && kv.modIndex == modIndex && kv.version == version;
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(key), Arrays.hashCode(value), createIndex, modIndex, version);
    }

    @Override
    public String toString() {
        return "KeyValue[" + key.length + "B key, " + value.length + "B value, create " + createIndex
                + ", mod " + modIndex + ", v" + version + "]";
    }
}
