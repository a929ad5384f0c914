package io.raftkv.node.watch;

import io.raftkv.node.kv.KeyRanges;
import io.raftkv.node.kv.KvEvent;

/** One watcher's selection and position. Confined to the hub thread. */
final class Watcher {
    final WatchSink sink;
    final long id;
    final byte[] start;
    /** Exclusive; null: no upper bound. */
    final byte[] end;

    final boolean prevKv;
    final boolean progressNotify;
    final boolean noPut;
    final boolean noDelete;
    /** The next revision whose changes this watcher has not been sent. */
    long next;
    /** Sent something since the last progress tick. */
    boolean sentSinceTick;

    Watcher(
            WatchSink sink,
            long id,
            byte[] start,
            byte[] end,
            boolean prevKv,
            boolean progressNotify,
            boolean noPut,
            boolean noDelete,
            long next) {
        this.sink = sink;
        this.id = id;
        this.start = start;
        this.end = end;
        this.prevKv = prevKv;
        this.progressNotify = progressNotify;
        this.noPut = noPut;
        this.noDelete = noDelete;
        this.next = next;
    }

    boolean matches(KvEvent e) {
        if (e.type() == KvEvent.Type.PUT ? noPut : noDelete) {
            return false;
        }
        return KeyRanges.contains(start, end, e.kv().key());
    }
}
