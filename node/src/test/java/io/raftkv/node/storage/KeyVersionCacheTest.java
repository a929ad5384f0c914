package io.raftkv.node.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class KeyVersionCacheTest {
    private final KeyVersionCache cache = new KeyVersionCache();

    @Test
    void aWrittenBatchStaysAndADiscardedOneIsUndone() {
        cache.stageWrite(key("a"), 1, 1);
        cache.batchWritten();
        cache.stageWrite(key("a"), 1, 2);
        cache.stageWrite(key("b"), 5, 1);
        cache.stageUnknown(key("a"));
        assertThat(cache.lookup(key("a"))).isEqualTo(-1);
        cache.discardStaged();
        int a = cache.lookup(key("a"));
        assertThat(a).isNotNegative();
        assertThat(cache.versionAt(a)).isEqualTo(1);
        assertThat(cache.lookup(key("b"))).isEqualTo(-1);
    }

    @Test
    void keysDifferingOnlyInLengthOrPastTheFirstWordAreDistinct() {
        cache.stageWrite("ab".getBytes(StandardCharsets.UTF_8), 1, 1);
        cache.stageWrite(new byte[] {'a', 'b', 0}, 2, 1);
        cache.stageWrite("0123456789abcdeX".getBytes(StandardCharsets.UTF_8), 3, 1);
        cache.batchWritten();
        assertThat(cache.lookup("0123456789abcdeY".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(-1);
        int ab = cache.lookup("ab".getBytes(StandardCharsets.UTF_8));
        int ab0 = cache.lookup(new byte[] {'a', 'b', 0});
        if (ab >= 0) {
            assertThat(cache.createIndexAt(ab)).isEqualTo(1);
        }
        if (ab0 >= 0) {
            assertThat(cache.createIndexAt(ab0)).isEqualTo(2);
        }
        assertThat(ab >= 0 || ab0 >= 0).isTrue();
        assertThat(cache.lookup(new byte[KeyVersionCache.MAX_KEY_BYTES + 1])).isEqualTo(-1);
    }

    @Test
    void aBatchLargerThanTheUndoLogMissesUntilItEndsAndThenEmptiesTheTable() {
        cache.stageWrite(key("old"), 1, 1);
        cache.batchWritten();
        for (int i = 0; i <= KeyVersionCache.MAX_UNDO; i++) {
            cache.stageWrite(key("k" + (i % 100)), i, i);
        }
        cache.stageWrite(key("old"), 1, 2); // not recorded: must not be served stale
        assertThat(cache.lookup(key("old"))).isEqualTo(-1);
        cache.batchWritten();
        assertThat(cache.size()).isZero();
        cache.stageWrite(key("new"), 7, 1);
        cache.batchWritten();
        assertThat(cache.lookup(key("new"))).isNotNegative();
    }

    private static byte[] key(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
