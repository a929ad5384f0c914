package io.raftkv.node.watch;

import io.raftkv.api.v1.WatchResponse;

/** The sending side of one watch stream, as the hub sees it. Thread-safe; never blocks. */
public interface WatchSink {
    /** Queues {@code response} for the client, in order with every earlier one. */
    void send(WatchResponse response);

    /** Bytes of responses queued and not yet written to the connection. */
    long pendingBytes();
}
