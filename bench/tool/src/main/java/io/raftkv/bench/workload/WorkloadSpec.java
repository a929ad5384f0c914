package io.raftkv.bench.workload;

import io.raftkv.bench.spi.ReadMode;

/**
 * What to ask a system: the operation mix and the shape of keys and values. Pure data, validated
 * on construction with a message naming the bad field. The same spec drives every target, which is
 * what makes the results comparable.
 *
 * @param putPercent share of PUTs in percent (0 = read-only, 100 = write-only); the rest are GETs
 * @param readMode   consistency of the GETs
 * @param keySpace   number of distinct keys, at least 1 and at most what {@code keySize} bytes can number
 * @param keySize    bytes per key, 1 to {@link #MAX_KEY_BYTES}
 * @param valueSize  bytes per value, 1 to {@link #MAX_VALUE_BYTES}
 * @param keyOrder   sequential or random keys
 * @param seed       seeds the key choices and the value bytes, so a run can be replayed
 */
public record WorkloadSpec(
        int putPercent, ReadMode readMode, long keySpace, int keySize, int valueSize, KeyOrder keyOrder, long seed) {
    /** Both RaftKV's and etcd's default key limits are above this; larger keys measure nothing useful. */
    public static final int MAX_KEY_BYTES = 4096;
    /** Well below both systems' 1.5 MiB request limit. */
    public static final int MAX_VALUE_BYTES = 1 << 20;

    public WorkloadSpec {
        if (putPercent < 0 || putPercent > 100) {
            throw new IllegalArgumentException("putPercent must be in [0, 100], got " + putPercent);
        }
        if (readMode == null) {
            throw new IllegalArgumentException("readMode must be set");
        }
        if (keySize < 1 || keySize > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("keySize must be in [1, " + MAX_KEY_BYTES + "], got " + keySize);
        }
        if (valueSize < 1 || valueSize > MAX_VALUE_BYTES) {
            throw new IllegalArgumentException("valueSize must be in [1, " + MAX_VALUE_BYTES + "], got " + valueSize);
        }
        if (keySpace < 1) {
            throw new IllegalArgumentException("keySpace must be ≥ 1, got " + keySpace);
        }
        if (keySize < Long.BYTES && keySpace > 1L << (8 * keySize)) {
            throw new IllegalArgumentException("keySpace " + keySpace + " does not fit in " + keySize
                    + "-byte keys (at most " + (1L << (8 * keySize)) + ")");
        }
        if (keyOrder == null) {
            throw new IllegalArgumentException("keyOrder must be set");
        }
    }

    /** Whether any operation is a read. */
    public boolean reads() {
        return putPercent < 100;
    }

    /** Whether any operation is a write. */
    public boolean writes() {
        return putPercent > 0;
    }

    /** e.g. {@code 10% put / 90% get(LINEARIZABLE), 8 B keys (random of 10000), 256 B values}. */
    public String describe() {
        String mix = putPercent == 100
                ? "put"
                : putPercent == 0
                        ? "get(" + readMode + ")"
                        : putPercent + "% put / " + (100 - putPercent) + "% get(" + readMode + ")";
        return mix + ", " + keySize + " B keys (" + keyOrder.name().toLowerCase(java.util.Locale.ROOT) + " of "
                + keySpace + "), " + valueSize + " B values, seed " + seed;
    }
}
