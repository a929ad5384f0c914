package io.raftkv.api;

import io.vertx.grpc.common.GrpcStatus;
import java.util.Objects;
import java.util.Optional;

/**
 * A RaftKV call that ended with a non-OK gRPC status. The same type is used on both sides of the
 * wire: the node fails a call with it ({@link ErrorTrailers#fail}) and the client library hands
 * it to the caller, rebuilt from the status, message and trailers ({@link ErrorTrailers#decode}).
 *
 * <p>Invariant: when {@link #reason()} is present, {@code status == reason.status()}.
 */
public final class RaftKvException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final GrpcStatus status;
    private final transient ErrorReason reason;
    private final long leaderId;
    private final String leaderAddress;
    private final boolean outcomeUnknown;

    private RaftKvException(
            GrpcStatus status,
            String message,
            ErrorReason reason,
            long leaderId,
            String leaderAddress,
            boolean outcomeUnknown,
            Throwable cause) {
        super(message, cause);
        this.status = Objects.requireNonNull(status, "status");
        if (status == GrpcStatus.OK) {
            throw new IllegalArgumentException("a RaftKvException cannot carry status OK");
        }
        if (reason != null && reason.status() != status) {
            throw new IllegalArgumentException(
                    "reason " + reason + " requires status " + reason.status().name() + ", got " + status.name());
        }
        this.reason = reason;
        this.leaderId = leaderId;
        this.leaderAddress = leaderAddress == null ? "" : leaderAddress;
        this.outcomeUnknown = outcomeUnknown;
    }

    /** A failure with a status and a human-readable message (no reason). */
    public static RaftKvException of(GrpcStatus status, String message) {
        return new RaftKvException(status, message, null, 0, "", false, null);
    }

    /** A failure with a reason; its status is {@code reason.status()}. */
    public static RaftKvException of(ErrorReason reason, String message) {
        return new RaftKvException(reason.status(), message, reason, 0, "", false, null);
    }

    /** INVALID_ARGUMENT; the message should state the limit that was violated. */
    public static RaftKvException invalidArgument(String message) {
        return of(ErrorReason.INVALID_REQUEST, message);
    }

    /**
     * NOT_LEADER: FAILED_PRECONDITION with the leader hint. {@code leaderId} 0 / empty address when
     * the answering node knows the leader's id but not its client address.
     */
    public static RaftKvException notLeader(long leaderId, String leaderClientAddress) {
        String msg = "not the leader; leader is " + (leaderId == 0 ? "unknown" : "member " + leaderId)
                + (leaderClientAddress == null || leaderClientAddress.isEmpty() ? "" : " at " + leaderClientAddress);
        return new RaftKvException(
                ErrorReason.NOT_LEADER.status(),
                msg,
                ErrorReason.NOT_LEADER,
                leaderId,
                leaderClientAddress,
                false,
                null);
    }

    /** Rebuilds an exception received over the wire (client side). */
    static RaftKvException received(
            GrpcStatus status, String message, ErrorReason reason, long leaderId, String leaderAddress) {
        return new RaftKvException(
                status, message, reason, leaderId, leaderAddress, isOutcomeUnknownStatus(status), null);
    }

    /**
     * A client-side failure: the call did not complete (deadline, lost connection).
     *
     * @param outcomeUnknown whether the request may have reached a server and been applied
     */
    public static RaftKvException local(GrpcStatus status, String message, boolean outcomeUnknown, Throwable cause) {
        return new RaftKvException(status, message, null, 0, "", outcomeUnknown, cause);
    }

    /** Same failure, marked as having an unknown outcome (the write may have been applied). */
    public RaftKvException withOutcomeUnknown() {
        if (outcomeUnknown) {
            return this;
        }
        return new RaftKvException(status, getMessage(), reason, leaderId, leaderAddress, true, getCause());
    }

    private static boolean isOutcomeUnknownStatus(GrpcStatus status) {
        return status == GrpcStatus.DEADLINE_EXCEEDED
                || status == GrpcStatus.ABORTED
                || status == GrpcStatus.CANCELLED
                || status == GrpcStatus.UNKNOWN
                || status == GrpcStatus.INTERNAL;
    }

    public GrpcStatus status() {
        return status;
    }

    public Optional<ErrorReason> reason() {
        return Optional.ofNullable(reason);
    }

    /** True for NOT_LEADER (FAILED_PRECONDITION with the NOT_LEADER reason). */
    public boolean isNotLeader() {
        return reason == ErrorReason.NOT_LEADER;
    }

    /** The leader's member id from a NOT_LEADER hint; 0 when unknown. */
    public long leaderId() {
        return leaderId;
    }

    /** The leader's client address (host:port) from a NOT_LEADER hint; empty when unknown. */
    public String leaderAddress() {
        return leaderAddress;
    }

    /**
     * Whether a write that failed this way may nevertheless have been applied (a timeout, a lost
     * connection after sending, a proposal lost to a leader change). Reads: always safe to retry.
     */
    public boolean isOutcomeUnknown() {
        return outcomeUnknown;
    }

    @Override
    public String toString() {
        return "RaftKvException{" + status.name() + (reason == null ? "" : "/" + reason) + ": " + getMessage() + "}";
    }
}
