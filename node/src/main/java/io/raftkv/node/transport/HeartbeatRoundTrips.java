package io.raftkv.node.transport;

import io.raftkv.raft.Message;
import io.raftkv.raft.MessageType;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Measures the round trip of Raft heartbeats per peer, as etcd's
 * {@code etcd_network_peer_round_trip_time_seconds} does with its probes: the time from handing a
 * heartbeat to the transport until that peer's heartbeat response arrives. It includes both nodes'
 * queues and event loops, which is what a leader's lease on its followers depends on.
 *
 * <p>One heartbeat per peer is outstanding at a time: later heartbeats sent before the response
 * arrives are not timed, so a response is matched to the oldest heartbeat it can answer. A lost
 * heartbeat therefore makes the next measured round trip longer by the heartbeat interval (what the
 * leader experienced); one unanswered for {@link #STALE_NANOS} is forgotten.
 *
 * <p>Driver context only (sends and deliveries both run there), so nothing is locked.
 */
final class HeartbeatRoundTrips {
    /** An outstanding heartbeat older than this is forgotten (the largest latency bucket is 10 s). */
    static final long STALE_NANOS = 10_000_000_000L;

    private final TransportStats stats;
    private final Map<Long, Long> sentAt = new HashMap<>();

    HeartbeatRoundTrips(TransportStats stats) {
        this.stats = stats;
    }

    void onSent(Message m, long nowNanos) {
        if (m.type() != MessageType.HEARTBEAT) {
            return;
        }
        Long outstanding = sentAt.get(m.to());
        if (outstanding == null || nowNanos - outstanding > STALE_NANOS) {
            sentAt.put(m.to(), nowNanos);
        }
    }

    void onReceived(List<Message> messages, long nowNanos) {
        for (Message m : messages) {
            if (m.type() == MessageType.HEARTBEAT_RESP) {
                Long sent = sentAt.remove(m.from());
                if (sent != null) {
                    stats.observeRoundTrip(m.from(), nowNanos - sent);
                }
            }
        }
    }

    /** Forgets a removed peer. */
    void forget(long peerId) {
        sentAt.remove(peerId);
    }
}
