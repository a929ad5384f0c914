package io.raftkv.node.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.raft.Message;
import io.raftkv.raft.MessageType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeartbeatRoundTripsTest {
    private final TransportStats stats = new TransportStats();
    private final List<long[]> observed = new ArrayList<>();
    private final HeartbeatRoundTrips rtt = new HeartbeatRoundTrips(stats);

    HeartbeatRoundTripsTest() {
        stats.setRoundTripObserver((peer, nanos) -> observed.add(new long[] {peer, nanos}));
    }

    private static Message heartbeat(long to) {
        return Message.builder(MessageType.HEARTBEAT).from(1).to(to).build();
    }

    private static Message response(long from) {
        return Message.builder(MessageType.HEARTBEAT_RESP).from(from).to(1).build();
    }

    @Test
    void timesEachPeerFromItsOldestOutstandingHeartbeatToItsResponse() {
        rtt.onSent(heartbeat(2), 1_000);
        rtt.onSent(heartbeat(3), 1_100);
        rtt.onSent(heartbeat(2), 1_500); // still waiting for 2's answer to the first: not timed
        rtt.onReceived(List.of(response(2)), 3_000);
        rtt.onReceived(List.of(response(2)), 3_600); // answer to the second heartbeat: nothing outstanding
        rtt.onReceived(
                List.of(Message.builder(MessageType.APP_RESP).from(3).to(1).build(), response(3)), 4_100);
        assertThat(observed).extracting(a -> a[0] + ":" + a[1]).containsExactly("2:2000", "3:3000");
    }

    @Test
    void anUnansweredHeartbeatIsForgottenOnceStale() {
        rtt.onSent(heartbeat(2), 0);
        rtt.onSent(heartbeat(2), HeartbeatRoundTrips.STALE_NANOS + 1);
        rtt.onReceived(List.of(response(2)), HeartbeatRoundTrips.STALE_NANOS + 501);
        assertThat(observed).extracting(a -> a[1]).containsExactly(500L);
    }

    @Test
    void otherMessagesAreNotTimed() {
        rtt.onSent(Message.builder(MessageType.APP).from(1).to(2).build(), 0);
        rtt.onReceived(List.of(response(2)), 100);
        assertThat(observed).isEmpty();
    }
}
