package io.raftkv.cli;

import io.raftkv.api.ErrorReason;
import io.raftkv.api.RaftKvException;

/**
 * raftkvctl's exit codes: one per kind of outcome a script may want to branch on. Documented in
 * docs/api.md ("raftkvctl exit codes"); the numbers are a stable contract.
 */
public enum ExitCode {
    OK(0, "success"),
    INTERNAL(1, "unexpected error (a bug, or a server INTERNAL/UNKNOWN status)"),
    USAGE(2, "invalid command line (unknown option, bad duration or endpoint, missing argument)"),
    NOT_FOUND(3, "the key or member does not exist"),
    INVALID_ARGUMENT(4, "the server rejected the input (INVALID_ARGUMENT): empty or oversized key/value, bad range"),
    UNAVAILABLE(5, "no node reachable, or no leader / no quorum (UNAVAILABLE, or NOT_LEADER after all retries)"),
    TIMEOUT(6, "deadline exceeded; a write may or may not have been applied"),
    REJECTED(7, "the cluster refused the operation in its current state (FAILED_PRECONDITION)"),
    BUSY(8, "the cluster is overloaded (RESOURCE_EXHAUSTED); retry later"),
    OUTCOME_UNKNOWN(9, "the write was interrupted (ABORTED, lost connection); it may or may not have been applied"),
    DATA_LOSS(10, "a snapshot or response failed its integrity check"),
    NOT_AUTHORIZED(
            11,
            "not authenticated (UNAUTHENTICATED) or not permitted (PERMISSION_DENIED): check --cacert,"
                    + " --cert, --key, --token and the user's role"),
    NO_SPACE(
            12,
            "the cluster's NOSPACE alarm is active (RESOURCE_EXHAUSTED NO_SPACE): the write was not applied;"
                    + " delete keys, then raftkvctl alarm disarm");

    private final int code;
    private final String meaning;

    ExitCode(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    public int code() {
        return code;
    }

    public String meaning() {
        return meaning;
    }

    /** The exit code for a failed call. */
    public static ExitCode of(RaftKvException e) {
        if (e.isNotLeader()) {
            return UNAVAILABLE; // hints were followed until attempts ran out: no stable leader
        }
        if (e.reason().filter(r -> r == ErrorReason.NO_SPACE).isPresent()) {
            return NO_SPACE;
        }
        if (e.reason().filter(r -> r == ErrorReason.UNKNOWN_MEMBER).isPresent()) {
            return NOT_FOUND;
        }
        return switch (e.status()) {
            case INVALID_ARGUMENT, OUT_OF_RANGE -> INVALID_ARGUMENT;
            case NOT_FOUND -> NOT_FOUND;
            case UNAVAILABLE -> e.isOutcomeUnknown() ? OUTCOME_UNKNOWN : UNAVAILABLE;
            case DEADLINE_EXCEEDED -> TIMEOUT;
            case FAILED_PRECONDITION, ALREADY_EXISTS -> REJECTED;
            case PERMISSION_DENIED, UNAUTHENTICATED -> NOT_AUTHORIZED;
            case RESOURCE_EXHAUSTED -> BUSY;
            case ABORTED, CANCELLED -> OUTCOME_UNKNOWN;
            case DATA_LOSS -> DATA_LOSS;
            default -> INTERNAL;
        };
    }
}
