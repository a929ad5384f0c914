package io.raftkv.node.kv;

import java.util.Arrays;

/** Key intervals: prefixes as half-open ranges, membership. Keys compare as unsigned bytes. */
public final class KeyRanges {
    private KeyRanges() {}

    /** The smallest key greater than every key starting with {@code prefix}, or null if none (all 0xFF). */
    public static byte[] prefixEnd(byte[] prefix) {
        byte[] end = prefix.clone();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xFF) {
                end[i]++;
                return Arrays.copyOf(end, i + 1);
            }
        }
        return null;
    }

    /** Whether {@code key} is in {@code [start, end)}; {@code end} null: unbounded above. */
    public static boolean contains(byte[] start, byte[] end, byte[] key) {
        return Arrays.compareUnsigned(key, start) >= 0 && (end == null || Arrays.compareUnsigned(key, end) < 0);
    }
}
