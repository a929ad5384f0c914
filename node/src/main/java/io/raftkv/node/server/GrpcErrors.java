package io.raftkv.node.server;

import io.raftkv.api.ErrorReason;
import io.raftkv.api.RaftKvException;
import io.raftkv.node.driver.NotLeaderException;
import io.raftkv.node.driver.RaftNodeException;
import io.raftkv.node.kv.RevisionUnavailableException;
import io.raftkv.node.storage.StorageFailedException;
import io.vertx.grpc.common.GrpcStatus;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where a failure becomes a gRPC status (docs/api.md, "Errors"). The driver's
 * {@link RaftNodeException#code()} names the status, so this is a switch, never a guess from a
 * message:
 *
 * <pre>
 *   NOT_LEADER          → FAILED_PRECONDITION, reason NOT_LEADER, trailers raftkv-leader-id/-address
 *   UNAVAILABLE         → UNAVAILABLE (no reason: for a write the outcome may be unknown)
 *   NO_LEADER           → UNAVAILABLE, reason NO_LEADER (refused before proposing: safe to repeat)
 *   RESOURCE_EXHAUSTED  → RESOURCE_EXHAUSTED, reason OVERLOADED
 *   ABORTED             → ABORTED, reason PROPOSAL_ABORTED
 *   NOT_FOUND           → NOT_FOUND, reason UNKNOWN_MEMBER
 *   ALREADY_EXISTS      → ALREADY_EXISTS
 *   FAILED_PRECONDITION → FAILED_PRECONDITION
 *   INVALID_ARGUMENT    → INVALID_ARGUMENT, reason INVALID_REQUEST
 *   DEADLINE_EXCEEDED   → DEADLINE_EXCEEDED
 *   CORRUPT_MEMBER      → UNAVAILABLE, reason CORRUPT_MEMBER (a read on a member the CORRUPT alarm names)
 *   IllegalArgumentException (a command the storage layer refused to build) → INVALID_ARGUMENT
 *   StorageFailedException → UNAVAILABLE
 *   RevisionUnavailableException → OUT_OF_RANGE, reason REVISION_COMPACTED or FUTURE_REVISION
 *   anything else       → INTERNAL, logged with its stack trace (a bug: the client sees only the message)
 * </pre>
 */
public final class GrpcErrors {
    private static final Logger LOG = LoggerFactory.getLogger(GrpcErrors.class);

    private GrpcErrors() {}

    /** The wire error for {@code error}. */
    public static RaftKvException toRaftKvException(Throwable error) {
        if (error instanceof RaftKvException e) {
            return e;
        }
        if (error instanceof NotLeaderException e) {
            return RaftKvException.notLeader(e.leaderId(), e.leaderClientAddress());
        }
        if (error instanceof RaftNodeException e) {
            return fromDriver(e);
        }
        if (error instanceof RevisionUnavailableException e) {
            return RaftKvException.of(
                    e.compacted() ? ErrorReason.REVISION_COMPACTED : ErrorReason.FUTURE_REVISION, e.getMessage());
        }
        if (error instanceof StorageFailedException) {
            return RaftKvException.of(GrpcStatus.UNAVAILABLE, "storage failed: " + error.getMessage());
        }
        if (error instanceof IllegalArgumentException) {
            return RaftKvException.invalidArgument(error.getMessage());
        }
        LOG.error("unexpected failure while serving a client call", error);
        return RaftKvException.of(GrpcStatus.INTERNAL, "internal error: " + error);
    }

    private static RaftKvException fromDriver(RaftNodeException e) {
        String msg = e.getMessage();
        return switch (e.code()) {
            case NOT_LEADER -> RaftKvException.notLeader(0, "");
            case UNAVAILABLE -> RaftKvException.of(GrpcStatus.UNAVAILABLE, msg);
            case NO_LEADER -> RaftKvException.of(ErrorReason.NO_LEADER, msg);
            case RESOURCE_EXHAUSTED -> RaftKvException.of(ErrorReason.OVERLOADED, msg);
            case ABORTED -> RaftKvException.of(ErrorReason.PROPOSAL_ABORTED, msg);
            case NOT_FOUND -> RaftKvException.of(ErrorReason.UNKNOWN_MEMBER, msg);
            case ALREADY_EXISTS -> RaftKvException.of(GrpcStatus.ALREADY_EXISTS, msg);
            case FAILED_PRECONDITION -> RaftKvException.of(GrpcStatus.FAILED_PRECONDITION, msg);
            case LEARNER_NOT_CAUGHT_UP -> RaftKvException.of(ErrorReason.LEARNER_NOT_CAUGHT_UP, msg);
            case MEMBERSHIP_CHANGE_IN_PROGRESS -> RaftKvException.of(ErrorReason.MEMBERSHIP_CHANGE_IN_PROGRESS, msg);
            case INVALID_ARGUMENT -> RaftKvException.invalidArgument(msg);
            case DEADLINE_EXCEEDED -> RaftKvException.of(GrpcStatus.DEADLINE_EXCEEDED, msg);
            case CORRUPT_MEMBER -> RaftKvException.of(ErrorReason.CORRUPT_MEMBER, msg);
        };
    }

    /**
     * A short, bounded label for metrics: the reason when there is one (e.g. {@code not_leader}),
     * else the status (e.g. {@code unavailable}).
     */
    public static String metricReason(RaftKvException e) {
        return e.reason().map(r -> r.name()).orElse(e.status().name()).toLowerCase(Locale.ROOT);
    }

    /** INVALID_ARGUMENT with {@code message}, which should name the violated limit. */
    public static RaftKvException invalid(String message) {
        return RaftKvException.invalidArgument(message);
    }
}
