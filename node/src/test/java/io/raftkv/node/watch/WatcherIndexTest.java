package io.raftkv.node.watch;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.node.kv.KeyRanges;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The index finds exactly the watchers whose range holds a key, as testing each one would. */
class WatcherIndexTest {

    @Test
    void findsExactlyTheWatchersWhoseRangeHoldsTheKey() {
        long seed = new Random().nextLong();
        System.out.println("WatcherIndexTest seed " + seed);
        Random rnd = new Random(seed);
        WatcherIndex index = new WatcherIndex();
        List<Watcher> all = new ArrayList<>();
        for (int round = 0; round < 3_000; round++) {
            int op = rnd.nextInt(10);
            if (op < 3 || all.isEmpty()) {
                byte[] start = key(rnd);
                byte[] end = switch (rnd.nextInt(5)) {
                    case 0 -> Arrays.copyOf(start, start.length + 1); // one key
                    case 1 -> KeyRanges.prefixEnd(start); // a prefix
                    case 2 -> null; // everything from start on
                    case 3 -> new byte[] {1}; // every key (from {0})
                    default -> {
                        byte[] e = key(rnd);
                        yield Arrays.compareUnsigned(e, start) > 0 ? e : null;
                    }
                };
                if (end != null && end.length == 1 && end[0] == 1) {
                    start = new byte[] {0};
                }
                Watcher w = new Watcher(null, round, start, end, false, false, false, false, 1);
                all.add(w);
                index.add(w);
            } else if (op < 4) {
                Watcher w = all.remove(rnd.nextInt(all.size()));
                index.remove(w);
            } else {
                byte[] k = key(rnd);
                Set<Watcher> expected = all.stream()
                        .filter(w -> KeyRanges.contains(w.start, w.end, k))
                        .collect(Collectors.toSet());
                List<Watcher> found = new ArrayList<>();
                index.forEach(k, found::add);
                assertThat(found).doesNotHaveDuplicates();
                assertThat(Set.copyOf(found)).isEqualTo(expected);
            }
        }
    }

    /** Short keys over a tiny alphabet (with 0x00 and 0xFF), so ranges, prefixes and keys collide often. */
    private static byte[] key(Random rnd) {
        byte[] alphabet = {'a', 'b', 'c', 0, (byte) 0xFF};
        byte[] k = new byte[1 + rnd.nextInt(4)];
        for (int i = 0; i < k.length; i++) {
            k[i] = alphabet[rnd.nextInt(alphabet.length)];
        }
        return k;
    }
}
