package io.raftkv.raft.sim;

import io.raftkv.raft.ConfState;
import io.raftkv.raft.Entry;
import io.raftkv.raft.EntryType;
import io.raftkv.raft.Snapshot;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * One node's simulated state machine: a register log remembering, per applied index, the entry's
 * fingerprint and the client value it carried (0 for no-ops and conf changes). It is durable by
 * construction (it survives crashes), as a real state machine writing its applied index with each
 * change would be, so a restarting node passes {@link #applied()} as {@code RaftConfig.applied}.
 *
 * <p>Invariant: indexes {@code 1..applied} are filled; {@link #confState()} is the configuration
 * after applying them.
 */
final class SimStateMachine {
    private static final int VALUE_BYTES = Long.BYTES;

    private long applied;
    private long[] fingerprints = new long[64];
    private long[] values = new long[64];
    private ConfState confState;

    SimStateMachine(ConfState initial) {
        this.confState = initial;
    }

    long applied() {
        return applied;
    }

    ConfState confState() {
        return confState;
    }

    /** Client value applied at {@code index} (0 for no value), or -1 if not applied here. */
    long valueAt(long index) {
        return index >= 1 && index <= applied ? values[(int) index] : -1;
    }

    long fingerprintAt(long index) {
        if (index < 1 || index > applied) {
            throw new IllegalArgumentException("index " + index + " not applied (applied " + applied + ")");
        }
        return fingerprints[(int) index];
    }

    /** Applies {@code e}, which must be the next index; {@code cs} is the configuration after it. */
    void apply(Entry e, ConfState cs) {
        if (e.index() != applied + 1) {
            throw new IllegalStateException("apply " + e.index() + " after " + applied);
        }
        grow(e.index());
        fingerprints[(int) e.index()] = fingerprint(e);
        values[(int) e.index()] = clientValue(e);
        applied = e.index();
        confState = cs;
    }

    /** Replaces the whole state with the one encoded in {@code snap}. */
    void restore(Snapshot snap) {
        ByteBuffer b = ByteBuffer.wrap(snap.data());
        long n = b.getLong();
        if (n != snap.metadata().index()) {
            throw new IllegalStateException("snapshot data holds state at " + n + " but metadata says "
                    + snap.metadata().index());
        }
        fingerprints = new long[(int) n + 64];
        values = new long[(int) n + 64];
        for (int i = 1; i <= n; i++) {
            fingerprints[i] = b.getLong();
            values[i] = b.getLong();
        }
        applied = n;
        confState = snap.metadata().confState();
    }

    /** The state as snapshot data: {@code [applied][fingerprint, value] * applied}. */
    byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(Long.BYTES * (1 + 2 * (int) applied));
        b.putLong(applied);
        for (int i = 1; i <= applied; i++) {
            b.putLong(fingerprints[i]).putLong(values[i]);
        }
        return b.array();
    }

    private void grow(long index) {
        if (index >= fingerprints.length) {
            int n = Math.max(fingerprints.length * 2, (int) index + 1);
            fingerprints = Arrays.copyOf(fingerprints, n);
            values = Arrays.copyOf(values, n);
        }
    }

    /** Client proposal payload: the value id, then {@code paddingBytes} of filler. */
    static byte[] encodeValue(long value, int paddingBytes) {
        return ByteBuffer.allocate(VALUE_BYTES + paddingBytes).putLong(value).array();
    }

    /** The client value an entry carries, 0 if none (no-op, conf change). */
    static long clientValue(Entry e) {
        if (e.type() != EntryType.NORMAL || e.data().length < VALUE_BYTES) {
            return 0;
        }
        return ByteBuffer.wrap(e.data()).getLong();
    }

    /** Identity of an entry's content (term, type, payload), independent of which node holds it. */
    static long fingerprint(Entry e) {
        long h = mix(e.term() * 0x9E3779B97F4A7C15L + e.type().ordinal());
        h = mix(h ^ Arrays.hashCode(e.data()));
        h = mix(h ^ clientValue(e));
        return mix(h ^ e.data().length);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
