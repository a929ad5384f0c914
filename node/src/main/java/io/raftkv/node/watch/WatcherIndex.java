package io.raftkv.node.watch;

import io.raftkv.node.kv.KeyRanges;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Which watchers a key may concern, without testing every watcher: single-key watchers by their
 * key, prefix watchers by their prefix (a key of length n is looked up under each prefix length in
 * use, at most n lookups), and only other ranges tested one by one. Confined to the hub thread.
 */
final class WatcherIndex {
    private final Map<ByteBuffer, List<Watcher>> keys = new HashMap<>();
    private final Map<ByteBuffer, List<Watcher>> prefixes = new HashMap<>();
    /** Prefix length → how many prefix watchers have one that long. */
    private final TreeMap<Integer, Integer> prefixLengths = new TreeMap<>();

    private final List<Watcher> ranges = new ArrayList<>();

    void add(Watcher w) {
        switch (kind(w)) {
            case KEY ->
                keys.computeIfAbsent(ByteBuffer.wrap(w.start), k -> new ArrayList<>(1))
                        .add(w);
            case PREFIX -> {
                prefixes.computeIfAbsent(ByteBuffer.wrap(w.start), k -> new ArrayList<>(1))
                        .add(w);
                prefixLengths.merge(w.start.length, 1, Integer::sum);
            }
            default -> ranges.add(w);
        }
    }

    void remove(Watcher w) {
        switch (kind(w)) {
            case KEY -> removeFrom(keys, w);
            case PREFIX -> {
                removeFrom(prefixes, w);
                prefixLengths.computeIfPresent(w.start.length, (l, n) -> n == 1 ? null : n - 1);
            }
            default -> ranges.remove(w);
        }
    }

    /** Calls {@code action} for every watcher whose keys include {@code key} (filters not applied). */
    void forEach(byte[] key, Consumer<Watcher> action) {
        List<Watcher> exact = keys.get(ByteBuffer.wrap(key));
        if (exact != null) {
            exact.forEach(action);
        }
        for (int length : prefixLengths.headMap(key.length, true).keySet()) {
            List<Watcher> ws = prefixes.get(ByteBuffer.wrap(key, 0, length));
            if (ws != null) {
                ws.forEach(action);
            }
        }
        for (Watcher w : ranges) {
            if (KeyRanges.contains(w.start, w.end, key)) {
                action.accept(w);
            }
        }
    }

    private enum Kind {
        KEY,
        PREFIX,
        RANGE
    }

    private static Kind kind(Watcher w) {
        if (w.end == null) {
            return Kind.RANGE;
        }
        if (w.end.length == w.start.length + 1
                && w.end[w.start.length] == 0
                && Arrays.equals(w.end, 0, w.start.length, w.start, 0, w.start.length)) {
            return Kind.KEY;
        }
        return Arrays.equals(w.end, KeyRanges.prefixEnd(w.start)) ? Kind.PREFIX : Kind.RANGE;
    }

    private static void removeFrom(Map<ByteBuffer, List<Watcher>> map, Watcher w) {
        ByteBuffer k = ByteBuffer.wrap(w.start);
        List<Watcher> ws = map.get(k);
        if (ws != null && ws.remove(w) && ws.isEmpty()) {
            map.remove(k);
        }
    }
}
