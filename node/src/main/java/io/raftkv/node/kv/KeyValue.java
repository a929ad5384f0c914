package io.raftkv.node.kv;

import java.util.Arrays;
import java.util.Objects;

/**
 * A stored key with its value and MVCC bookkeeping (etcd's model: revisions are the store's
 * revision counter, see {@link Revisions}, not Raft log indexes).
 *
 * @param createRevision store revision of the write that created the key (since its last deletion)
 * @param modRevision    store revision of the latest write to the key; ≥ createRevision
 * @param version        writes since creation, 1 after the creating write
 * @param lease          id of the lease the key is attached to, 0 for none
 */
public record KeyValue(byte[] key, byte[] value, long createRevision, long modRevision, long version, long lease) {
    public KeyValue {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
    }

    /** A key without a lease. */
    public KeyValue(byte[] key, byte[] value, long createRevision, long modRevision, long version) {
        this(key, value, createRevision, modRevision, version, 0);
    }

    /** This key-value with an empty value (keys-only reads). */
    public KeyValue withoutValue() {
        return value.length == 0 ? this : new KeyValue(key, new byte[0], createRevision, modRevision, version, lease);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyValue kv
                && Arrays.equals(kv.key, key)
                && Arrays.equals(kv.value, value)
                && kv.createRevision == createRevision
                && kv.modRevision == modRevision
                && kv.version == version
                && kv.lease == lease;
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(key), Arrays.hashCode(value), createRevision, modRevision, version, lease);
    }

    @Override
    public String toString() {
        return "KeyValue[" + key.length + "B key, " + value.length + "B value, create " + createRevision + ", mod "
                + modRevision + ", v" + version + (lease == 0 ? "" : ", lease " + lease) + "]";
    }
}
