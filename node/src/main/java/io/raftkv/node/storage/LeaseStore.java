package io.raftkv.node.storage;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatchWithIndex;

/**
 * The replicated lease state, as the apply thread sees it: which leases exist (id → granted TTL)
 * and which keys are attached to each. Stored in two column families, {@code leases}
 * ({@code id:i64 → ttlSeconds:i64, grantIndex:i64}) and {@code lease_keys} ({@code id:i64 key → ""}),
 * both in snapshots, and mirrored in memory so that a put learns in a hash lookup whether its key
 * was attached to a lease (the common case, a key without one, costs no read).
 *
 * <p>No deadline lives here: time is the leader's business ({@code io.raftkv.node.lease}), and the
 * replicated state only changes by committed grants and revocations, so every replica holds the
 * same leases at the same index.
 *
 * <p>Changes made while a batch is built are journaled: {@link #rollback} undoes them back to a
 * {@link #mark} (a transaction rolled back to its save point), {@link #discardStaged} undoes all of
 * them (a batch never written), {@link #batchWritten} keeps them and publishes grants and
 * revocations to {@link #published()}, which other threads read.
 */
final class LeaseStore {
    private final ColumnFamilyHandle leasesCf;
    private final ColumnFamilyHandle keysCf;
    /** Apply thread only. */
    private final Map<Long, Lease> leases = new HashMap<>();
    /** Apply thread only: the lease each attached key belongs to. */
    private final Map<ByteBuffer, Long> leaseOfKey = new HashMap<>();
    /** Undo actions of the batch being built, newest last. */
    private final Deque<Runnable> undo = new ArrayDeque<>();
    /** Grants (ttl) and revocations (-1) of the batch being built, to publish once it is written. */
    private final List<long[]> unpublished = new ArrayList<>();
    /** id → granted TTL of every lease in the written state; any thread. */
    private final Map<Long, Long> published = new ConcurrentHashMap<>();

    private static final class Lease {
        final long ttlSeconds;
        final TreeSet<byte[]> keys = new TreeSet<>(Arrays::compareUnsigned);

        Lease(long ttlSeconds) {
            this.ttlSeconds = ttlSeconds;
        }
    }

