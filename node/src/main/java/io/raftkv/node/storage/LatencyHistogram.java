package io.raftkv.node.storage;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Lock-free latency histogram with logarithmic buckets: four buckets per power of two, so a
 * reported percentile is the upper bound of its bucket and overstates the true value by at most
 * 19%. One thread records; any thread may read (readings are approximate while recording runs).
 */
final class LatencyHistogram {
    private static final int BUCKETS_PER_OCTAVE = 4;
    private static final int BUCKETS = 40 * BUCKETS_PER_OCTAVE;

    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);

    void recordMicros(long micros) {
        counts.incrementAndGet(bucketOf(Math.max(0, micros)));
    }

    static int bucketOf(long micros) {
        double log2 = Math.log(micros + 1.0) / Math.log(2.0);
        return (int) Math.min(BUCKETS - 1, Math.floor(log2 * BUCKETS_PER_OCTAVE));
    }

    /** Upper bound (exclusive) in microseconds of the values in {@code bucket}. */
    static long upperBoundMicros(int bucket) {
        return (long) Math.ceil(Math.pow(2.0, (bucket + 1) / (double) BUCKETS_PER_OCTAVE) - 1.0);
    }

    long count() {
        long n = 0;
        for (int i = 0; i < BUCKETS; i++) {
            n += counts.get(i);
        }
        return n;
    }

    /** The value at {@code quantile} in [0, 1], or 0 if nothing was recorded. */
    long quantileMicros(double quantile) {
        long total = count();
        if (total == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(quantile * total));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts.get(i);
            if (seen >= rank) {
                return upperBoundMicros(i);
            }
        }
        return upperBoundMicros(BUCKETS - 1);
    }
}
