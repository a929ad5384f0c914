package io.raftkv.e2e.linearizability;

import java.util.Arrays;

/**
 * The memo of the Wing–Gong/Lowe search, with dominance for unknown operations.
 *
 * <p>A search state is (D, x, U): the set D of linearized known-outcome operations, the register
 * value x, and the set U of linearized unknown-outcome operations. Lowe's memo prunes a state seen
 * before. Unknown operations need never take effect, so (D, x, U0) can do everything (D, x, U) can
 * whenever U0 ⊆ U: the same known-outcome operations are pending, and every unknown operation still
 * pending in (D, x, U) is pending in (D, x, U0) too. So a state is pruned if a state with the same D
 * and x and a subset of its U was seen. Without this, each unknown write pending forever doubles the
 * space a failing search must exhaust; with it, an unknown write whose effect was overwritten
 * unobserved costs nothing.
 *
 * <p>Exact, not probabilistic: full copies of both bitsets are kept, so a hash collision never
 * prunes an unexplored path. (D, x) pairs live in an open-addressing table over one long[] arena
 * ({@code dWords + 1} longs each); each pair heads a chain of U sets ({@code uWords} longs each).
 * The total number of U sets stored is the state budget.
 */
final class VisitedSet {
    static final int ADDED = 1;
    static final int PRESENT = 0;
    static final int FULL = -1;

    private final int dWords;
    private final int pairStride;
    private final int uWords;
    private final long maxStates;

    private long[] pairs;
    private long[] pairHashes;
    private int[] firstState;
    private int pairCount;
    /** Slot table: pair index + 1, or 0 if empty; length a power of two, load at most 1/2. */
    private int[] slots;

    private long[] unknownSets;
    private int[] nextState;
    private int stateCount;

    VisitedSet(int dWords, int uWords, long maxStates) {
        this.dWords = dWords;
        this.pairStride = dWords + 1;
        this.uWords = uWords;
        long arenaLimit = (Integer.MAX_VALUE - 8) / Math.max(pairStride, Math.max(uWords, 1));
        this.maxStates = Math.min(Math.min(maxStates, arenaLimit), 1L << 28);
        int initial = 1024;
        pairs = new long[initial * pairStride];
        pairHashes = new long[initial];
        firstState = new int[initial];
        slots = new int[initial * 2];
        unknownSets = new long[initial * uWords];
        nextState = new int[initial];
    }

    /** Number of (D, x, U) states stored. */
    int size() {
        return stateCount;
    }

    /**
     * Records state (D, x, U) unless a state (D, x, U0) with U0 ⊆ U is already recorded.
     *
     * @return {@link #ADDED}, {@link #PRESENT} (dominated: prune), or {@link #FULL} (budget spent)
     */
    int add(long[] definite, int value, long hash, long[] unknown) {
        int mask = slots.length - 1;
        int slot = (int) hash & mask;
        int pair = -1;
        while (slots[slot] != 0) {
            int candidate = slots[slot] - 1;
            if (pairHashes[candidate] == hash && pairMatches(candidate, definite, value)) {
                pair = candidate;
                break;
            }
            slot = (slot + 1) & mask;
        }
        if (pair >= 0) {
            for (int s = firstState[pair]; s >= 0; s = nextState[s]) {
                if (isSubset(s, unknown)) {
                    return PRESENT;
                }
            }
        }
        if (stateCount >= maxStates) {
            return FULL;
        }
        int state = storeUnknownSet(unknown);
        if (pair >= 0) {
            nextState[state] = firstState[pair];
            firstState[pair] = state;
            return ADDED;
        }
        if (pairCount == pairHashes.length) {
            int capacity = pairHashes.length * 2;
            pairs = Arrays.copyOf(pairs, capacity * pairStride);
            pairHashes = Arrays.copyOf(pairHashes, capacity);
            firstState = Arrays.copyOf(firstState, capacity);
        }
        int base = pairCount * pairStride;
        System.arraycopy(definite, 0, pairs, base, dWords);
        pairs[base + dWords] = value;
        pairHashes[pairCount] = hash;
        firstState[pairCount] = state;
        nextState[state] = -1;
        slots[slot] = pairCount + 1;
        pairCount++;
        if ((long) pairCount * 2 > slots.length) {
            rehash(slots.length * 2);
        }
        return ADDED;
    }

    private int storeUnknownSet(long[] unknown) {
        if (stateCount == nextState.length) {
            int capacity = nextState.length * 2;
            unknownSets = Arrays.copyOf(unknownSets, capacity * uWords);
            nextState = Arrays.copyOf(nextState, capacity);
        }
        System.arraycopy(unknown, 0, unknownSets, stateCount * uWords, uWords);
        return stateCount++;
    }

    /** Whether the stored U set of {@code state} is a subset of {@code unknown}. */
    private boolean isSubset(int state, long[] unknown) {
        int base = state * uWords;
        for (int w = 0; w < uWords; w++) {
            if ((unknownSets[base + w] & ~unknown[w]) != 0) {
                return false;
            }
        }
        return true;
    }

    private boolean pairMatches(int pair, long[] definite, int value) {
        int base = pair * pairStride;
        if (pairs[base + dWords] != value) {
            return false;
        }
        for (int w = 0; w < dWords; w++) {
            if (pairs[base + w] != definite[w]) {
                return false;
            }
        }
        return true;
    }

    private void rehash(int capacity) {
        int[] fresh = new int[capacity];
        int mask = capacity - 1;
        for (int pair = 0; pair < pairCount; pair++) {
            int slot = (int) pairHashes[pair] & mask;
            while (fresh[slot] != 0) {
                slot = (slot + 1) & mask;
            }
            fresh[slot] = pair + 1;
        }
        slots = fresh;
    }
}
