package io.raftkv.node.driver;

import java.util.Objects;

/**
 * A typed failure of a {@link RaftNodeApi} operation. {@link #code()} names the gRPC status the
 * server answers with (docs/api.md), so the mapping is a switch and never a guess from a message.
 * Subclasses carry extra detail ({@link NotLeaderException} the leader hint).
 *
 * <p>Whether a client may blindly retry depends on the code: {@link Code#ABORTED} means the command
 * was definitely not applied, and so was a request refused with {@link Code#NO_LEADER};
 * {@link Code#UNAVAILABLE} may mean "outcome unknown" (leadership was
 * lost with the proposal in flight) and is safe to retry only with a session (client id + seq).
 */
public class RaftNodeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The gRPC status code the server should use (same names as {@code io.grpc.Status.Code}). */
    public enum Code {
        /** This node is not the leader; see {@link NotLeaderException} for the hint. Maps to FAILED_PRECONDITION. */
        NOT_LEADER,
        /** No leader or quorum, storage failed, node stopping, or the outcome of a write is unknown. */
        UNAVAILABLE,
        /**
         * Refused before proposing: no leader is known, a transfer is in progress, or the new leader
         * has not committed in its term. Nothing applied. UNAVAILABLE with reason NO_LEADER.
         */
        NO_LEADER,
        /** Too many in-flight proposals or queued reads. */
        RESOURCE_EXHAUSTED,
        /** The proposal's log slot was taken by another leader's entry: definitely not applied. */
        ABORTED,
        /** Unknown member id. */
        NOT_FOUND,
        /** The member (id or address) already exists. */
        ALREADY_EXISTS,
        /** Request valid but not now (other than the two named cases below). */
        FAILED_PRECONDITION,
        /** A promotion asked for a learner whose log is still too far behind. FAILED_PRECONDITION. */
        LEARNER_NOT_CAUGHT_UP,
        /** Another membership change is not yet applied; one at a time. FAILED_PRECONDITION. */
        MEMBERSHIP_CHANGE_IN_PROGRESS,
        /** Malformed request (bad address, id 0 where not allowed). */
        INVALID_ARGUMENT,
        /** The operation did not finish within the driver's own bound (e.g. a leadership transfer). */
        DEADLINE_EXCEEDED,
        /**
         * The replicated CORRUPT alarm names this member: its state differs from the others', so it
         * serves no reads of it (another member does). UNAVAILABLE with reason CORRUPT_MEMBER.
         */
        CORRUPT_MEMBER
    }

    private final Code code;

    public RaftNodeException(Code code, String message) {
        super(message, null, false, false);
        this.code = Objects.requireNonNull(code, "code");
    }

    public RaftNodeException(Code code, String message, Throwable cause) {
        super(message, cause, false, false);
        this.code = Objects.requireNonNull(code, "code");
    }

    public Code code() {
        return code;
    }
}
