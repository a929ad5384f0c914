package io.raftkv.node.storage;

import java.util.Arrays;

/**
 * The create index and version of recently written keys, so that a put that does not ask for the
 * previous value need not look the key up in RocksDB: that lookup (a memtable skip-list search, then
 * the block cache) was a large part of the apply thread's time under a write load. etcd keeps the
 * revisions of every key in memory for the same reason; this keeps a bounded part of them. A pure
 * read cache: the database stays the truth and what is applied does not depend on what is cached.
 *
 * <p>A direct-mapped table in primitive arrays: keys of at most {@link #MAX_KEY_BYTES} bytes are
 * stored inline, a key's slot is chosen by its hash and a newer key simply replaces the one there.
 * Nothing is allocated per put. An object per entry (as a {@code LinkedHashMap} LRU has) lived just
 * long enough to be promoted when keys are spread over a large key space, and the garbage it left in
 * the old generation grew a follower's heap by 70-100 MiB in the 1 M-key write benchmark.
 *
 * <p>Writes of the batch being built go straight into the table, so later puts of the same batch
 * see them, and every change is recorded in an undo log: a batch that is not written is rolled back
 * ({@link #discardStaged()}); once written, its undo log is dropped ({@link #batchWritten()}). A write
 * the cache cannot describe (a delete, any write inside a transaction, which a rollback may undo)
 * removes the key ({@link #stageUnknown}): it is then read from the batch and the database. A batch
 * with more changes than the undo log holds empties the whole table when it ends.
 *
 * <p>Only the apply thread touches it; one instance per database handle (a restored snapshot gets a
 * new, empty one).
 */
final class KeyVersionCache {
    static final int SLOTS = 1 << 14;
    static final int MAX_KEY_BYTES = 16;
    /** Changes one batch may record before the table is emptied at its end instead. */
    static final int MAX_UNDO = 1 << 15;

    /** Key length per slot; 0: empty (keys are never empty). */
    private final byte[] length = new byte[SLOTS];

    private final long[] head = new long[SLOTS];
    private final long[] tail = new long[SLOTS];
    private final long[] createIndex = new long[SLOTS];
    private final long[] version = new long[SLOTS];

    /** Per change: the slot and its five previous values. */
    private final long[] undo = new long[MAX_UNDO * 6];

    private int undoCount;
    private boolean undoOverflowed;
    /** Lookups answered here; for tests. */
    private long hits;

    /**
     * The slot that holds {@code key}'s create index and version ({@link #createIndexAt},
     * {@link #versionAt}), or -1 when not known here (read the database).
     */
    int lookup(byte[] key) {
        if (key.length == 0 || key.length > MAX_KEY_BYTES || undoOverflowed) {
            return -1;
        }
        long h = word(key, 0);
        long t = word(key, 8);
        int slot = slot(h, t, key.length);
        if (length[slot] != key.length || head[slot] != h || tail[slot] != t) {
            return -1;
        }
        hits++;
        return slot;
    }

    long createIndexAt(int slot) {
        return createIndex[slot];
    }

    long versionAt(int slot) {
        return version[slot];
    }

    /** The batch being built stores {@code key} with this create index and version. */
    void stageWrite(byte[] key, long create, long ver) {
        if (key.length == 0 || key.length > MAX_KEY_BYTES) {
            return;
        }
        long h = word(key, 0);
        long t = word(key, 8);
        int slot = slot(h, t, key.length);
        if (remember(slot)) {
            length[slot] = (byte) key.length;
            head[slot] = h;
            tail[slot] = t;
            createIndex[slot] = create;
            version[slot] = ver;
        }
    }

    /** The batch being built changes {@code key} in a way this cache does not follow. */
    void stageUnknown(byte[] key) {
        if (key.length == 0 || key.length > MAX_KEY_BYTES) {
            return;
        }
        long h = word(key, 0);
        long t = word(key, 8);
        int slot = slot(h, t, key.length);
        if (length[slot] == key.length && head[slot] == h && tail[slot] == t && remember(slot)) {
            length[slot] = 0;
        }
    }

    /** The batch was written: its changes stay. */
    void batchWritten() {
        if (undoOverflowed) {
            clear();
        }
        undoCount = 0;
    }

    /** The batch was not written: undo its changes, newest first. */
    void discardStaged() {
        if (undoOverflowed) {
            clear();
            return;
        }
        for (int i = undoCount - 1; i >= 0; i--) {
            int at = i * 6;
            int slot = (int) undo[at];
            length[slot] = (byte) undo[at + 1];
            head[slot] = undo[at + 2];
            tail[slot] = undo[at + 3];
            createIndex[slot] = undo[at + 4];
            version[slot] = undo[at + 5];
        }
        undoCount = 0;
    }

    /** Keys held; for tests. */
    int size() {
        int n = 0;
        for (byte len : length) {
            n += len == 0 ? 0 : 1;
        }
        return n;
    }

    long hits() {
        return hits;
    }

    /**
     * Records {@code slot}'s current values before a change. False when the undo log is full: the
     * change must not be made, and the table is emptied when the batch ends (until then lookups
     * miss, so nothing stale is read).
     */
    private boolean remember(int slot) {
        if (undoOverflowed || undoCount == MAX_UNDO) {
            undoOverflowed = true;
            return false;
        }
        int at = undoCount++ * 6;
        undo[at] = slot;
        undo[at + 1] = length[slot];
        undo[at + 2] = head[slot];
        undo[at + 3] = tail[slot];
        undo[at + 4] = createIndex[slot];
        undo[at + 5] = version[slot];
        return true;
    }

    private void clear() {
        Arrays.fill(length, (byte) 0);
        undoOverflowed = false;
        undoCount = 0;
    }

    /** Bytes {@code from .. from+7} of {@code key} big-endian, zero past its end. */
    private static long word(byte[] key, int from) {
        long w = 0;
        for (int i = from; i < from + 8; i++) {
            w = (w << 8) | (i < key.length ? key[i] & 0xFF : 0);
        }
        return w;
    }

    private static int slot(long head, long tail, int length) {
        long x = head * 0x9E3779B97F4A7C15L ^ Long.rotateLeft(tail * 0xC2B2AE3D27D4EB4FL, 31) ^ length;
        x ^= x >>> 29;
        x *= 0xBF58476D1CE4E5B9L;
        x ^= x >>> 32;
        return (int) x & (SLOTS - 1);
    }
}
