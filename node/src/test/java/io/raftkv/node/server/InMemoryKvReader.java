package io.raftkv.node.server;

import io.raftkv.node.kv.KeyValue;
import io.raftkv.node.kv.KvReader;
import io.raftkv.node.kv.RangeResult;
import io.raftkv.node.kv.StateHash;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/** A {@link KvReader} over a sorted map (bytewise unsigned order, like RocksDB's default comparator). */
final class InMemoryKvReader implements KvReader {
    final ConcurrentSkipListMap<byte[], KeyValue> data = new ConcurrentSkipListMap<>(Arrays::compareUnsigned);
    volatile long appliedIndex = 118;
    volatile StateHash stateHash = new StateHash(118, 0xC0FFEEL);
    /** Gets served so far. */
    final java.util.concurrent.atomic.AtomicInteger gets = new java.util.concurrent.atomic.AtomicInteger();

    void put(String key, String value, long index) {
        byte[] k = key.getBytes();
        data.put(k, new KeyValue(k, value.getBytes(), index, index, 1));
    }

    @Override
    public long appliedIndex() {
        return appliedIndex;
    }

    @Override
    public Optional<KeyValue> get(byte[] key) {
        gets.incrementAndGet();
        return Optional.ofNullable(data.get(key));
    }

    @Override
    public RangeResult range(byte[] start, byte[] endOrNull, int limit, long maxBytes, boolean keysOnly) {
        Map<byte[], KeyValue> view =
                endOrNull == null ? data.tailMap(start, true) : data.subMap(start, true, endOrNull, false);
        List<KeyValue> out = new ArrayList<>();
        long bytes = 0;
        for (KeyValue kv : view.values()) {
            long size = kv.key().length + (keysOnly ? 0 : kv.value().length);
            if (out.size() == limit || (!out.isEmpty() && bytes + size > maxBytes)) {
                return new RangeResult(out, true);
            }
            bytes += size;
            out.add(
                    keysOnly
                            ? new KeyValue(kv.key(), new byte[0], kv.createRevision(), kv.modRevision(), kv.version())
                            : kv);
        }
        return new RangeResult(out, false);
    }

    @Override
    public StateHash stateHash() {
        return stateHash;
    }
}
