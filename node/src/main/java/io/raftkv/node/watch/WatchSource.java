package io.raftkv.node.watch;

import io.raftkv.node.kv.Changes;
import io.raftkv.node.kv.KeyValue;
import io.raftkv.node.kv.Revisions;
import io.raftkv.node.kv.StateMachineView;
import java.util.Optional;
import java.util.function.Supplier;

/** What the hub reads from the state machine (blocking reads of the history). */
public interface WatchSource {
    Revisions revisions();

    /** @throws io.raftkv.node.kv.RevisionUnavailableException if {@code from} is compacted */
    Changes changes(long from, int maxEvents, long maxBytes);

    Optional<KeyValue> previous(byte[] key, long revision, int sub);

    static WatchSource of(Supplier<? extends StateMachineView> sm) {
        return new WatchSource() {
            // A node without a state machine (a test double) has no changes to watch.
            @Override
            public Revisions revisions() {
                StateMachineView m = sm.get();
                return m == null ? Revisions.INITIAL : m.revisions();
            }

            @Override
            public Changes changes(long from, int maxEvents, long maxBytes) {
                StateMachineView m = sm.get();
                return m == null
                        ? new Changes(java.util.List.of(), Revisions.INITIAL.current())
                        : m.changes(from, maxEvents, maxBytes);
            }

            @Override
            public Optional<KeyValue> previous(byte[] key, long revision, int sub) {
                StateMachineView m = sm.get();
                return m == null ? Optional.empty() : m.previous(key, revision, sub);
            }
        };
    }
}
