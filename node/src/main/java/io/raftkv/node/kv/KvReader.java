package io.raftkv.node.kv;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The reads the KV service makes of the replicated state machine. Every method may block on disk,
 * so the service calls them on its read pool, never on an event loop, and only after a
 * {@code readBarrier} for the requested consistency completed.
 *
 * <p>A narrow interface instead of {@code io.raftkv.node.storage.KvStateMachine} itself, so service tests can run against
 * an in-memory map and the service cannot reach the state machine's write side.
 */
public interface KvReader {

    /** Highest applied log index; the state read right after includes every entry up to it. */
    long appliedIndex();

    /** The key's current state. */
    Optional<KeyValue> get(byte[] key);

    /**
     * Keys in {@code [startInclusive, endExclusiveOrNull)}, ascending bytewise, at most
     * {@code limit} ({@code > 0}) and — except for the first, which is always returned — at most
     * {@code maxBytes} of keys plus values (keys only with {@code keysOnly}, whose values come back
     * empty); {@code startInclusive} is a non-empty key. {@code more} is true when keys were left
     * out by either bound. Never holds more than the bounds allow (see {@code KvStateMachine.range}).
     */
    RangeResult range(byte[] startInclusive, byte[] endExclusiveOrNull, int limit, long maxBytes, boolean keysOnly);

    /**
     * The key at {@code revision} (0: current) and the revision read, from one consistent state.
     * A reader without history serves only revision 0.
     *
     * @throws io.raftkv.node.kv.RevisionUnavailableException if compacted or in the future
     */
    default KeyRead get(byte[] key, long revision) {
        if (revision != 0) {
            throw new UnsupportedOperationException("this reader keeps no history");
        }
        return new KeyRead(get(key), revisions().current());
    }

    /**
     * As {@link #range(byte[], byte[], int, long, boolean)} at {@code revision} (0: current),
     * counting the whole range; {@code countOnly} returns no keys.
     */
    default RangeResult range(
            byte[] startInclusive,
            byte[] endExclusiveOrNull,
            long revision,
            int limit,
            long maxBytes,
            boolean keysOnly,
            boolean countOnly) {
        if (revision != 0 || countOnly) {
            throw new UnsupportedOperationException("this reader keeps no history");
        }
        RangeResult r = range(startInclusive, endExclusiveOrNull, limit, maxBytes, keysOnly);
        return new RangeResult(
                r.keyValues(), r.more(), revisions().current(), r.keyValues().size());
    }

    /** The store's revision and compact revision. */
    default Revisions revisions() {
        return Revisions.INITIAL;
    }

    /** A digest of the whole state and the applied index it describes (see {@code KvStateMachine.stateHash()}). */
    StateHash stateHash();

    /**
     * etcd's HashKV: a digest (CRC-32C) of the keyspace's history up to {@code revision} (0: the
     * current one), every version after the compact revision plus, at or before it, only the
     * versions a read at the compact revision still sees, so members that compacted at the same
     * revision agree whether or not their background cleanup has run. Blocking: it reads the whole
     * history.
     *
     * @throws io.raftkv.node.kv.RevisionUnavailableException if at or before the compact revision or
     *     in the future (etcd's rules for HashKV)
     */
    default MvccHash mvccHash(long revision) {
        throw new UnsupportedOperationException("this reader keeps no history");
    }

    /** What {@link #mvccHash} answers: the digest, the revision it covers, the compact revision. */
    record MvccHash(int hash, long revision, long compacted) {}

    /** id → granted TTL (seconds) of every lease in the applied state; memory, never blocks. */
    default Map<Long, Long> leases() {
        return Map.of();
    }

    /** Keys attached to lease {@code id}, ascending, at most {@code limit} (key-values with only the key set). */
    default RangeResult leaseKeys(long id, int limit) {
        return new RangeResult(List.of(), false);
    }

    /** Reads through whatever state machine {@code current} returns at the time of each read. */
    static KvReader of(Supplier<? extends KvReader> current) {
        Objects.requireNonNull(current, "current");
        return new KvReader() {
            @Override
            public long appliedIndex() {
                return current.get().appliedIndex();
            }

            @Override
            public Optional<KeyValue> get(byte[] key) {
                return current.get().get(key);
            }

            @Override
            public RangeResult range(
                    byte[] startInclusive, byte[] endExclusiveOrNull, int limit, long maxBytes, boolean keysOnly) {
                return current.get().range(startInclusive, endExclusiveOrNull, limit, maxBytes, keysOnly);
            }

            @Override
            public KeyRead get(byte[] key, long revision) {
                return current.get().get(key, revision);
            }

            @Override
            public RangeResult range(
                    byte[] startInclusive,
                    byte[] endExclusiveOrNull,
                    long revision,
                    int limit,
                    long maxBytes,
                    boolean keysOnly,
                    boolean countOnly) {
                return current.get()
                        .range(startInclusive, endExclusiveOrNull, revision, limit, maxBytes, keysOnly, countOnly);
            }

            @Override
            public Revisions revisions() {
                return current.get().revisions();
            }

            @Override
            public StateHash stateHash() {
                return current.get().stateHash();
            }

            @Override
            public MvccHash mvccHash(long revision) {
                return current.get().mvccHash(revision);
            }

            @Override
            public Map<Long, Long> leases() {
                return current.get().leases();
            }

            @Override
            public RangeResult leaseKeys(long id, int limit) {
                return current.get().leaseKeys(id, limit);
            }
        };
    }
}
