package io.raftkv.e2e.linearizability;

import io.raftkv.e2e.history.OpKind;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The Wing–Gong linearizability search with Lowe's memoization, over one key's register history.
 *
 * <p>The history becomes a doubly linked list of call and return events sorted by time (at equal
 * times calls first, so operations that touch are treated as concurrent). The search walks the
 * list: at a call it tries to linearize that operation now (the model must accept it, and the
 * resulting (linearized set, value) pair must be new), removing ("lifting") its call and return
 * from the list and restarting from the head; at a return it has found an operation that should
 * have taken effect already, so it backtracks by undoing the most recent linearization and trying
 * the next candidate after it. The key is linearizable as soon as every operation with a known
 * outcome is linearized.
 *
 * <p>Unknown operations return at +infinity: they may take effect at any point after their call,
 * and they need never be linearized at all — that is "possibly applied".
 *
 * <p>Invariants while searching: {@code depth} = number of linearized ops = set bits of
 * {@code definiteSet} plus set bits of {@code unknownSet}; the stack holds them in linearization
 * order with the value before each; {@code hash} is the XOR of {@code zobrist[op]} over the
 * known-outcome ops linearized; {@code definiteLeft} = known-outcome ops not yet linearized.
 * Not thread-safe; one instance per key and per search.
 */
final class RegisterSearch {
    private static final int HEAD = -2;
    private static final int NIL = -1;
    private static final int DEADLINE_CHECK_INTERVAL = 4096;

    private final KeyHistory h;
    private final int n;
    /** Event e (0..2n-1): operation index and whether it is the call (true) or return event. */
    private final int[] eventOp;

    private final boolean[] eventIsCall;
    private final int[] next;
    private final int[] prev;
    private int headNext;
    private final int[] callEvent;
    private final int[] returnEvent;
    private final long[] zobrist;
    /**
     * For an unknown put or delete: the next unknown put or delete (in call order) that writes the
     * same value id, or -1. Such twins have identical effects and differ only in call time.
     */
    private final int[] laterTwin;
    /** Whether the op's events are currently lifted out of the list (it is linearized). */
    private final boolean[] lifted;
    /** Index of an op within the known-outcome ops or within the unknown ones (its bit in D or U). */
    private final int[] setIndex;

    RegisterSearch(KeyHistory h) {
        this.h = h;
        this.n = h.size();
        int events = 2 * n;
        Integer[] order = new Integer[events];
        long[] time = new long[events];
        for (int op = 0; op < n; op++) {
            time[2 * op] = h.callNs[op];
            time[2 * op + 1] = h.unknown[op] ? Long.MAX_VALUE : h.returnNs[op];
            order[2 * op] = 2 * op;
            order[2 * op + 1] = 2 * op + 1;
        }
        Arrays.sort(order, (a, b) -> {
            int byTime = Long.compare(time[a], time[b]);
            if (byTime != 0) {
                return byTime;
            }
            int byKind = Integer.compare(a & 1, b & 1); // calls (even) before returns (odd)
            return byKind != 0 ? byKind : Integer.compare(a, b);
        });
        eventOp = new int[events];
        eventIsCall = new boolean[events];
        next = new int[events];
        prev = new int[events];
        callEvent = new int[n];
        returnEvent = new int[n];
        for (int e = 0; e < events; e++) {
            int raw = order[e];
            eventOp[e] = raw >> 1;
            eventIsCall[e] = (raw & 1) == 0;
            if (eventIsCall[e]) {
                callEvent[raw >> 1] = e;
            } else {
                returnEvent[raw >> 1] = e;
            }
            prev[e] = e == 0 ? HEAD : e - 1;
            next[e] = e == events - 1 ? NIL : e + 1;
        }
        headNext = events == 0 ? NIL : 0;
        setIndex = new int[n];
        int definiteIndex = 0;
        int unknownIndex = 0;
        for (int op = 0; op < n; op++) {
            setIndex[op] = h.unknown[op] ? unknownIndex++ : definiteIndex++;
        }
        laterTwin = new int[n];
        lifted = new boolean[n];
        java.util.Map<Integer, Integer> lastBlindWriteOfValue = new java.util.HashMap<>();
        for (int op = n - 1; op >= 0; op--) { // KeyHistory keeps ops in call order
            laterTwin[op] = -1;
            if (isUnknownBlindWrite(op)) {
                Integer twin = lastBlindWriteOfValue.put(h.written[op], op);
                laterTwin[op] = twin == null ? -1 : twin;
            }
        }
        zobrist = new long[n];
        SplittableRandom random = new SplittableRandom(0x5EED_0F_11AL);
        for (int op = 0; op < n; op++) {
            zobrist[op] = random.nextLong();
        }
    }

