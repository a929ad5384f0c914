package io.raftkv.chaos.run;

import io.raftkv.e2e.history.OpKind;
import io.raftkv.e2e.history.Operation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds acknowledged writes that the final read of their key proves lost, independently of the
 * linearizability checker (which also fails such a history, but a count of lost writes is what
 * an operator asks first).
 *
 * <p>The reasoning needs only real time and unique values. Every written value is written by
 * exactly one operation, so the final read of a key, taken after the workload stopped, names the
 * write {@code x} that must be last in every linearization. An acknowledged write {@code w} that
 * began after {@code x} had returned must be ordered after {@code x}; if the final read still sees
 * {@code x}'s value, {@code w} was lost. When the final read finds the key absent, the last write
 * must be a delete (or nothing): an acknowledged put or successful cas that began after every
 * delete of the key could have returned was lost. Writes with an unknown outcome are never
 * counted (they may not have happened), and an unknown write {@code x} may take effect any time
 * after its call, so nothing is judged lost against it.
 *
 * <p>This is a lower bound: a lost write that is masked by a later write is the checker's to find.
 */
public final class LostWrites {
    private LostWrites() {}

    /**
     * @param history     every operation of the run, the final reads included
     * @param finalReader the client id of the final reads (one linearizable get per key, after the
     *                    workload stopped); keys without a successful final read are skipped
     * @return one line per lost write, naming it and the final read
     */
    public static List<String> find(List<Operation> history, int finalReader) {
        Map<String, List<Operation>> byKey = new HashMap<>();
        Map<String, Operation> finalReads = new HashMap<>();
        for (Operation op : history) {
            if (op.client() == finalReader) {
                finalReads.put(op.key(), op);
            } else {
                byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
            }
        }
        List<String> lost = new ArrayList<>();
        finalReads.forEach((key, read) -> {
            if (read.op() != OpKind.GET || !read.ok()) {
                return;
            }
            List<Operation> ops = byKey.getOrDefault(key, List.of());
            long lastPossible = read.value() == null ? lastDeleteReturn(ops) : writerReturn(ops, read.value());
            for (Operation w : ops) {
                boolean acknowledgedWrite = w.ok() && !w.unknown() && w.op() != OpKind.GET;
                if (acknowledgedWrite && w.callNs() > lastPossible) {
                    lost.add(w.describe() + " was acknowledged after the write the final read " + read.describe()
                            + " observed had returned, yet the final read does not reflect it");
                }
            }
        });
        return lost;
    }

    /**
     * Return time of the write of {@code value}: +inf if its outcome is unknown, and also if no one
     * wrote it (a phantom value, which the checker reports; nothing is judged lost against it).
     */
    private static long writerReturn(List<Operation> ops, String value) {
        for (Operation op : ops) {
            if ((op.op() == OpKind.PUT || op.op() == OpKind.CAS) && value.equals(op.value()) && op.mayWrite()) {
                return op.unknown() ? Long.MAX_VALUE : op.returnNs();
            }
        }
        return Long.MAX_VALUE;
    }

    /** The latest time a delete of the key could have taken effect (-inf if there is none: the initial absence). */
    private static long lastDeleteReturn(List<Operation> ops) {
        long latest = Long.MIN_VALUE;
        for (Operation op : ops) {
            if (op.op() == OpKind.DELETE && op.mayWrite()) {
                latest = Math.max(latest, op.unknown() ? Long.MAX_VALUE : op.returnNs());
            }
        }
        return latest;
    }
}