    /** Loads every stored lease and attachment: call it off the event loop. */
    LeaseStore(RocksDB db, ColumnFamilyHandle leasesCf, ColumnFamilyHandle keysCf) throws RocksDBException {
        this.leasesCf = leasesCf;
        this.keysCf = keysCf;
        try (ReadOptions ro = new ReadOptions().setVerifyChecksums(true)) {
            try (RocksIterator it = db.newIterator(leasesCf, ro)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    long id = ByteBuffer.wrap(it.key()).getLong();
                    long ttl = decodeLease(it.key(), it.value());
                    leases.put(id, new Lease(ttl));
                    published.put(id, ttl);
                }
                it.status();
            }
            try (RocksIterator it = db.newIterator(keysCf, ro)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    ChecksummedRecord.open(it.key(), it.value());
                    byte[] k = it.key();
                    long id = ByteBuffer.wrap(k).getLong();
                    byte[] key = Arrays.copyOfRange(k, Long.BYTES, k.length);
                    Lease l = leases.get(id);
                    if (l == null) {
                        throw new CorruptRecordException("key " + ChecksummedRecord.describeKey(key)
                                + " is attached to lease " + id + ", which does not exist");
                    }
                    l.keys.add(key);
                    leaseOfKey.put(ByteBuffer.wrap(key), id);
                }
                it.status();
            }
        }
    }

    boolean exists(long id) {
        return leases.containsKey(id);
    }

    /** The keys attached to lease {@code id}, ascending (a copy); empty if none or unknown. */
    List<byte[]> keysOf(long id) {
        Lease l = leases.get(id);
        return l == null ? List.of() : new ArrayList<>(l.keys);
    }

    /** Creates lease {@code id}; the caller checked it does not exist. */
    void grant(long id, long ttlSeconds, long index, WriteBatchWithIndex batch) throws RocksDBException {
        byte[] k = idKey(id);
        batch.put(
                leasesCf,
                k,
                ChecksummedRecord.seal(
                        k,
                        ByteBuffer.allocate(2 * Long.BYTES)
                                .putLong(ttlSeconds)
                                .putLong(index)
                                .array()));
        leases.put(id, new Lease(ttlSeconds));
        unpublished.add(new long[] {id, ttlSeconds});
        undo.addLast(() -> {
            leases.remove(id);
            unpublished.remove(unpublished.size() - 1);
        });
    }

    /** Removes lease {@code id}, whose keys the caller has deleted (so detached) already. */
    void remove(long id, WriteBatchWithIndex batch) throws RocksDBException {
        Lease l = leases.remove(id);
        if (l == null) {
            return;
        }
        if (!l.keys.isEmpty()) {
            throw new IllegalStateException("lease " + id + " removed with " + l.keys.size() + " keys attached");
        }
        batch.delete(leasesCf, idKey(id));
        unpublished.add(new long[] {id, -1});
        undo.addLast(() -> {
            leases.put(id, l);
            unpublished.remove(unpublished.size() - 1);
        });
    }

    /**
     * Attaches {@code key} (just written) to lease {@code lease}, detaching it from the one it had;
     * {@code lease = 0} only detaches. The caller checked the lease exists.
     */
    void attach(byte[] key, long lease, WriteBatchWithIndex batch) throws RocksDBException {
        Long current = leaseOfKey.get(ByteBuffer.wrap(key));
        if (current != null && current == lease) {
            return;
        }
        if (current != null) {
            detach(key, current, batch);
        }
        if (lease == 0) {
            return;
        }
        byte[] copy = key.clone();
        Lease l = leases.get(lease);
        l.keys.add(copy);
        leaseOfKey.put(ByteBuffer.wrap(copy), lease);
        batch.put(keysCf, attachmentKey(lease, copy), ChecksummedRecord.seal(attachmentKey(lease, copy), new byte[0]));
        undo.addLast(() -> {
            l.keys.remove(copy);
            leaseOfKey.remove(ByteBuffer.wrap(copy));
        });
    }

    /** The key was deleted: it belongs to no lease any more. */
    void detach(byte[] key, WriteBatchWithIndex batch) throws RocksDBException {
        Long current = leaseOfKey.get(ByteBuffer.wrap(key));
        if (current != null) {
            detach(key, current, batch);
        }
    }

    private void detach(byte[] key, long lease, WriteBatchWithIndex batch) throws RocksDBException {
        Lease l = leases.get(lease);
        ByteBuffer k = ByteBuffer.wrap(key);
        leaseOfKey.remove(k);
        l.keys.remove(key);
        batch.delete(keysCf, attachmentKey(lease, key));
        byte[] copy = key.clone();
        undo.addLast(() -> {
            l.keys.add(copy);
            leaseOfKey.put(ByteBuffer.wrap(copy), lease);
        });
    }

    /** A point to {@link #rollback} to. */
    int mark() {
        return undo.size();
    }

    /** Undoes every change made since {@code mark}. */
    void rollback(int mark) {
        while (undo.size() > mark) {
            undo.removeLast().run();
        }
    }

    /** Undoes every change of a batch that was never written. */
    void discardStaged() {
        rollback(0);
    }

    /** The batch was written: its changes stand, and other threads see its grants and revocations. */
    void batchWritten() {
        undo.clear();
        for (long[] change : unpublished) {
            if (change[1] < 0) {
                published.remove(change[0]);
            } else {
                published.put(change[0], change[1]);
            }
        }
        unpublished.clear();
    }

    /** id → granted TTL (seconds) of every lease in the written state. Any thread; a live view. */
    Map<Long, Long> published() {
        return Collections.unmodifiableMap(published);
    }

    static byte[] idKey(long id) {
        return ByteBuffer.allocate(Long.BYTES).putLong(id).array();
    }

    static byte[] attachmentKey(long id, byte[] key) {
        return ByteBuffer.allocate(Long.BYTES + key.length).putLong(id).put(key).array();
    }

    static long decodeLease(byte[] key, byte[] stored) {
        ByteBuffer buf = ChecksummedRecord.open(key, stored);
        if (buf.remaining() != 2 * Long.BYTES) {
            throw new CorruptRecordException("lease " + ChecksummedRecord.describeKey(key) + " has " + buf.remaining()
                    + " bytes, expected " + 2 * Long.BYTES);
        }
        return buf.getLong();
    }
}
