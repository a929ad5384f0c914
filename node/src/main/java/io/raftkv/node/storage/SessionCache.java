package io.raftkv.node.storage;

import io.raftkv.node.storage.StateRecords.Session;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Recently used client sessions in memory, so that applying a command with a session usually does
 * not look the session up in RocksDB (one memtable or block search per command). A pure read cache:
 * the database stays the truth and what is applied does not depend on what is cached.
 *
 * <p>Sessions written or deleted while a batch is being built are <em>staged</em>: later commands of
 * the same batch see them at once, and they reach the cache only when the batch has been written
 * ({@link #batchWritten()}); a batch that is not written leaves the cache as it was
 * ({@link #discardStaged()}). Bounded: at most {@link #MAX_ENTRIES} sessions whose record is at most
 * {@link #MAX_RECORD_BYTES} (a session stores its last result, which a transaction's gets can make
 * large), least recently used evicted first — at most a few MiB.
 *
 * <p>Only the apply thread touches it; one instance per database handle (a restored snapshot gets a
 * new, empty one).
 */
final class SessionCache {
    static final int MAX_ENTRIES = 16_384;
    static final int MAX_RECORD_BYTES = 512;

    /** A staged change: the session now stored ({@code null}: deleted) and whether it may be cached. */
    private record Staged(Session session, boolean cacheable) {}

    private final Map<Long, Session> cached = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Session> eldest) {
            return size() > MAX_ENTRIES;
        }
    };
    private final Map<Long, Staged> staged = new HashMap<>();
    /** Lookups answered here; for tests. */
    private long hits;

    /**
     * The client's stored session as far as this cache knows: {@code null} when unknown here (read
     * the database), an empty Optional when the batch being built deleted it.
     */
    Optional<Session> lookup(long clientId) {
        Staged s = staged.get(clientId);
        if (s != null) {
            hits++;
            return Optional.ofNullable(s.session());
        }
        Session c = cached.get(clientId);
        if (c == null) {
            return null;
        }
        hits++;
        return Optional.of(c);
    }

    /** A session read from the database (not changed by the batch being built). */
    void loaded(Session s, int recordBytes) {
        if (recordBytes <= MAX_RECORD_BYTES) {
            cached.put(s.clientId(), s);
        }
    }

    /** The batch being built stores {@code s} ({@code recordBytes} long). */
    void stageWrite(Session s, int recordBytes) {
        staged.put(s.clientId(), new Staged(s, recordBytes <= MAX_RECORD_BYTES));
    }

    /** The batch being built deletes the client's session. */
    void stageDelete(long clientId) {
        staged.put(clientId, new Staged(null, false));
    }

    /** The batch was written: its session changes become the cached state. */
    void batchWritten() {
        for (Map.Entry<Long, Staged> e : staged.entrySet()) {
            Staged s = e.getValue();
            if (s.session() != null && s.cacheable()) {
                cached.put(e.getKey(), s.session());
            } else {
                cached.remove(e.getKey());
            }
        }
        staged.clear();
    }

    /** The batch was not written: forget its changes. */
    void discardStaged() {
        staged.clear();
    }

    int size() {
        return cached.size();
    }

    long hits() {
        return hits;
    }
}
