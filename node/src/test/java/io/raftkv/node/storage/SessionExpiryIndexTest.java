package io.raftkv.node.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Ordering by last use, moving a session, and undoing a batch that was not written. */
class SessionExpiryIndexTest {

    @Test
    void removesTheSessionsLastUsedBelowTheLimitOldestFirst() {
        SessionExpiryIndex index = new SessionExpiryIndex();
        index.load(7, 30);
        index.load(5, 10);
        index.load(9, 20);
        index.batchWritten();
        assertThat(index.removeLastUsedBelow(10)).isEmpty();
        assertThat(index.removeLastUsedBelow(30)).containsExactly(5L, 9L);
        assertThat(index.size()).isEqualTo(1);
    }

    @Test
    void aUsedSessionMovesAndADiscardedBatchIsUndoneExactly() {
        SessionExpiryIndex index = new SessionExpiryIndex();
        index.used(1, -1, 5);
        index.used(2, -1, 6);
        index.batchWritten();
        index.used(1, 5, 9); // session 1 used again at 9
        index.used(3, -1, 10); // a new session
        assertThat(index.removeLastUsedBelow(7)).containsExactly(2L);
        index.discardStaged();
        // As after the written batch: 1 at 5, 2 at 6.
        assertThat(index.size()).isEqualTo(2);
        assertThat(index.removeLastUsedBelow(100)).containsExactly(1L, 2L);
    }

    @Test
    void twoSessionsCannotShareALastUse() {
        SessionExpiryIndex index = new SessionExpiryIndex();
        index.load(1, 5);
        assertThatThrownBy(() -> index.load(2, 5))
                .isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("last used at index 5");
    }
}
