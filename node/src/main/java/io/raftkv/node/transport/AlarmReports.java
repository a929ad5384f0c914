package io.raftkv.node.transport;

import io.vertx.core.Future;
import io.vertx.grpc.common.GrpcStatus;

/**
 * What the peer port does with a member's request to raise an alarm for it
 * ({@code RaftPeer.RaiseAlarm}): the node proposes the alarm when it leads. A port, so the
 * transport stays ignorant of alarms and the state machine.
 */
@FunctionalInterface
public interface AlarmReports {
    /**
     * Raises alarm {@code alarmCode} for member {@code memberId}.
     *
     * @return completes once the alarm is applied; fails with a {@link Refused} (its status is
     *         answered) or any other exception (answered UNAVAILABLE)
     */
    Future<Void> raise(long memberId, int alarmCode);

    /** Why an alarm was not raised, with the gRPC status the requesting member gets. */
    final class Refused extends RuntimeException {
        private final GrpcStatus status;

        public Refused(GrpcStatus status, String message) {
            super(message, null, false, false);
            this.status = status;
        }

        public GrpcStatus status() {
            return status;
        }
    }
}