    SearchOutcome run(SearchBudget budget) {
        long startNs = System.nanoTime();
        long deadlineNs = startNs + budget.maxTimePerKey().toNanos();
        long[] definiteSet = new long[(h.definiteCount >> 6) + 1];
        long[] unknownSet = new long[((n - h.definiteCount) >> 6) + 1];
        VisitedSet visited = new VisitedSet(definiteSet.length, unknownSet.length, budget.maxStatesPerKey());
        int[] stackOp = new int[n];
        int[] stackValue = new int[n];
        boolean[] stackUnknownPass = new boolean[n];
        int depth = 0;
        int value = KeyHistory.ABSENT;
        long hash = 0;
        int definiteLeft = h.definiteCount;

        int bestDepth = -1;
        int[] bestPrefix = new int[0];
        int bestValue = KeyHistory.ABSENT;
        int blockingOp = -1;
        int[] pendingAtBlock = new int[0];

        long steps = 0;
        int entry = headNext;
        // Each state first tries the pending known-outcome calls, then (second pass) the unknown
        // ones, so that states with fewer unknown operations applied are explored first and
        // dominate the rest (see VisitedSet).
        boolean unknownPass = false;
        // Return time of the event that ends the current state's candidate region (pass 2 only).
        long regionEndNs = 0;
        long[] stackRegionEndNs = new long[n];
        while (definiteLeft > 0) {
            if (++steps % DEADLINE_CHECK_INTERVAL == 0 && System.nanoTime() - deadlineNs > 0) {
                return new SearchOutcome(
                        Verdict.UNKNOWN,
                        visited.size(),
                        System.nanoTime() - startNs,
                        "time budget of " + budget.maxTimePerKey().toMillis() + " ms exhausted after " + visited.size()
                                + " states",
                        bestPrefix,
                        bestValue,
                        blockingOp,
                        pendingAtBlock);
            }
            // A known-outcome op always has its return event in the list, so entry != NIL here.
            int op = eventOp[entry];
            if (eventIsCall[entry]) {
                int after = h.unknown[op] == unknownPass && !dominatedBlindWrite(op, depth, stackOp, regionEndNs)
                        ? h.step(value, op)
                        : -1;
                if (after >= 0) {
                    long[] set = h.unknown[op] ? unknownSet : definiteSet;
                    int bit = setIndex[op];
                    set[bit >> 6] |= 1L << bit;
                    long afterHash = h.unknown[op] ? hash : hash ^ zobrist[op];
                    int added = visited.add(definiteSet, after, mix(afterHash, after), unknownSet);
                    if (added == VisitedSet.ADDED) {
                        stackOp[depth] = op;
                        stackValue[depth] = value;
                        stackUnknownPass[depth] = unknownPass;
                        stackRegionEndNs[depth] = regionEndNs;
                        depth++;
                        value = after;
                        hash = afterHash;
                        if (!h.unknown[op]) {
                            definiteLeft--;
                        }
                        lift(op);
                        entry = headNext;
                        unknownPass = false;
                        continue;
                    }
                    set[bit >> 6] &= ~(1L << bit);
                    if (added == VisitedSet.FULL) {
                        return new SearchOutcome(
                                Verdict.UNKNOWN,
                                visited.size(),
                                System.nanoTime() - startNs,
                                "state budget of " + budget.maxStatesPerKey() + " states exhausted",
                                bestPrefix,
                                bestValue,
                                blockingOp,
                                pendingAtBlock);
                    }
                }
                entry = next[entry];
            } else if (!unknownPass) {
                unknownPass = true;
                regionEndNs = h.returnNs[op];
                entry = headNext;
            } else {
                if (depth > bestDepth) {
                    bestDepth = depth;
                    bestPrefix = Arrays.copyOf(stackOp, depth);
                    bestValue = value;
                    blockingOp = op;
                    pendingAtBlock = pendingBefore(entry);
                }
                if (depth == 0) {
                    return new SearchOutcome(
                            Verdict.NOT_LINEARIZABLE,
                            visited.size(),
                            System.nanoTime() - startNs,
                            null,
                            bestPrefix,
                            bestValue,
                            blockingOp,
                            pendingAtBlock);
                }
                depth--;
                int undone = stackOp[depth];
                value = stackValue[depth];
                unknownPass = stackUnknownPass[depth];
                regionEndNs = stackRegionEndNs[depth];
                int bit = setIndex[undone];
                if (h.unknown[undone]) {
                    unknownSet[bit >> 6] &= ~(1L << bit);
                } else {
                    definiteSet[bit >> 6] &= ~(1L << bit);
                    hash ^= zobrist[undone];
                    definiteLeft++;
                }
                unlift(undone);
                entry = next[callEvent[undone]];
            }
        }
        return new SearchOutcome(
                Verdict.LINEARIZABLE,
                visited.size(),
                System.nanoTime() - startNs,
                null,
                new int[0],
                KeyHistory.ABSENT,
                -1,
                new int[0]);
    }

