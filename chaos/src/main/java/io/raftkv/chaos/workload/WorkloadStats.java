package io.raftkv.chaos.workload;

import io.raftkv.e2e.history.OpKind;
import io.raftkv.e2e.history.Operation;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of a running workload, updated by every client thread.
 *
 * <ul>
 *   <li>ok: the call returned an answer (a cas whose comparison failed counts here: it is a known outcome);
 *   <li>failed: the call failed in a way that certainly did not apply it (only reads: a failed write
 *       is always recorded unknown, see {@link ClientWorker});
 *   <li>unknown: the outcome is indeterminate (timeouts, lost connections, aborted proposals);
 *   <li>responsesDropped: acknowledged writes whose answer the client threw away and retried;
 *   <li>retryMismatches: retried writes whose second answer differed from the first (the node
 *       applied the retry again, or forgot the first answer): each one is a double-apply bug.
 * </ul>
 */
public final class WorkloadStats {
    private final LongAdder ok = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder unknown = new LongAdder();
    private final LongAdder responsesDropped = new LongAdder();
    private final LongAdder retryMismatches = new LongAdder();

    void record(Operation op) {
        if (op.unknown()) {
            unknown.increment();
        } else if (op.ok() || op.op() == OpKind.CAS) {
            ok.increment();
        } else {
            failed.increment();
        }
    }

    void responseDropped() {
        responsesDropped.increment();
    }

    void retryMismatch() {
        retryMismatches.increment();
    }

    /** A consistent-enough copy for reports (each counter read once). */
    public Snapshot snapshot() {
        return new Snapshot(ok.sum(), failed.sum(), unknown.sum(), responsesDropped.sum(), retryMismatches.sum());
    }

    /** Counter values at one moment. */
    public record Snapshot(long ok, long failed, long unknown, long responsesDropped, long retryMismatches) {
        public long operations() {
            return ok + failed + unknown;
        }
    }
}
