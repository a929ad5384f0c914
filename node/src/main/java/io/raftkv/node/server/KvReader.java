package io.raftkv.node.server;

import io.raftkv.node.storage.KeyValue;
import io.raftkv.node.storage.KvStateMachine;
import io.raftkv.node.storage.RangeResult;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The reads the KV service makes of the replicated state machine. Every method may block on disk,
 * so the service calls them on its read pool, never on an event loop, and only after a
 * {@code readBarrier} for the requested consistency completed.
 *
 * <p>A narrow interface instead of {@link KvStateMachine} itself, so service tests can run against
 * an in-memory map and the service cannot reach the state machine's write side.
 */
public interface KvReader {

    /** Highest applied log index; the state read right after includes every entry up to it. */
    long appliedIndex();

    /** The key's current state. */
    Optional<KeyValue> get(byte[] key);

    /**
     * Keys in {@code [startInclusive, endExclusiveOrNull)}, ascending bytewise, at most
     * {@code limit} ({@code > 0}); {@code startInclusive} is a non-empty key.
     */
    RangeResult range(byte[] startInclusive, byte[] endExclusiveOrNull, int limit);

    /** A digest of the whole state at {@link #appliedIndex()} (see {@link KvStateMachine#stateHash()}). */
    long stateHash();

    /** Reads through whatever state machine {@code current} returns at the time of each read. */
    static KvReader of(Supplier<KvStateMachine> current) {
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
            public RangeResult range(byte[] startInclusive, byte[] endExclusiveOrNull, int limit) {
                return current.get().range(startInclusive, endExclusiveOrNull, limit);
            }

            @Override
            public long stateHash() {
                return current.get().stateHash();
            }
        };
    }
}
