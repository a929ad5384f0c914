package io.raftkv.chaos.workload;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The keys a workload uses: a small active set (so clients contend on the same keys, where
 * anomalies show) whose members are retired after {@code maxOpsPerKey} operations and replaced by
 * fresh keys. That bounds every key's history (the checker's search is exponential in the worst
 * case, and ~1,000 operations per key stay cheap) however long a run lasts.
 *
 * <p>It also keeps a hint per active key — the last value some client saw there — from which a
 * cas takes its expected value, so that a fair share of cas operations succeed.
 *
 * <p>Thread-safe: many client threads share one instance (short critical sections).
 */
public final class KeySpace {
    private final String prefix;
    private final int maxOpsPerKey;
    private final String[] active;
    private final Map<String, Integer> opsIssued = new HashMap<>();
    private final Map<String, String> lastSeen = new HashMap<>();
    private final List<String> allKeys = new ArrayList<>();
    private int nextKey;

    /**
     * @param prefix       key names are {@code prefix + n}
     * @param activeKeys   how many keys are in use at once (at least 1)
     * @param maxOpsPerKey operations after which a key is retired (at least 1)
     */
    public KeySpace(String prefix, int activeKeys, int maxOpsPerKey) {
        if (activeKeys < 1 || maxOpsPerKey < 1) {
            throw new IllegalArgumentException(
                    "activeKeys and maxOpsPerKey must be >= 1, got " + activeKeys + " and " + maxOpsPerKey);
        }
        this.prefix = prefix;
        this.maxOpsPerKey = maxOpsPerKey;
        this.active = new String[activeKeys];
        for (int i = 0; i < activeKeys; i++) {
            active[i] = freshKey();
        }
    }

    private String freshKey() {
        String k = prefix + nextKey++;
        allKeys.add(k);
        opsIssued.put(k, 0);
        return k;
    }

    /**
     * Picks an active key for one operation and counts it; the key that reaches its budget is
     * retired at once, so no key is handed out more than {@code maxOpsPerKey} times.
     */
    public synchronized String next(Random random) {
        int slot = random.nextInt(active.length);
        String key = active[slot];
        int issued = opsIssued.merge(key, 1, Integer::sum);
        if (issued >= maxOpsPerKey) {
            opsIssued.remove(key);
            lastSeen.remove(key);
            active[slot] = freshKey();
        }
        return key;
    }

    /** Records that {@code value} (null = absent) was observed at {@code key}; ignored for retired keys. */
    public synchronized void observed(String key, String value) {
        if (opsIssued.containsKey(key)) {
            lastSeen.put(key, value);
        }
    }

    /** The last value some client observed at {@code key}, or null (absent or never observed). */
    public synchronized String lastSeen(String key) {
        return lastSeen.get(key);
    }

    /** Every key ever handed out or made active, in order of creation. */
    public synchronized List<String> allKeys() {
        return List.copyOf(allKeys);
    }

    public int maxOpsPerKey() {
        return maxOpsPerKey;
    }
}