    /**
     * Branches of the second pass that a sibling branch dominates, for an unknown put or delete u:
     * <ul>
     *   <li>u directly after another unknown op u1: (D, v, U + {u1, u}) is dominated by
     *       (D, v, U + {u}), which the parent state reaches by applying u alone (u was pending
     *       there too). So unknown writes are applied only just before an operation that can
     *       observe them.
     *   <li>u has a later twin (same value, called later, still pending, called before the
     *       region's end): applying the twin instead leaves the earlier-called u pending, which can
     *       do everything the twin could later. So of identical unknown writes, only the
     *       latest-called available one is tried.
     * </ul>
     * Without these, every pending unknown write would multiply the states a failing search must
     * exhaust.
     */
    private boolean dominatedBlindWrite(int op, int depth, int[] stackOp, long regionEndNs) {
        if (!isUnknownBlindWrite(op)) {
            return false;
        }
        if (depth > 0 && h.unknown[stackOp[depth - 1]]) {
            return true;
        }
        for (int twin = laterTwin[op]; twin >= 0 && h.callNs[twin] <= regionEndNs; twin = laterTwin[twin]) {
            if (!lifted[twin]) {
                return true;
            }
        }
        return false;
    }

    private boolean isUnknownBlindWrite(int op) {
        return h.unknown[op] && (h.kind[op] == OpKind.PUT || h.kind[op] == OpKind.DELETE);
    }

    /** Ops whose call event precedes {@code stopEvent} in the current list (called, not yet linearized). */
    private int[] pendingBefore(int stopEvent) {
        int[] pending = new int[n];
        int count = 0;
        for (int e = headNext; e != stopEvent && e != NIL; e = next[e]) {
            if (eventIsCall[e]) {
                pending[count++] = eventOp[e];
            }
        }
        return Arrays.copyOf(pending, count);
    }

    /** Removes op's call and return events from the list. */
    private void lift(int op) {
        lifted[op] = true;
        unlink(callEvent[op]);
        unlink(returnEvent[op]);
    }

    /** Exact inverse of {@link #lift}; valid only in LIFO order, which the search stack guarantees. */
    private void unlift(int op) {
        relink(returnEvent[op]);
        relink(callEvent[op]);
        lifted[op] = false;
    }

    private void unlink(int e) {
        if (prev[e] == HEAD) {
            headNext = next[e];
        } else {
            next[prev[e]] = next[e];
        }
        if (next[e] != NIL) {
            prev[next[e]] = prev[e];
        }
    }

    private void relink(int e) {
        if (prev[e] == HEAD) {
            headNext = e;
        } else {
            next[prev[e]] = e;
        }
        if (next[e] != NIL) {
            prev[next[e]] = e;
        }
    }

    /** Combines the set hash with the register value (murmur3 finalizer). */
    private static long mix(long setHash, int value) {
        long x = setHash ^ (value * 0x9E3779B97F4A7C15L);
        x ^= x >>> 33;
        x *= 0xFF51AFD7ED558CCDL;
        x ^= x >>> 33;
        x *= 0xC4CEB9FE1A85EC53L;
        x ^= x >>> 33;
        return x;
    }
}
