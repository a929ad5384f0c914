package io.raftkv.node.etcd;

import io.raftkv.api.RaftKvException;
import io.raftkv.node.driver.NotLeaderException;
import io.raftkv.node.driver.RaftNodeException;
import io.raftkv.node.server.GrpcErrors;
import io.raftkv.node.storage.StorageFailedException;
import io.vertx.grpc.common.GrpcStatus;

/**
 * etcd's client-visible errors, with the status codes and exact messages of etcd's
 * {@code api/v3rpc/rpctypes}: Go's clientv3 turns an error back into its typed value by matching
 * the message, and its retry policy reads the code (UNAVAILABLE is retried for reads), so both must
 * be etcd's. {@link #of(Throwable)} maps RaftKV's own failures onto them.
 */
public final class EtcdErrors {
    public static final RaftKvException EMPTY_KEY = invalid("etcdserver: key is not provided");
    public static final RaftKvException KEY_NOT_FOUND = invalid("etcdserver: key not found");
    public static final RaftKvException VALUE_PROVIDED = invalid("etcdserver: value is provided");
    public static final RaftKvException LEASE_PROVIDED = invalid("etcdserver: lease is provided");
    public static final RaftKvException TOO_MANY_OPS = invalid("etcdserver: too many operations in txn request");
    public static final RaftKvException DUPLICATE_KEY = invalid("etcdserver: duplicate key given in txn request");
    public static final RaftKvException REQUEST_TOO_LARGE = invalid("etcdserver: request is too large");
    public static final RaftKvException COMPACTED =
            RaftKvException.of(GrpcStatus.OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted");
    public static final RaftKvException FUTURE_REV =
            RaftKvException.of(GrpcStatus.OUT_OF_RANGE, "etcdserver: mvcc: required revision is a future revision");
    public static final RaftKvException NO_SPACE =
            RaftKvException.of(GrpcStatus.RESOURCE_EXHAUSTED, "etcdserver: mvcc: database space exceeded");
    public static final RaftKvException LEASE_NOT_FOUND =
            RaftKvException.of(GrpcStatus.NOT_FOUND, "etcdserver: requested lease not found");
    public static final RaftKvException LEASE_EXIST =
            RaftKvException.of(GrpcStatus.FAILED_PRECONDITION, "etcdserver: lease already exists");
    public static final RaftKvException LEASE_TTL_TOO_LARGE =
            RaftKvException.of(GrpcStatus.OUT_OF_RANGE, "etcdserver: too large lease TTL");
    public static final RaftKvException MEMBER_NOT_FOUND =
            RaftKvException.of(GrpcStatus.NOT_FOUND, "etcdserver: member not found");
    public static final RaftKvException MEMBER_EXIST =
            RaftKvException.of(GrpcStatus.FAILED_PRECONDITION, "etcdserver: member ID already exist");
    public static final RaftKvException PEER_URL_EXIST =
            RaftKvException.of(GrpcStatus.FAILED_PRECONDITION, "etcdserver: Peer URLs already exists");
    public static final RaftKvException MEMBER_NOT_LEARNER =
            RaftKvException.of(GrpcStatus.FAILED_PRECONDITION, "etcdserver: can only promote a learner member");
    public static final RaftKvException LEARNER_NOT_READY = RaftKvException.of(
            GrpcStatus.FAILED_PRECONDITION,
            "etcdserver: can only promote a learner member which is in sync with leader");
    public static final RaftKvException NOT_ENOUGH_STARTED = RaftKvException.of(
            GrpcStatus.FAILED_PRECONDITION, "etcdserver: re-configuration failed due to not enough started members");
    public static final RaftKvException NO_LEADER = unavailable("etcdserver: no leader");
    public static final RaftKvException NOT_LEADER =
            RaftKvException.of(GrpcStatus.FAILED_PRECONDITION, "etcdserver: not leader");
    public static final RaftKvException LEADER_CHANGED = unavailable("etcdserver: leader changed");
    public static final RaftKvException STOPPED = unavailable("etcdserver: server stopped");
    public static final RaftKvException TIMEOUT = unavailable("etcdserver: request timed out");
    public static final RaftKvException TOO_MANY_REQUESTS =
            RaftKvException.of(GrpcStatus.RESOURCE_EXHAUSTED, "etcdserver: too many requests");
    public static final RaftKvException PERMISSION_DENIED =
            RaftKvException.of(GrpcStatus.PERMISSION_DENIED, "etcdserver: permission denied");
    public static final RaftKvException INVALID_AUTH_TOKEN =
            RaftKvException.of(GrpcStatus.UNAUTHENTICATED, "etcdserver: invalid auth token");
    public static final RaftKvException AUTH_FAILED =
            invalid("etcdserver: authentication failed, invalid user ID or password");
    public static final RaftKvException AUTH_NOT_ENABLED =
            RaftKvException.of(GrpcStatus.FAILED_PRECONDITION, "etcdserver: authentication is not enabled");
    public static final RaftKvException CORRUPT =
            RaftKvException.of(GrpcStatus.DATA_LOSS, "etcdserver: corrupt cluster");
    /**
     * A read (or snapshot) on a member the CORRUPT alarm names. etcd has no per-member wording; its
     * {@code corrupt cluster} text starts the message, but the message is longer on purpose: the
     * exact text would make clientv3 turn it into its DATA_LOSS {@code ErrCorrupt} and give up,
     * where UNAVAILABLE makes it retry the read on another endpoint, which serves it.
     */
    static final String CORRUPT_MEMBER = "etcdserver: corrupt cluster: ";

    private EtcdErrors() {}

    /**
     * etcd's error for a write an active alarm refused: NOSPACE is {@code database space exceeded};
     * any other (CORRUPT, or unknown) is {@code corrupt cluster}, as etcd refuses writes only for those two.
     */
    public static RaftKvException alarm(io.raftkv.node.kv.AlarmType typeOrNull) {
        return typeOrNull == io.raftkv.node.kv.AlarmType.NOSPACE ? NO_SPACE : CORRUPT;
    }

    /** UNIMPLEMENTED naming what is not supported, and where the compatibility table lives. */
    public static RaftKvException unsupported(String what) {
        return RaftKvException.of(
                GrpcStatus.UNIMPLEMENTED,
                "raftkv: " + what + " is not supported by RaftKV's etcd API (docs/etcd-compatibility.md)");
    }

    /** INVALID_ARGUMENT with an etcd-style message (for checks etcd has no named error for). */
    public static RaftKvException invalid(String message) {
        return RaftKvException.of(GrpcStatus.INVALID_ARGUMENT, message);
    }

    private static RaftKvException unavailable(String message) {
        return RaftKvException.of(GrpcStatus.UNAVAILABLE, message);
    }

    /**
     * The etcd error for a failure of RaftKV's driver or storage: a lost leader or an aborted
     * proposal is {@code leader changed}, no known leader {@code no leader}, back-pressure
     * {@code too many requests}, the driver's timeout {@code request timed out}, a failed storage
     * {@code server stopped}. Errors that already are wire errors pass through unchanged.
     */
    public static RaftKvException of(Throwable error) {
        if (error instanceof RaftKvException e) {
            return e;
        }
        if (error instanceof NotLeaderException) {
            return NOT_LEADER;
        }
        if (error instanceof RaftNodeException e) {
            return switch (e.code()) {
                case NOT_LEADER -> NOT_LEADER;
                case UNAVAILABLE, NO_LEADER ->
                    e.getMessage() != null && e.getMessage().contains("no leader") ? NO_LEADER : LEADER_CHANGED;
                case ABORTED -> LEADER_CHANGED;
                case RESOURCE_EXHAUSTED -> TOO_MANY_REQUESTS;
                case DEADLINE_EXCEEDED -> TIMEOUT;
                case NOT_FOUND -> MEMBER_NOT_FOUND;
                case LEARNER_NOT_CAUGHT_UP -> LEARNER_NOT_READY;
                case MEMBERSHIP_CHANGE_IN_PROGRESS, FAILED_PRECONDITION, ALREADY_EXISTS, INVALID_ARGUMENT ->
                    GrpcErrors.toRaftKvException(e);
                case CORRUPT_MEMBER -> unavailable(CORRUPT_MEMBER + e.getMessage());
            };
        }
        if (error instanceof StorageFailedException) {
            return STOPPED;
        }
        if (error instanceof io.raftkv.node.kv.RevisionUnavailableException e) {
            return e.compacted() ? COMPACTED : FUTURE_REV;
        }
        return GrpcErrors.toRaftKvException(error);
    }
}
