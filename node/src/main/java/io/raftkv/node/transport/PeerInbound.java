package io.raftkv.node.transport;

import io.raftkv.raft.Message;
import java.util.List;

/**
 * What the transport delivers to the Raft driver. Every method is called on the driver's context
 * (the transport hops there), never concurrently.
 */
public interface PeerInbound {

    /**
     * Messages received from {@code from}, already checked for cluster id and destination; step them
     * into the core in order.
     */
    void onMessages(List<Message> messages);

    /**
     * A peer that could not be reached by {@code Send} (deadline, connection refused, rejected batch):
     * report it to the core ({@code RawNode.reportUnreachable}) so it stops pipelining to it.
     */
    void onUnreachable(long peerId);

    /** Outcome of streaming a snapshot to {@code peerId} ({@code RawNode.reportSnapshot}). */
    void onSnapshotSent(long peerId, boolean succeeded);

    /**
     * A snapshot's data from the leader was verified and installed durably; step {@code snap} (the
     * SNAP message from the stream's header) into the core.
     */
    void onSnapshotInstalled(Message snap);
}
