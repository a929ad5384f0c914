package io.raftkv.node.kv;

import java.util.List;

/**
 * Changes read from the history.
 *
 * @param events the changes, in revision order (whole revisions)
 * @param upTo   every change up to this revision is in {@code events} or there were none; read on
 *               from {@code upTo + 1}
 */
public record Changes(List<KvEvent> events, long upTo) {
    public Changes {
        events = List.copyOf(events);
    }
}
