package io.raftkv.node.kv;

import java.util.List;

/**
 * Sees the changes of every batch the apply thread wrote, in revision order (on the apply
 * thread: must not block), and every replacement of the whole state by a received snapshot.
 */
public interface ChangeListener {
    ChangeListener NONE = new ChangeListener() {
        @Override
        public void applied(Revisions revisions, List<KvEvent> events) {}

        @Override
        public void reset(Revisions revisions) {}
    };

    /** A batch was written: the revisions after it and its changes (possibly none). */
    void applied(Revisions revisions, List<KvEvent> events);

    /** The state was replaced by a snapshot at {@code revisions}; read missed changes from the history. */
    void reset(Revisions revisions);
}
