package io.raftkv.node.server;

import com.google.protobuf.MessageLite;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.raftkv.api.ErrorReason;
import io.raftkv.api.ErrorTrailers;
import io.raftkv.api.RaftKvException;
import io.raftkv.node.metrics.LatencyBuckets;
import io.raftkv.node.metrics.MeterGroup;
import io.raftkv.node.metrics.RaftKvMeters;
import io.raftkv.node.net.ConnectionGuard;
import io.raftkv.node.security.ClientPortSecurity;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.server.GrpcServerRequest;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Runs client calls under the server's rules, so that no service has to remember them:
 * <ul>
 *   <li><b>Admission.</b> At most {@link ServerLimits#maxInFlightCalls()} calls are served at once;
 *       the next one is answered RESOURCE_EXHAUSTED at once, before its message is decoded. A
 *       call keeps its slot until its response has been written to the socket (or the client reset
 *       the stream), so responses a client does not read hold slots, not just memory.</li>
 *   <li><b>Memory.</b> Every response counts against its connection's {@link ResponseBudget} until
 *       written; a connection over its budget takes no new calls until it drains: a unary call
 *       waits, unread, within its deadline.</li>
 *   <li><b>Size.</b> A request whose serialized size exceeds {@link ServerLimits#maxRequestBytes()}
 *       is INVALID_ARGUMENT with the limit in the message.</li>
 *   <li><b>Deadline.</b> Every call ends by its deadline: the client's {@code grpc-timeout}, capped
 *       at {@link ServerLimits#maxDeadline()}, or {@link ServerLimits#defaultDeadline()} when the
 *       client sent none. When it fires first the call answers DEADLINE_EXCEEDED; the work started
 *       for it (a proposal) may still complete, so a write's outcome is then unknown to the client.</li>
 *   <li><b>Errors.</b> Every failure is mapped by {@link GrpcErrors} and written with
 *       {@link ErrorTrailers} (status, message, reason and leader-hint trailers).</li>
 *   <li><b>Threading.</b> Service futures may complete on any context (the driver's, a worker's);
 *       the answer is always written on the context that received the call, and exactly once:
 *       the {@code done} flag of a call is only touched there.</li>
 * </ul>
 * Each finished call is counted in {@code raftkv.client.requests{method, code}}.
 */
public final class CallRunner extends MeterGroup {
    /** What a response costs beyond its message: headers, trailers, gRPC and HTTP/2 framing (an estimate). */
    static final int FRAMING_BYTES = 64;

    private final Vertx vertx;
    private final ServerLimits limits;
    private final ClientPortSecurity security;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger pipelineStreams = new AtomicInteger();
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();
    private final ResponseBudget budget;

    public CallRunner(Vertx vertx, ServerLimits limits, MeterRegistry registry) {
        this(vertx, limits, registry, ClientPortSecurity.NONE);
    }

    /** As above, every call's message checked by {@code security} (key scopes) before it is served. */
    public CallRunner(Vertx vertx, ServerLimits limits, MeterRegistry registry, ClientPortSecurity security) {
        super(registry);
        this.security = Objects.requireNonNull(security, "security");
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.budget = new ResponseBudget(limits.responses());
        track(io.micrometer.core.instrument.Gauge.builder(
                        RaftKvMeters.CLIENT_UNWRITTEN_RESPONSE_BYTES.name(), budget, ResponseBudget::unwrittenBytes)
                .description(RaftKvMeters.CLIENT_UNWRITTEN_RESPONSE_BYTES.description())
                .baseUnit("bytes")
                .register(registry));
        track(io.micrometer.core.instrument.Gauge.builder(
                        RaftKvMeters.CLIENT_IN_FLIGHT.name(), inFlight, AtomicInteger::get)
                .description(RaftKvMeters.CLIENT_IN_FLIGHT.description())
                .register(registry));
        track(io.micrometer.core.instrument.Gauge.builder(
                        RaftKvMeters.CLIENT_PIPELINE_STREAMS.name(), pipelineStreams, AtomicInteger::get)
                .description(RaftKvMeters.CLIENT_PIPELINE_STREAMS.description())
                .register(registry));
    }

    /** Registers the gauge and counters of the client port's connections ({@link ConnectionGuard#bindMetrics}). */
    void trackConnections(ConnectionGuard guard) {
        guard.bindMetrics(registry, "client").forEach(this::track);
    }

    /** Counts a pipeline stream opened ({@code +1}) or finished ({@code -1}). */
    void pipelineStreams(int delta) {
        pipelineStreams.addAndGet(delta);
    }

    /** KV.Pipeline streams open now. */
    public int pipelineStreams() {
        return pipelineStreams.get();
    }

    /** The server's limit on calls served at once. */
    int maxInFlightCalls() {
        return limits.maxInFlightCalls();
    }

    Vertx vertx() {
        return vertx;
    }

    /** Calls being served right now. */
    public int inFlight() {
        return inFlight.get();
    }

    /**
     * A gRPC handler for a unary method implemented by {@code impl}. {@code impl} may throw (a
     * validation error) or return a failed future; both are mapped to a status.
     */
    public <Req, Resp> Handler<GrpcServerRequest<Req, Resp>> unary(
            ServiceMethod<Req, Resp> method, Function<Req, Future<Resp>> impl) {
        String name = method.fullMethodName();
        return request ->
                new UnaryCall<>(request, name, System.nanoTime(), impl, budget.of(request.connection())).start();
    }

    /** The budget of unwritten responses that every call of this server counts against. */
    ResponseBudget budget() {
        return budget;
    }

    /** Takes one in-flight slot; false when all {@link ServerLimits#maxInFlightCalls()} are taken. */
    public boolean tryEnter() {
        while (true) {
            int n = inFlight.get();
            if (n >= limits.maxInFlightCalls()) {
                return false;
            }
            if (inFlight.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Returns a slot taken by {@link #tryEnter()}. */
    public void exit() {
        inFlight.decrementAndGet();
    }

    /** Returns {@code n} slots taken by {@link #tryEnter()}. */
    void exit(int n) {
        inFlight.addAndGet(-n);
    }

    /** The OVERLOADED error of a call refused an in-flight slot. */
    RaftKvException overloaded() {
        return RaftKvException.of(
                ErrorReason.OVERLOADED,
                "more than " + limits.maxInFlightCalls() + " client calls in flight (maxInFlightCalls)");
    }

    /** The deadline of a call whose client asked for {@code clientTimeoutMillis} (0: none). */
    long deadlineMillis(long clientTimeoutMillis) {
        long max = limits.maxDeadline().toMillis();
        return clientTimeoutMillis > 0
                ? Math.min(clientTimeoutMillis, max)
                : limits.defaultDeadline().toMillis();
    }

    /** INVALID_ARGUMENT when {@code message} is larger than {@link ServerLimits#maxRequestBytes()}. */
    public void checkRequestSize(Object message) {
        if (message instanceof MessageLite m) {
            int size = m.getSerializedSize();
            if (size > limits.maxRequestBytes()) {
                throw GrpcErrors.invalid("request is " + size + " bytes, more than the limit of "
                        + limits.maxRequestBytes() + " (maxRequestBytes)");
            }
        }
    }

    /** PERMISSION_DENIED when the caller may not do what {@code message} asks ({@link ClientPortSecurity#check}). */
    public void authorize(GrpcServerRequest<?, ?> call, String method, Object message) {
        security.check(call, method, message);
    }

    /** Counts a finished call under its method and final status. */
    public void record(String method, GrpcStatus status, long startNanos) {
        timers.computeIfAbsent(
                        method + '|' + status.name(),
                        k -> track(Timer.builder(RaftKvMeters.CLIENT_REQUESTS.name())
                                .description(RaftKvMeters.CLIENT_REQUESTS.description())
                                .tags("method", method, "code", status.name())
                                .serviceLevelObjectives(LatencyBuckets.FAST)
                                .register(registry)))
                .record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }

    /**
     * One unary call from message to answer. All fields are touched only on {@link #context}.
     * The call holds an in-flight slot (and counts against its connection) from admission until its
     * response has been written, or the client reset the stream.
     */
    private final class UnaryCall<Req, Resp> {
        private final GrpcServerRequest<Req, Resp> request;
        private final String method;
        private final long startNanos;
        private final Function<Req, Future<Resp>> impl;
        private final ResponseBudget.Connection connection;
        private final Context context;
        private long timerId = -1;
        private boolean done;
        /** Holds a slot and counts in its connection's calls. */
        private boolean admitted;

        UnaryCall(
                GrpcServerRequest<Req, Resp> request,
                String method,
                long startNanos,
                Function<Req, Future<Resp>> impl,
                ResponseBudget.Connection connection) {
            this.request = request;
            this.method = method;
            this.startNanos = startNanos;
            this.impl = impl;
            this.connection = connection;
            this.context = vertx.getOrCreateContext();
        }

        void start() {
            long deadline = deadlineMillis(request.timeout());
            timerId = vertx.setTimer(deadline, id -> {
                timerId = -1;
                finish(
                        null,
                        RaftKvException.of(
                                GrpcStatus.DEADLINE_EXCEEDED,
                                "deadline of " + deadline + " ms exceeded before the call completed"));
            });
            request.exceptionHandler(err -> finishCancelled());
            // Vert.x 5 reports a reset by the client (RST_STREAM: cancel, deadline) here, not above.
            request.errorHandler(error -> finishCancelled());
            if (connection.admits()) {
                admit();
            } else {
                // The connection has too much unread: do not read this call until it drains.
                request.pause();
                connection.whenAdmits(this::admit);
            }
        }

        private void admit() {
            if (done) {
                return;
            }
            if (!tryEnter()) {
                request.handler(msg -> {});
                request.resume();
                finish(null, overloaded());
                return;
            }
            admitted = true;
            connection.enter();
            request.handler(this::onMessage);
            request.resume();
        }

        private void onMessage(Req message) {
            if (done) {
                return;
            }
            Future<Resp> result;
            try {
                checkRequestSize(message);
                authorize(request, method, message);
                result = Objects.requireNonNull(
                        ResponseBudget.callingFrom(connection, () -> impl.apply(message)),
                        "service returned no future");
            } catch (RuntimeException e) {
                finish(null, e);
                return;
            }
            result.onComplete(this::onResult);
        }

        private void onResult(AsyncResult<Resp> ar) {
            if (Vertx.currentContext() == context) {
                finish(ar.result(), ar.cause());
            } else {
                context.runOnContext(v -> finish(ar.result(), ar.cause()));
            }
        }

        private void finish(Resp response, Throwable error) {
            long precharged = error == null ? ResponseBudget.prechargedBytes(response) : 0;
            if (done) {
                connection.release(precharged); // a late answer: dropped
                return;
            }
            done = true;
            if (timerId >= 0) {
                vertx.cancelTimer(timerId);
            }
            long bytes;
            Future<Void> written;
            if (error == null) {
                record(method, GrpcStatus.OK, startNanos);
                bytes = response instanceof MessageLite m ? m.getSerializedSize() + FRAMING_BYTES : FRAMING_BYTES;
                connection.charge(bytes - precharged);
                written = end(response);
            } else {
                RaftKvException e = GrpcErrors.toRaftKvException(error);
                record(method, e.status(), startNanos);
                bytes = FRAMING_BYTES
                        + (e.getMessage() == null ? 0 : e.getMessage().length());
                connection.charge(bytes);
                written = ErrorTrailers.fail(request.response(), e);
            }
            written.onComplete(ar -> {
                connection.release(bytes);
                leave();
            });
        }

        private Future<Void> end(Resp response) {
            try {
                return request.response().end(response);
            } catch (IllegalStateException gone) {
                return Future.failedFuture(gone); // reset by the client under us
            }
        }

        /** The client reset the stream: nothing can be sent; release the slot. */
        private void finishCancelled() {
            if (done) {
                return;
            }
            done = true;
            if (timerId >= 0) {
                vertx.cancelTimer(timerId);
            }
            record(method, GrpcStatus.CANCELLED, startNanos);
            leave();
        }

        private void leave() {
            if (admitted) {
                admitted = false;
                exit();
                connection.exit();
            }
        }
    }
}
