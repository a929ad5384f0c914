package io.raftkv.node.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.node.kv.ApplyResult;
import io.raftkv.node.storage.StateRecords.Session;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Staging, the two bounds (entries, record size) and what a discarded batch leaves behind. */
class SessionCacheTest {
    private static Session session(long client, long seq) {
        return new Session(client, seq, seq, ApplyResult.noOp(seq, 1));
    }

    @Test
    void stagedChangesAreSeenAtOnceButCachedOnlyWhenTheBatchIsWritten() {
        SessionCache cache = new SessionCache();
        assertThat(cache.lookup(1)).isNull();
        cache.stageWrite(session(1, 1), 40);
        assertThat(cache.lookup(1)).contains(session(1, 1));
        cache.discardStaged();
        assertThat(cache.lookup(1)).isNull();
        cache.stageWrite(session(1, 2), 40);
        cache.batchWritten();
        assertThat(cache.lookup(1)).contains(session(1, 2));
        cache.stageDelete(1);
        assertThat(cache.lookup(1)).isEqualTo(Optional.empty());
        cache.batchWritten();
        assertThat(cache.lookup(1)).isNull();
    }

    @Test
    void largeRecordsAreNotCachedAndReplaceACachedSmallOne() {
        SessionCache cache = new SessionCache();
        cache.loaded(session(1, 1), SessionCache.MAX_RECORD_BYTES);
        assertThat(cache.lookup(1)).contains(session(1, 1));
        cache.stageWrite(session(1, 2), SessionCache.MAX_RECORD_BYTES + 1);
        assertThat(cache.lookup(1)).contains(session(1, 2));
        cache.batchWritten();
        assertThat(cache.lookup(1)).isNull(); // read from the database next time, never the stale one
        cache.loaded(session(2, 1), SessionCache.MAX_RECORD_BYTES + 1);
        assertThat(cache.lookup(2)).isNull();
    }

    @Test
    void holdsAtMostMaxEntriesEvictingTheLeastRecentlyUsed() {
        SessionCache cache = new SessionCache();
        for (long c = 1; c <= SessionCache.MAX_ENTRIES; c++) {
            cache.loaded(session(c, 1), 40);
        }
        assertThat(cache.lookup(1)).isPresent(); // 1 is now the most recently used
        cache.loaded(session(SessionCache.MAX_ENTRIES + 1, 1), 40);
        assertThat(cache.size()).isEqualTo(SessionCache.MAX_ENTRIES);
        assertThat(cache.lookup(1)).isPresent();
        assertThat(cache.lookup(2)).isNull();
    }
}
