package io.raftkv.api;

import io.vertx.grpc.common.GrpcStatus;
import java.util.Optional;

/**
 * Machine-readable reason for a failed RaftKV call, carried in the {@value ErrorTrailers#REASON}
 * trailer next to the gRPC status. The status tells a client <em>what kind</em> of failure it is
 * (and whether to retry); the reason tells it <em>which</em> one without parsing the message.
 *
 * <p>Each reason has exactly one status; {@link #status()} is part of the wire contract
 * (docs/api.md, "Errors").
 */
public enum ErrorReason {
    /** Bad input: empty or oversized key or value, inverted range, limit too large. */
    INVALID_REQUEST(GrpcStatus.INVALID_ARGUMENT),
    /** This node is not the leader; the leader's id and address travel in the trailers. */
    NOT_LEADER(GrpcStatus.FAILED_PRECONDITION),
    /** A learner cannot be promoted before it has caught up with the leader's log. */
    LEARNER_NOT_CAUGHT_UP(GrpcStatus.FAILED_PRECONDITION),
    /** A session write reused a sequence number older than the session's last applied one. */
    SESSION_SEQUENCE_STALE(GrpcStatus.FAILED_PRECONDITION),
    /** Another membership change is still in progress (one change at a time). */
    MEMBERSHIP_CHANGE_IN_PROGRESS(GrpcStatus.FAILED_PRECONDITION),
    /** No member has the given id. */
    UNKNOWN_MEMBER(GrpcStatus.NOT_FOUND),
    /** No leader is known (election in progress) or the leader cannot reach a quorum. Not applied. */
    NO_LEADER(GrpcStatus.UNAVAILABLE),
    /** Too many proposals or requests in flight; back off and retry. Not applied. */
    OVERLOADED(GrpcStatus.RESOURCE_EXHAUSTED),
    /** The proposal was dropped by a leader change; it may or may not have been applied. */
    PROPOSAL_ABORTED(GrpcStatus.ABORTED),
    /** A peer message came from a different cluster. */
    CLUSTER_MISMATCH(GrpcStatus.FAILED_PRECONDITION),
    /** A put or revoke named a lease that does not exist (expired, revoked, never granted). Nothing changed. */
    LEASE_NOT_FOUND(GrpcStatus.NOT_FOUND),
    /**
     * The cluster's NOSPACE alarm is active (a member's data is above its space quota): writes that
     * add data are refused, not applied, until space is freed and an admin disarms the alarm. Reads
     * and deletes still work. Retrying does not help, so clients do not retry it.
     */
    NO_SPACE(GrpcStatus.RESOURCE_EXHAUSTED),
    /**
     * A read, watch or compaction named a revision below the compact revision; the message names
     * the compact revision (read or watch from it or later).
     */
    REVISION_COMPACTED(GrpcStatus.OUT_OF_RANGE),
    /** A read named a revision the answering member has not reached (it may be behind: retry). */
    FUTURE_REVISION(GrpcStatus.OUT_OF_RANGE),
    /**
     * The cluster's CORRUPT alarm is active (the corruption check found a member whose state differs
     * from the others' at the same applied index; the message names it): every write is refused, not
     * applied, until the member is replaced and an admin disarms the alarm. Reads still work on the
     * other members (see {@link #CORRUPT_MEMBER}). Clients do not retry it.
     */
    CORRUPT(GrpcStatus.DATA_LOSS),
    /**
     * The answering member is the one the CORRUPT alarm names (its state differs from the others'):
     * it serves no reads nor snapshots until it is replaced. Another member serves them, so clients
     * retry the read elsewhere. Nothing was proposed.
     */
    CORRUPT_MEMBER(GrpcStatus.UNAVAILABLE);

    private final GrpcStatus status;

    ErrorReason(GrpcStatus status) {
        this.status = status;
    }

    /** The gRPC status that always accompanies this reason. */
    public GrpcStatus status() {
        return status;
    }

    /** Parses a trailer value; unknown values (from a newer server) yield empty, not an error. */
    public static Optional<ErrorReason> fromTrailer(String value) {
        if (value == null || value.isEmpty()) {
            return Optional.empty();
        }
        for (ErrorReason r : values()) {
            if (r.name().equals(value)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }
}
