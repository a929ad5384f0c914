package io.raftkv.node.transport;

import io.vertx.core.Future;
import java.util.List;

/**
 * What the peer port does with the corruption check's calls ({@code RaftPeer.StateHashAt} and
 * {@code RaftPeer.CorruptCheck}). A port, so the transport stays ignorant of the state machine and
 * the check. A failure with an {@link AlarmReports.Refused} is answered with its status; any other
 * failure UNAVAILABLE.
 */
public interface StateHashes {
    /** This member's state hash right after entry {@code index} (a hash point), once computed. */
    Future<Long> hashAt(long index);

    /** As leader, runs the corruption check now at member {@code requestedBy}'s request. */
    Future<Outcome> checkNow(long requestedBy);

    /** A check's outcome: the hash point, the members found corrupt, how many hashes were compared. */
    record Outcome(long index, List<Long> corrupt, int compared) {
        public Outcome {
            corrupt = List.copyOf(corrupt);
        }
    }
}
