package io.raftkv.api.client;

import com.google.protobuf.MessageLite;
import io.raftkv.api.ErrorReason;
import io.raftkv.api.ErrorTrailers;
import io.raftkv.api.PipelineLimits;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.v1.PipelinedResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.client.GrpcClientResponse;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.DoubleSupplier;

/**
 * Runs one logical request-response call as a bounded series of attempts, each over the unary or
 * the pipelined transport (below): picks the node, enforces the deadline, follows NOT_LEADER hints,
 * backs off, and decides after each failure whether another attempt is safe (see {@link CallKind}).
 * (It was {@code UnaryCaller}, a name that said less than it does: it chooses the transport too.)
 *
 * <p>Deadlines: the call has an absolute deadline; each attempt gets
 * {@code min(attemptTimeout, time left)}, sent to the server as {@code grpc-timeout} and enforced
 * locally by a timer that cancels the stream, so no attempt outlives the call whatever the network
 * or the server does. Nothing here blocks; every callback runs on a Vert.x context.
 *
 * <p>Transport: with pipelining on, an attempt of a {@linkplain PipelinedMethod pipelined method}
 * whose request is at most {@link PipelineLimits#MAX_PIPELINED_REQUEST_BYTES} travels as one call of
 * the slot's {@link PipelineStream} to the target (its timeout in {@code timeout_millis}, its error in-band);
 * otherwise, or when the node does not serve {@code KV.Pipeline}, as its own unary gRPC call. Both
 * end in the same success or {@link AttemptFailed}, so the retry rules below do not depend on it.
 */
final class RetryingCaller {
    private final Vertx vertx;
    private final Connections connections;
    private final LeaderTracker leader;
    private final RetryPolicy policy;
    private final long attemptTimeoutMillis;
    private final DoubleSupplier random01;
    private final boolean pipelining;

    RetryingCaller(
            Vertx vertx,
            Connections connections,
            LeaderTracker leader,
            RetryPolicy policy,
            long attemptTimeoutMillis,
            DoubleSupplier random01,
            boolean pipelining) {
        this.vertx = vertx;
        this.connections = connections;
        this.leader = leader;
        this.policy = policy;
        this.attemptTimeoutMillis = attemptTimeoutMillis;
        this.random01 = random01;
        this.pipelining = pipelining;
    }

    /**
     * @param pinned when non-null, every attempt goes to this endpoint and NOT_LEADER is final
     *               (the caller asked that node specifically, e.g. for its Status)
     */
    <Req, Resp> Future<Resp> call(
            ServiceMethod<Resp, Req> method, Req request, CallKind kind, long deadlineMillis, Endpoint pinned) {
        return call(method, request, kind, deadlineMillis, pinned, new WriteAttempts());
    }

    /**
     * As {@link #call(ServiceMethod, Object, CallKind, long, Endpoint)}, recording into
     * {@code attempts} whether each attempt may have been proposed by the node.
     */
    <Req, Resp> Future<Resp> call(
            ServiceMethod<Resp, Req> method,
            Req request,
            CallKind kind,
            long deadlineMillis,
            Endpoint pinned,
            WriteAttempts attempts) {
        if (deadlineMillis <= 0) {
            return Future.failedFuture(new IllegalArgumentException("deadline must be > 0 ms, got " + deadlineMillis));
        }
        Call<Req, Resp> call = new Call<>(
                method,
                request,
                kind,
                System.nanoTime() + deadlineMillis * 1_000_000L,
                deadlineMillis,
                pinned,
                attempts);
        call.attempt(1);
        return call.result.future();
    }

    /**
     * Whether a node that answered with {@code e} may have proposed the request (so a write may
     * still be applied). Only refusals the node makes before proposing are "no": bad input, the
     * wrong node, backpressure, a missing method, an unknown or existing member, a membership
     * precondition, and UNAVAILABLE with reason NO_LEADER. A plain UNAVAILABLE is "maybe": the node
     * also answers it when it lost leadership or storage with the proposal in flight.
     */
    static boolean serverMayHaveProposed(RaftKvException e) {
        GrpcStatus s = e.status();
        if (s == GrpcStatus.INVALID_ARGUMENT
                || s == GrpcStatus.RESOURCE_EXHAUSTED
                || s == GrpcStatus.NOT_FOUND
                || s == GrpcStatus.ALREADY_EXISTS
                || s == GrpcStatus.UNIMPLEMENTED
                || s == GrpcStatus.OUT_OF_RANGE
                || s == GrpcStatus.PERMISSION_DENIED
                || s == GrpcStatus.UNAUTHENTICATED) {
            return false;
        }
        if (s == GrpcStatus.FAILED_PRECONDITION) {
            return e.reason().map(r -> r == ErrorReason.SESSION_SEQUENCE_STALE).orElse(true);
        }
        if (s == GrpcStatus.UNAVAILABLE) {
            return e.reason().map(r -> r != ErrorReason.NO_LEADER).orElse(true);
        }
        return true;
    }

