package io.raftkv.node.storage;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every stored client session ordered by the log index that last used it, in memory, so that the
 * sessions expired at an index are found without reading the database. Built from the
 * {@code sessions} column family when the state machine opens (so it always mirrors what is stored,
 * and every replica derives the same one); changed only on the apply thread.
 *
 * <p>A last-used index identifies its session: one log entry carries at most one command, so two
 * sessions never share one. Changes made while a batch is built are applied at once and logged;
 * {@link #discardStaged()} undoes them when the batch is not written, {@link #batchWritten()} keeps
 * them. Size: one entry per stored session; sessions expire after {@code sessionExpiryEntries}
 * entries, so at most that many exist (about 100 bytes each).
 */
final class SessionExpiryIndex {
    /** One logged change: {@code lastUsed} was added ({@code added}) or removed for {@code clientId}. */
    private record Change(long lastUsed, long clientId, boolean added) {}

    private final TreeMap<Long, Long> clientByLastUsed = new TreeMap<>();
    private final ArrayDeque<Change> undo = new ArrayDeque<>();

    /** Records a stored session while the index is built. */
    void load(long clientId, long lastUsed) {
        Long other = clientByLastUsed.put(lastUsed, clientId);
        if (other != null && other != clientId) {
            throw new CorruptRecordException(
                    "sessions of clients " + other + " and " + clientId + " were both last used at index " + lastUsed);
        }
    }

    /** The client's session moves from {@code previousLastUsed} (-1: it had none) to {@code lastUsed}. */
    void used(long clientId, long previousLastUsed, long lastUsed) {
        if (previousLastUsed >= 0 && clientByLastUsed.remove(previousLastUsed, clientId)) {
            undo.push(new Change(previousLastUsed, clientId, false));
        }
        clientByLastUsed.put(lastUsed, clientId);
        undo.push(new Change(lastUsed, clientId, true));
    }

    /** Removes and returns the clients whose sessions were last used below {@code limit}, oldest first. */
    List<Long> removeLastUsedBelow(long limit) {
        Map<Long, Long> expired = clientByLastUsed.headMap(limit, false);
        if (expired.isEmpty()) {
            return List.of();
        }
        List<Long> clients = new ArrayList<>(expired.size());
        for (Map.Entry<Long, Long> e : expired.entrySet()) {
            clients.add(e.getValue());
            undo.push(new Change(e.getKey(), e.getValue(), false));
        }
        expired.clear();
        return clients;
    }

    /** The batch was written: keep its changes. */
    void batchWritten() {
        undo.clear();
    }

    /** The batch was not written: undo its changes, newest first. */
    void discardStaged() {
        while (!undo.isEmpty()) {
            Change c = undo.pop();
            if (c.added()) {
                clientByLastUsed.remove(c.lastUsed(), c.clientId());
            } else {
                clientByLastUsed.put(c.lastUsed(), c.clientId());
            }
        }
    }

    int size() {
        return clientByLastUsed.size();
    }
}
