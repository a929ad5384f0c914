package io.raftkv.chaos.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KeySpaceTest {

    @Test
    void noKeyIsHandedOutMoreThanItsBudgetAndRetiredKeysAreReplaced() {
        long seed = new Random().nextLong();
        System.out.println("KeySpaceTest seed " + seed);
        KeySpace keys = new KeySpace("k", 3, 50);
        Random random = new Random(seed);
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 10_000; i++) {
            counts.merge(keys.next(random), 1, Integer::sum);
        }
        assertThat(counts.values()).as("seed %d", seed).allMatch(c -> c <= 50);
        assertThat(counts).as("10,000 ops over keys of 50: at least 200 keys").hasSizeGreaterThanOrEqualTo(200);
        assertThat(keys.allKeys()).containsAll(counts.keySet());
        // every key but the (at most 3) active ones was used exactly up to its budget
        assertThat(counts.values().stream().filter(c -> c < 50).count()).isLessThanOrEqualTo(3);
    }

    @Test
    void hintsAreKeptForActiveKeysOnly() {
        KeySpace keys = new KeySpace("k", 1, 2);
        Random random = new Random(1);
        String first = keys.next(random);
        keys.observed(first, "v1");
        assertThat(keys.lastSeen(first)).isEqualTo("v1");
        keys.observed(first, null);
        assertThat(keys.lastSeen(first)).isNull();
        keys.observed(first, "v2");
        assertThat(keys.next(random)).isEqualTo(first); // second and last op: retired now
        assertThat(keys.lastSeen(first)).as("retired keys forget their hint").isNull();
        keys.observed(first, "late");
        assertThat(keys.lastSeen(first)).isNull();
        assertThat(keys.next(random)).isNotEqualTo(first);
    }

    @Test
    void rejectsEmptyKeySpaces() {
        assertThatThrownBy(() -> new KeySpace("k", 0, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new KeySpace("k", 1, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
