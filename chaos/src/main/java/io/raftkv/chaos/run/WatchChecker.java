package io.raftkv.chaos.run;

import io.raftkv.chaos.workload.WatchUsers;
import io.raftkv.chaos.workload.WatchedEvent;
import io.raftkv.e2e.history.OpKind;
import io.raftkv.e2e.history.Operation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks what the chaos watchers received against the checked history. Every watcher watched the
 * workload's key prefix from revision 1 with prev_kv, through the faults (resuming on other
 * members), until it had seen the end marker written after the final reads. For each watcher:
 * <ul>
 *   <li><b>order</b>: revisions never go back, and no (revision, key) comes twice — so nothing was
 *       duplicated or reordered across resumes;
 *   <li><b>exactly once</b>: every acknowledged write (put, successful cas) appears exactly once as a
 *       PUT of its key and (unique) value; a write that definitely failed never appears; one whose
 *       outcome is unknown at most once; every PUT is some write of the history;
 *   <li><b>real time</b>: a write acknowledged before another one was invoked has a smaller revision
 *       (the store's revision order is linearizable);
 *   <li><b>prev_kv and versions</b>: each event's prev_kv is the key's previous event in the same
 *       stream (value and mod_revision; absent after a delete or before the first put), and the
 *       version counts the puts since the key was last created;
 *   <li><b>final state</b>: the last event of every key leaves the value the final linearizable
 *       read returned (so no delete or put is missing either);
 * </ul>
 * and all watchers received the same events (each is a complete stream from revision 1).
 */
public final class WatchChecker {
    private static final int MAX_REPORTED = 20;

    private WatchChecker() {}

    /** The outcome: events checked and what was wrong (empty: passed). */
    public record Result(int watchers, long events, List<String> violations) {
        public boolean passed() {
            return violations.isEmpty();
        }
    }

    /**
     * @param history     the run's history
     * @param finalReader the client id of the final reads
     * @param streams     each watcher's events in the order received
     */
    public static Result check(List<Operation> history, int finalReader, List<List<WatchedEvent>> streams) {
        List<String> violations = new ArrayList<>();
        Map<String, Operation> writes = new HashMap<>(); // "key\0value" → the write
        Map<String, String> finalValue = new HashMap<>();
        for (Operation op : history) {
            if (op.op() == OpKind.PUT || op.op() == OpKind.CAS) {
                writes.put(op.key() + '\0' + op.value(), op);
            } else if (op.op() == OpKind.GET && op.client() == finalReader && op.ok()) {
                finalValue.put(op.key(), op.value());
            }
        }
        long events = 0;
        List<WatchedEvent> reference = null;
        for (int w = 0; w < streams.size(); w++) {
            List<WatchedEvent> stream = new ArrayList<>();
            for (WatchedEvent e : streams.get(w)) {
                if (!e.key().startsWith(WatchUsers.END_MARKER)) {
                    stream.add(e);
                }
            }
            events += stream.size();
            checkStream("watcher " + w, stream, writes, finalValue, violations);
            if (reference == null) {
                reference = stream;
            } else if (!reference.equals(stream)) {
                int i = 0;
                while (i < reference.size()
                        && i < stream.size()
                        && reference.get(i).equals(stream.get(i))) {
                    i++;
                }
                add(
                        violations,
                        "watcher " + w + " differs from watcher 0 at event " + i + ": "
                                + (i < stream.size() ? stream.get(i).line() : "(ends)") + " vs "
                                + (i < reference.size() ? reference.get(i).line() : "(ends)"));
            }
        }
        return new Result(streams.size(), events, List.copyOf(violations));
    }

    private static void checkStream(
            String who,
            List<WatchedEvent> stream,
            Map<String, Operation> writes,
            Map<String, String> finalValue,
            List<String> violations) {
        Map<String, WatchedEvent> last = new HashMap<>();
        Map<String, Long> seenWrite = new HashMap<>(); // "key\0value" → revision
        long lastRevision = 0;
        String lastKeyAtRevision = null;
        for (WatchedEvent e : stream) {
            if (e.revision() < lastRevision
                    || (e.revision() == lastRevision
                            && lastKeyAtRevision != null
                            && lastKeyAtRevision.equals(e.key()))) {
                add(violations, who + ": out of order or duplicated: " + e.line() + " after revision " + lastRevision);
            }
            if (e.revision() != lastRevision) {
                lastKeyAtRevision = null;
            }
            lastRevision = e.revision();
            lastKeyAtRevision = e.key();
            WatchedEvent before = last.get(e.key());
            boolean existed = before != null && !before.delete();
            if (existed) {
                if (!before.value().equals(e.prevValue()) || before.revision() != e.prevModRev()) {
                    add(
                            violations,
                            who + ": wrong prev_kv in " + e.line() + ": the key's previous event is " + before.line());
                }
            } else if (e.prevValue() != null) {
                add(violations, who + ": prev_kv in " + e.line() + " but the key did not exist before it");
            }
            if (e.delete()) {
                if (!existed) {
                    add(violations, who + ": DELETE of a key that did not exist: " + e.line());
                }
            } else {
                long expectedVersion = existed ? before.version() + 1 : 1;
                if (e.version() != expectedVersion) {
                    add(
                            violations,
                            who + ": version " + e.version() + " expected " + expectedVersion + ": " + e.line());
                }
                String id = e.key() + '\0' + e.value();
                Operation op = writes.get(id);
                if (op == null) {
                    add(violations, who + ": PUT of a value no client wrote: " + e.line());
                } else if (!op.ok() && !op.unknown()) {
                    add(violations, who + ": PUT of a write that failed: " + e.line() + " (" + op + ")");
                }
                if (seenWrite.put(id, e.revision()) != null) {
                    add(violations, who + ": write seen twice: " + e.line());
                }
            }
            last.put(e.key(), e);
        }
        for (Map.Entry<String, Operation> w : writes.entrySet()) {
            if (w.getValue().ok() && !seenWrite.containsKey(w.getKey())) {
                add(violations, who + ": acknowledged write never seen: " + w.getValue());
            }
        }
        checkRealTime(who, writes, seenWrite, violations);
        finalValue.forEach((key, value) -> {
            WatchedEvent e = last.get(key);
            String watched = e == null || e.delete() ? null : e.value();
            if (value == null ? watched != null : !value.equals(watched)) {
                add(
                        violations,
                        who + ": final read of " + key + " returned " + value + " but the watcher's last event is "
                                + (e == null ? "none" : e.line()));
            }
        });
    }

    /** A write acknowledged before another was invoked must have the smaller revision. */
    private static void checkRealTime(
            String who, Map<String, Operation> writes, Map<String, Long> seen, List<String> violations) {
        List<Operation> acked = new ArrayList<>();
        for (Map.Entry<String, Operation> w : writes.entrySet()) {
            if (w.getValue().ok() && seen.containsKey(w.getKey())) {
                acked.add(w.getValue());
            }
        }
        List<Operation> byReturn = new ArrayList<>(acked);
        byReturn.sort(Comparator.comparingLong(Operation::returnNs));
        List<Operation> byCall = new ArrayList<>(acked);
        byCall.sort(Comparator.comparingLong(Operation::callNs));
        long maxRevisionReturned = 0;
        Operation maxOp = null;
        int r = 0;
        for (Operation b : byCall) {
            while (r < byReturn.size() && byReturn.get(r).returnNs() < b.callNs()) {
                Operation a = byReturn.get(r++);
                long rev = seen.get(a.key() + '\0' + a.value());
                if (rev > maxRevisionReturned) {
                    maxRevisionReturned = rev;
                    maxOp = a;
                }
            }
            long revB = seen.get(b.key() + '\0' + b.value());
            if (revB <= maxRevisionReturned) {
                add(
                        violations,
                        who + ": " + b + " was invoked after " + maxOp + " returned, yet its revision " + revB
                                + " is not after " + maxRevisionReturned);
            }
        }
    }

    private static void add(List<String> violations, String v) {
        if (violations.size() < MAX_REPORTED) {
            violations.add(v);
        } else if (violations.size() == MAX_REPORTED) {
            violations.add("… (more not listed)");
        }
    }
}
