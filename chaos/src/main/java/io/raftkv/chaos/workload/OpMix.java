package io.raftkv.chaos.workload;

import io.raftkv.e2e.history.OpKind;
import java.util.Random;

/**
 * Shares of each operation kind in a workload; they must add up to 1.
 *
 * @param get    linearizable (or configured) reads
 * @param put    blind writes
 * @param cas    compare-and-set against the last value some client saw (or "absent")
 * @param delete deletes
 */
public record OpMix(double get, double put, double cas, double delete) {
    /** Reads and writes balanced, cas frequent enough to exercise the write path's reads. */
    public static final OpMix DEFAULT = new OpMix(0.4, 0.2, 0.3, 0.1);

    public OpMix {
        for (double share : new double[] {get, put, cas, delete}) {
            if (!(share >= 0 && share <= 1)) {
                throw new IllegalArgumentException("every share must be in [0, 1]: " + this);
            }
        }
        if (Math.abs(get + put + cas + delete - 1) > 1e-9) {
            throw new IllegalArgumentException("shares must add up to 1, got " + (get + put + cas + delete));
        }
    }

    public OpKind pick(Random random) {
        double x = random.nextDouble();
        if (x < get) {
            return OpKind.GET;
        }
        if (x < get + put) {
            return OpKind.PUT;
        }
        if (x < get + put + cas) {
            return OpKind.CAS;
        }
        return OpKind.DELETE;
    }
}