    /** One attempt's failure and whether the node may have proposed the request. */
    private static final class AttemptFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient RaftKvException error;
        final boolean mayHaveBeenProposed;

        AttemptFailed(RaftKvException error, boolean mayHaveBeenProposed) {
            super(error.getMessage(), null, false, false);
            this.error = error;
            this.mayHaveBeenProposed = mayHaveBeenProposed;
        }
    }

    /** State of one logical call. Attempts never overlap, so the fields are touched by one at a time. */
    private final class Call<Req, Resp> {
        private final ServiceMethod<Resp, Req> method;
        private final Req request;
        private final CallKind kind;
        private final long deadlineAtNanos;
        private final long deadlineMillis;
        private final Endpoint pinned;
        private final WriteAttempts attempts;
        private final Promise<Resp> result = Promise.promise();
        private volatile RaftKvException lastError;

        Call(
                ServiceMethod<Resp, Req> method,
                Req request,
                CallKind kind,
                long deadlineAtNanos,
                long deadlineMillis,
                Endpoint pinned,
                WriteAttempts attempts) {
            this.method = method;
            this.request = request;
            this.kind = kind;
            this.deadlineAtNanos = deadlineAtNanos;
            this.deadlineMillis = deadlineMillis;
            this.pinned = pinned;
            this.attempts = attempts;
        }

        private long remainingMillis() {
            return (deadlineAtNanos - System.nanoTime()) / 1_000_000L;
        }

        void attempt(int n) {
            long remaining = remainingMillis();
            if (remaining <= 0) {
                result.fail(deadlineExceeded(n - 1));
                return;
            }
            Endpoint target = pinned != null ? pinned : leader.current();
            long timeoutMillis = Math.min(remaining, attemptTimeoutMillis);
            single(target, timeoutMillis).onComplete(ar -> {
                if (ar.succeeded()) {
                    attempts.record(true);
                    result.complete(ar.result());
                } else {
                    AttemptFailed f = (AttemptFailed) ar.cause();
                    attempts.record(f.mayHaveBeenProposed);
                    afterFailure(n, target, f.error, f.mayHaveBeenProposed);
                }
            });
        }

        private Future<Resp> single(Endpoint target, long timeoutMillis) {
            Promise<Resp> attempt = Promise.promise();
            AtomicReference<Runnable> cancel = new AtomicReference<>();
            AtomicBoolean sent = new AtomicBoolean();
            long timer = vertx.setTimer(timeoutMillis, id -> {
                boolean mayHaveArrived = sent.get();
                if (attempt.tryFail(new AttemptFailed(
                        RaftKvException.local(
                                GrpcStatus.DEADLINE_EXCEEDED,
                                "no answer from " + target + " within " + timeoutMillis + " ms",
                                mayHaveArrived,
                                null),
                        mayHaveArrived))) {
                    Runnable c = cancel.get();
                    if (c != null) {
                        c.run();
                    }
                }
            });
            Future<Connections.Slot> open = connections.next(target); // waits for an open connection, boundedly
            if (open.isComplete()) {
                dispatch(open.result(), target, timeoutMillis, attempt, cancel, sent);
            } else {
                open.onSuccess(slot -> dispatch(slot, target, timeoutMillis, attempt, cancel, sent));
            }
            return attempt.future().andThen(ar -> vertx.cancelTimer(timer));
        }

        private void dispatch(
                Connections.Slot slot,
                Endpoint target,
                long timeoutMillis,
                Promise<Resp> attempt,
                AtomicReference<Runnable> cancel,
                AtomicBoolean sent) {
            if (Vertx.currentContext() == slot.context()) {
                send(slot, target, timeoutMillis, attempt, cancel, sent);
            } else {
                slot.context().runOnContext(v -> send(slot, target, timeoutMillis, attempt, cancel, sent));
            }
        }

        /** Issues one attempt on {@code slot}'s connection; runs on the slot's context. */
        private void send(
                Connections.Slot slot,
                Endpoint target,
                long timeoutMillis,
                Promise<Resp> attempt,
                AtomicReference<Runnable> cancel,
                AtomicBoolean sent) {
            if (attempt.future().isComplete()) { // timed out before it could start
                return;
            }
            PipelinedMethod<Req, Resp> pipelined = pipelining ? PipelinedMethod.of(method) : null;
            if (pipelined != null && slot.pipelines().supports(target) && fitsPipeline(request)) {
                sendPipelined(pipelined, slot, target, timeoutMillis, attempt, cancel, sent);
            } else {
                sendUnary(slot, target, timeoutMillis, attempt, cancel, sent);
            }
        }

        /** One attempt as a call of the slot's pipeline stream to {@code target}; on the slot's context. */
        private void sendPipelined(
                PipelinedMethod<Req, Resp> pipelined,
                Connections.Slot slot,
                Endpoint target,
                long timeoutMillis,
                Promise<Resp> attempt,
                AtomicReference<Runnable> cancel,
                AtomicBoolean sent) {
            PipelineStream stream = slot.pipelines().to(target);
            sent.set(true);
            long id = stream.send(pipelined.call(request, timeoutMillis), new PipelineStream.Callback() {
                @Override
                public void onResult(PipelinedResult result) {
                    if (result.getResultCase() == pipelined.resultCase()) {
                        attempt.tryComplete(pipelined.getResponse().apply(result));
                    } else if (result.getResultCase() == PipelinedResult.ResultCase.ERROR) {
                        RaftKvException e = ErrorTrailers.decode(result.getError());
                        attempt.tryFail(new AttemptFailed(e, serverMayHaveProposed(e)));
                    } else {
                        attempt.tryFail(new AttemptFailed(
                                RaftKvException.local(
                                        GrpcStatus.INTERNAL,
                                        target
                                                + " answered a pipelined " + pipelined.resultCase() + " call with "
                                                + result.getResultCase(),
                                        true,
                                        null),
                                true));
                    }
                }

                @Override
                public void onStreamFailed(boolean written, boolean unimplemented, Throwable cause) {
                    RaftKvException refused = refusedStream(target, cause);
                    if (refused != null) { // no call on the stream reached the service
                        attempt.tryFail(new AttemptFailed(refused, false));
                    } else if (unimplemented) { // an older node: this attempt, and later ones, go unary
                        slot.pipelines().unsupported(target);
                        sendUnary(slot, target, timeoutMillis, attempt, cancel, sent);
                    } else if (written) {
                        attempt.tryFail(connectionLost(target, cause));
                    } else {
                        attempt.tryFail(new AttemptFailed(
                                RaftKvException.local(
                                        GrpcStatus.UNAVAILABLE,
                                        "cannot connect to " + target + ": " + describe(cause),
                                        false,
                                        cause),
                                false));
                    }
                }
            });
            cancel.set(() -> {
                if (Vertx.currentContext() == slot.context()) {
                    stream.abandon(id);
                } else {
                    slot.context().runOnContext(v -> stream.abandon(id));
                }
            });
            if (attempt.future().isComplete()) {
                stream.abandon(id); // answered or timed out before the cancel hook was set
            }
        }

        /** One attempt as its own unary gRPC call; on the slot's context. */
        private void sendUnary(
                Connections.Slot slot,
                Endpoint target,
                long timeoutMillis,
                Promise<Resp> attempt,
                AtomicReference<Runnable> cancel,
                AtomicBoolean sent) {
            if (attempt.future().isComplete()) {
                return;
            }
            slot.client().request(target.toSocketAddress(), method).onComplete(ar -> {
                if (ar.failed()) {
                    attempt.tryFail(new AttemptFailed(
                            RaftKvException.local(
                                    GrpcStatus.UNAVAILABLE,
                                    "cannot connect to " + target + ": " + describe(ar.cause()),
                                    false,
                                    ar.cause()),
                            false));
                    return;
                }
                GrpcClientRequest<Req, Resp> req = ar.result();
                cancel.set(req::cancel);
                if (attempt.future().isComplete()) { // timed out while connecting
                    req.cancel();
                    return;
                }
                req.timeout(timeoutMillis, TimeUnit.MILLISECONDS);
                sent.set(true);
                req.send(request).onComplete(rar -> {
                    if (rar.failed()) {
                        attempt.tryFail(connectionLost(target, rar.cause()));
                        return;
                    }
                    GrpcClientResponse<Req, Resp> resp = rar.result();
                    resp.last().onComplete(lar -> {
                        if (lar.succeeded()) {
                            attempt.tryComplete(lar.result());
                            return;
                        }
                        GrpcStatus status = resp.status();
                        if (status != null && status != GrpcStatus.OK) {
                            RaftKvException e =
                                    ErrorTrailers.decode(status, resp.statusMessage(), resp.headers(), resp.trailers());
                            attempt.tryFail(new AttemptFailed(e, serverMayHaveProposed(e)));
                        } else {
                            attempt.tryFail(connectionLost(target, lar.cause()));
                        }
                    });
                });
            });
        }

        /**
         * @param mayHaveBeenProposed whether this attempt may have been proposed: an AT_MOST_ONCE call
         *                            then ends here, marked outcome-unknown, since repeating it could
         *                            apply it twice
         */
        private void afterFailure(int n, Endpoint target, RaftKvException e, boolean mayHaveBeenProposed) {
            lastError = e;
            if (kind == CallKind.AT_MOST_ONCE && mayHaveBeenProposed && isRetryable(e)) {
                if (pinned == null && shouldTryAnotherNode(e)) {
                    leader.onUnreachable(target); // the next call should not start at the failing node
                }
                result.fail(e.withOutcomeUnknown());
                return;
            }
            if (e.isOutcomeUnknown() && kind == CallKind.AT_MOST_ONCE) {
                result.fail(e);
                return;
            }
            boolean redirected = false;
            if (e.isNotLeader()) {
                if (pinned != null) {
                    result.fail(e);
                    return;
                }
                redirected = leader.onNotLeader(target, e.leaderAddress());
            } else if (!isRetryable(e)) {
                result.fail(e);
                return;
            } else if (pinned == null && shouldTryAnotherNode(e)) {
                leader.onUnreachable(target);
            }
            if (n >= policy.maxAttempts()) {
                result.fail(e);
                return;
            }
            long delay = redirected ? 0 : policy.backoffMillis(n + 1, random01.getAsDouble());
            if (delay >= remainingMillis()) {
                result.fail(e);
                return;
            }
            if (delay <= 0) {
                vertx.runOnContext(v -> attempt(n + 1));
            } else {
                vertx.setTimer(delay, id -> attempt(n + 1));
            }
        }

        private RaftKvException deadlineExceeded(int attempts) {
            RaftKvException last = lastError;
            String msg = "deadline of " + deadlineMillis + " ms exceeded after " + attempts + " attempt(s)"
                    + (last == null ? "" : "; last error: " + last.status().name() + ": " + last.getMessage());
            return RaftKvException.local(
                    GrpcStatus.DEADLINE_EXCEEDED, msg, last == null || last.isOutcomeUnknown(), last);
        }
    }

    /** Whether {@code request} is small enough to share a pipeline stream. */
    private static boolean fitsPipeline(Object request) {
        return request instanceof MessageLite m && m.getSerializedSize() <= PipelineLimits.MAX_PIPELINED_REQUEST_BYTES;
    }

    /** Statuses after which another attempt may succeed (NOT_LEADER is handled separately). */
    private static boolean isRetryable(RaftKvException e) {
        GrpcStatus s = e.status();
        if (e.reason().map(r -> r == ErrorReason.NO_SPACE).orElse(false)) {
            return false; // stays true until an admin frees space and disarms the alarm
        }
        return s == GrpcStatus.UNAVAILABLE
                || s == GrpcStatus.RESOURCE_EXHAUSTED
                || s == GrpcStatus.ABORTED
                || s == GrpcStatus.DEADLINE_EXCEEDED;
    }

    /** Whether the failure points at the node (not at the cluster as a whole). */
    private static boolean shouldTryAnotherNode(RaftKvException e) {
        return e.status() == GrpcStatus.UNAVAILABLE || e.status() == GrpcStatus.DEADLINE_EXCEEDED;
    }

    /**
     * The node refused the pipeline stream itself for want of credentials (UNAUTHENTICATED) or of
     * the role every KV call needs (PERMISSION_DENIED); else null. The stream's refusal carries no
     * message to the client, so the message says what to check.
     */
    private static RaftKvException refusedStream(Endpoint target, Throwable cause) {
        if (cause instanceof io.vertx.grpc.client.InvalidStatusException ise
                && (ise.actualStatus() == GrpcStatus.UNAUTHENTICATED
                        || ise.actualStatus() == GrpcStatus.PERMISSION_DENIED)) {
            return RaftKvException.of(
                    ise.actualStatus(),
                    target + " refused the call: "
                            + (ise.actualStatus() == GrpcStatus.UNAUTHENTICATED
                                    ? "no valid client certificate or bearer token"
                                    : "the user holds no role that allows KV calls"));
        }
        return null;
    }

    private static AttemptFailed connectionLost(Endpoint target, Throwable cause) {
        return new AttemptFailed(
                RaftKvException.local(
                        GrpcStatus.UNAVAILABLE,
                        "connection to " + target + " failed during the call: " + describe(cause),
                        true,
                        cause),
                true);
    }

    private static String describe(Throwable t) {
        if (t == null) {
            return "unknown cause";
        }
        String m = t.getMessage();
        return m == null || m.isEmpty() ? t.getClass().getSimpleName() : m;
    }
}
