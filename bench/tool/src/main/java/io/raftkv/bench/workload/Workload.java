package io.raftkv.bench.workload;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link WorkloadSpec} made concrete: the value bytes, the key encoding and one independent,
 * seeded operation stream per client. Thread-safe; each {@link Stream} is used by one client at a
 * time.
 *
 * <p>Keys are {@code keySize} bytes: the key index big-endian in the last
 * {@code min(8, keySize)} bytes, the bytes before it {@code 'k'}. So keys of equal size sort like
 * their indexes, and index {@code i} names the same key for every target and every run.
 */
public final class Workload {
    private final WorkloadSpec spec;
    private final byte[] value;
    private final SplittableRandom root;
    private final AtomicLong sequence = new AtomicLong();

    public Workload(WorkloadSpec spec) {
        this.spec = spec;
        this.root = new SplittableRandom(spec.seed());
        this.value = new byte[spec.valueSize()];
        SplittableRandom valueRandom = new SplittableRandom(spec.seed() ^ 0x5DEECE66DL);
        for (int i = 0; i < value.length; i++) {
            // Printable, so a value is readable in etcdctl / raftkvctl output.
            value[i] = (byte) ('a' + valueRandom.nextInt(26));
        }
    }

    public WorkloadSpec spec() {
        return spec;
    }

    /** The value every PUT writes. Shared: nobody may modify it. */
    public byte[] value() {
        return value;
    }

    /** The key with index {@code index} in [0, keySpace). */
    public byte[] key(long index) {
        if (index < 0 || index >= spec.keySpace()) {
            throw new IllegalArgumentException("key index " + index + " outside [0, " + spec.keySpace() + ")");
        }
        byte[] key = new byte[spec.keySize()];
        int indexBytes = Math.min(Long.BYTES, key.length);
        int prefix = key.length - indexBytes;
        for (int i = 0; i < prefix; i++) {
            key[i] = 'k';
        }
        long v = index;
        for (int i = key.length - 1; i >= prefix; i--) {
            key[i] = (byte) v;
            v >>>= 8;
        }
        return key;
    }

    /**
     * A new operation stream. Streams are split from the root random in creation order, so client
     * {@code i} of a run with the same seed gets the same choices every time (sequential key
     * numbers are shared and therefore depend on interleaving).
     */
    public synchronized Stream newStream() {
        // synchronized guards only the split of the root random (SplittableRandom is not thread-safe).
        return new Stream(root.split());
    }

    /** One client's operations; not thread-safe. */
    public final class Stream {
        private final SplittableRandom random;

        private Stream(SplittableRandom random) {
            this.random = random;
        }

        public Operation next() {
            OperationKind kind =
                    spec.putPercent() == 100 || (spec.putPercent() > 0 && random.nextInt(100) < spec.putPercent())
                            ? OperationKind.PUT
                            : OperationKind.GET;
            long index = spec.keyOrder() == KeyOrder.RANDOM
                    ? random.nextLong(spec.keySpace())
                    : Math.floorMod(sequence.getAndIncrement(), spec.keySpace());
            return new Operation(kind, key(index));
        }
    }
}
