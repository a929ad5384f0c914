/**
 * Watch: streams the state machine's changes to clients ({@code raftkv.v1.Watch}).
 *
 * <p>{@link io.raftkv.node.watch.WatchHub} owns every watcher on one thread of its own. The apply
 * thread hands it each written batch's changes (a bounded hand-off that never blocks and never
 * waits for a client); the hub keeps recent changes in a bounded {@link io.raftkv.node.watch.EventRing}
 * and reads older ones from the history in RocksDB, so a watcher that is behind, resumes from an
 * old revision, or outlived a snapshot install catches up from disk rather than from memory. Each
 * watcher advances through revisions in order and is sent every matching change exactly once.
 * A stream whose client does not read is bounded by {@link io.raftkv.node.watch.WatchOptions#streamBufferBytes()}:
 * its watchers are canceled with a reason naming the revision to resume from.
 *
 * <p>Reads the state machine through its contract ({@link io.raftkv.node.kv}: {@code StateMachineView},
 * {@code ChangeListener}, {@code Changes}); depends on metrics and the api's messages, not on storage.
 */
package io.raftkv.node.watch;
