package io.raftkv.node.storage;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The create index and version of recently written keys, so that a put that does not ask for the
 * previous value need not look the key up in RocksDB: that lookup (a memtable skip-list search, then
 * the block cache) was a third of the apply thread's time under a write load. etcd keeps the
 * revisions of every key in memory for the same reason; this keeps a bounded, least recently used
 * part of them. A pure read cache: the database stays the truth and what is applied does not depend
 * on what is cached.
 *
 * <p>What a batch being built changes is <em>staged</em>: later puts in the same batch see it at once,
 * and it reaches the cache only when the batch has been written ({@link #batchWritten()}); a batch
 * that is not written leaves the cache as it was ({@link #discardStaged()}). A write the cache cannot
 * describe (a delete, any write inside a transaction, which a rollback may undo) is staged as
 * <em>unknown</em>: the key is then read from the batch and the database, and it leaves the cache.
 *
 * <p>Bounded: at most {@link #MAX_ENTRIES} keys of at most {@link #MAX_KEY_BYTES} bytes — a few MiB.
 * Only the apply thread touches it; one instance per database handle (a restored snapshot gets a
 * new, empty one).
 */
final class KeyVersionCache {
    static final int MAX_ENTRIES = 16_384;
    static final int MAX_KEY_BYTES = 128;

    /** What the state (database plus written batches) stores for a key, value aside. */
    record KeyVersion(long createIndex, long version) {
    }

    /** Staged for a key whose stored version this cache cannot tell: read the batch and database. */
    private static final KeyVersion UNKNOWN = new KeyVersion(-1, -1);

    private final Map<Key, KeyVersion> cached = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, KeyVersion> eldest) {
            return size() > MAX_ENTRIES;
        }
    };
    private final Map<Key, KeyVersion> staged = new HashMap<>();
    /** Lookups answered here; for tests. */
    private long hits;

    /** The key's stored create index and version, or {@code null} when not known here (read the database). */
    KeyVersion lookup(byte[] key) {
        if (key.length > MAX_KEY_BYTES) {
            return null;
        }
        Key k = new Key(key);
        KeyVersion v = staged.get(k);
        if (v == null) {
            v = cached.get(k);
        }
        if (v == null || v == UNKNOWN) {
            return null;
        }
        hits++;
        return v;
    }

    /** The batch being built stores {@code key} with this create index and version. */
    void stageWrite(byte[] key, long createIndex, long version) {
        if (key.length <= MAX_KEY_BYTES) {
            staged.put(new Key(key), new KeyVersion(createIndex, version));
        }
    }

    /** The batch being built changes {@code key} in a way this cache does not follow. */
    void stageUnknown(byte[] key) {
        if (key.length <= MAX_KEY_BYTES) {
            staged.put(new Key(key), UNKNOWN);
        }
    }

    /** The batch was written: its staged changes become the cached state. */
    void batchWritten() {
        for (Map.Entry<Key, KeyVersion> e : staged.entrySet()) {
            if (e.getValue() == UNKNOWN) {
                cached.remove(e.getKey());
            } else {
                cached.put(e.getKey(), e.getValue());
            }
        }
        staged.clear();
    }

    /** The batch was not written: forget its changes. */
    void discardStaged() {
        staged.clear();
    }

    int size() {
        return cached.size();
    }

    long hits() {
        return hits;
    }

    /** A key as a map key: byte arrays compare by identity. */
    private record Key(byte[] bytes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(bytes, k.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return ChecksummedRecord.describeKey(bytes);
        }
    }
}
