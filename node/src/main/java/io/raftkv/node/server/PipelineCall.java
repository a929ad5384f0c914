package io.raftkv.node.server;

import io.raftkv.api.ErrorTrailers;
import io.raftkv.api.PipelineLimits;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.v1.KVGrpcService;
import io.raftkv.api.v1.PipelineRequest;
import io.raftkv.api.v1.PipelineResponse;
import io.raftkv.api.v1.PipelinedCall;
import io.raftkv.api.v1.PipelinedResult;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServerRequest;
import java.util.ArrayDeque;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code KV.Pipeline} stream: many KV calls over one HTTP/2 stream, each served exactly as its
 * unary method is (same service code, same {@link CallRunner} rules), and each answered in-band
 * with its id.
 *
 * <p>Why it exists: a unary gRPC call costs a new HTTP/2 stream, request headers, response headers
 * and trailers on both ends. At 1,000 concurrent puts that framing was about half of all CPU spent
 * per write on a 2-core machine (docs/results/2026-11-27-write-path-profiling.md, "Fourth round");
 * a pipelined call costs only its bytes in a DATA frame that it shares with the calls sent or
 * completed with it.
 *
 * <p>Rules, per call, the same as {@link CallRunner#unary}: an in-flight slot (RESOURCE_EXHAUSTED
 * OVERLOADED when none is free), the request size limit, a deadline ({@code timeout_millis} capped,
 * or the default) after which the call answers DEADLINE_EXCEEDED, errors mapped by
 * {@link GrpcErrors}, and a count in {@code raftkv.client.requests} under the unary method's name.
 * An error answers one call, never the stream: the stream fails only when the connection does, or
 * when the client resets it.
 *
 * <p>Results completed in one event-loop turn are written as one {@link PipelineResponse} (at most
 * {@link PipelineLimits#RESPONSE_BATCH_BYTES} each, or one larger result alone). When the client
 * ends its side, the server ends the stream OK after the last unanswered call is answered. If the
 * client resets the stream, calls already started still run to completion (a proposal cannot be
 * recalled) and free their slots then; their results are dropped.
 *
 * <p>Confined to the context that received the stream: every field is touched only there.
 */
final class PipelineCall {
    private static final Logger LOG = LoggerFactory.getLogger(PipelineCall.class);
    private static final String PUT = KVGrpcService.Put.fullMethodName();
    private static final String GET = KVGrpcService.Get.fullMethodName();
    private static final String DELETE = KVGrpcService.Delete.fullMethodName();
    private static final String COMPARE_AND_SET = KVGrpcService.CompareAndSet.fullMethodName();
    private static final String TXN = KVGrpcService.Txn.fullMethodName();
    private static final String PIPELINE = KVGrpcService.Pipeline.fullMethodName();

    private final Vertx vertx;
    private final GrpcServerRequest<PipelineRequest, PipelineResponse> request;
    private final CallRunner calls;
    private final KvService kv;
    private final Context context;
    private final ResponseBudget.Connection connection;
    /** Calls read but not yet served: the rest of a message read while the connection was over budget. */
    private final ArrayDeque<PipelinedCall> backlog = new ArrayDeque<>();

    private PipelineResponse.Builder batch = PipelineResponse.newBuilder();
    private int batchBytes;
    /** Results in {@link #batch} whose call holds an in-flight slot until the batch is written. */
    private int batchSlots;
    /** Bytes of {@link #batch} already charged to the connection by the reads that built them. */
    private long batchPrecharged;
    /** Waiting for the connection to admit calls again (registered with it once). */
    private boolean waitingForBudget;
    /** The response's write queue is full: wait for its drain handler. */
    private boolean writeBlocked;

    private boolean reading = true;
    private boolean flushScheduled;
    private int unanswered;
    private boolean clientEnded;
    /** The stream is finished (ended by us, or reset): nothing more can be written. */
    private boolean closed;

    PipelineCall(
            Vertx vertx, GrpcServerRequest<PipelineRequest, PipelineResponse> request, CallRunner calls, KvService kv) {
        this.vertx = vertx;
        this.request = request;
        this.calls = calls;
        this.kv = kv;
        this.context = vertx.getOrCreateContext();
        this.connection = calls.budget().of(request.connection());
    }

    void start() {
        calls.pipelineStreams(+1);
        request.handler(this::onMessage);
        request.endHandler(v -> {
            clientEnded = true;
            endIfDone();
        });
        request.exceptionHandler(this::onReset);
        request.response().drainHandler(v -> {
            writeBlocked = false;
            updateReading();
        });
        // Vert.x reports a reset by the client (RST_STREAM, CANCELLED) here, not to the exception handler.
        request.errorHandler(error -> onReset(new IllegalStateException("stream reset by the client: " + error)));
    }

    /** The client reset the stream, or the connection closed: nothing more can be written. */
    private void onReset(Throwable err) {
        if (!closed) {
            close();
            LOG.debug("pipeline stream reset with {} call(s) unanswered: {}", unanswered, err.toString());
        }
    }

    private void onMessage(PipelineRequest message) {
        backlog.addAll(message.getCallsList());
        serveBacklog();
    }

    /**
     * Serves the calls read so far while the connection admits calls; when it stops admitting, waits
     * for it (reading nothing more meanwhile).
     */
    private void serveBacklog() {
        while (!closed && !backlog.isEmpty()) {
            if (!connection.admits()) {
                if (!waitingForBudget) {
                    waitingForBudget = true;
                    connection.whenAdmits(() -> {
                        waitingForBudget = false;
                        serveBacklog();
                    });
                }
                break;
            }
            serve(backlog.poll());
        }
        updateReading();
        endIfDone();
    }

    /** Reads more calls only when all read so far are served and the response can take more. */
    private void updateReading() {
        boolean read = !closed && backlog.isEmpty() && !writeBlocked;
        if (read != reading) {
            reading = read;
            if (read) {
                request.resume();
            } else {
                request.pause();
            }
        }
    }

    private void serve(PipelinedCall call) {
        long startNanos = System.nanoTime();
        unanswered++;
        String method = methodOf(call);
        if (!calls.tryEnter()) {
            answer(PipelinedResult.newBuilder().setId(call.getId()), method, startNanos, calls.overloaded(), 0, false);
            return;
        }
        connection.enter();
        new Pending(call.getId(), method, startNanos).start(call);
    }

    /** The unary method a call stands for (its metric name); the stream's own name when it has none. */
    private static String methodOf(PipelinedCall call) {
        return switch (call.getRequestCase()) {
            case PUT -> PUT;
            case GET -> GET;
            case DELETE -> DELETE;
            case COMPARE_AND_SET -> COMPARE_AND_SET;
            case TXN -> TXN;
            case REQUEST_NOT_SET -> PIPELINE;
        };
    }

    /** One call from message to answer; touched only on {@link #context}. */
    private final class Pending {
        private final long id;
        private final String method;
        private final long startNanos;
        private long timerId = -1;
        private boolean done;

        Pending(long id, String method, long startNanos) {
            this.id = id;
            this.method = method;
            this.startNanos = startNanos;
        }

        void start(PipelinedCall call) {
            long deadline = calls.deadlineMillis(Integer.toUnsignedLong(call.getTimeoutMillis()));
            timerId = vertx.setTimer(deadline, t -> {
                timerId = -1;
                finish(
                        null,
                        null,
                        RaftKvException.of(
                                GrpcStatus.DEADLINE_EXCEEDED,
                                "deadline of " + deadline + " ms exceeded before the call completed"));
            });
            try {
                switch (call.getRequestCase()) {
                    case PUT -> run(check(call.getPut()), kv::put, PipelinedResult.Builder::setPut);
                    case GET -> run(check(call.getGet()), kv::get, PipelinedResult.Builder::setGet);
                    case DELETE -> run(check(call.getDelete()), kv::delete, PipelinedResult.Builder::setDelete);
                    case COMPARE_AND_SET ->
                        run(
                                check(call.getCompareAndSet()),
                                kv::compareAndSet,
                                PipelinedResult.Builder::setCompareAndSet);
                    case TXN -> run(check(call.getTxn()), kv::txn, PipelinedResult.Builder::setTxn);
                    case REQUEST_NOT_SET ->
                        throw GrpcErrors.invalid("pipelined call " + Long.toUnsignedString(id)
                                + " has no request this node serves (put, get, delete, compare_and_set or txn)");
                }
            } catch (RuntimeException e) {
                finish(null, null, e);
            }
        }

        private <Q> Q check(Q message) {
            calls.checkRequestSize(message);
            calls.authorize(request, method, message);
            return message;
        }

        private <Q, A> void run(Q request, Function<Q, Future<A>> impl, BiConsumer<PipelinedResult.Builder, A> setter) {
            ResponseBudget.callingFrom(connection, () -> impl.apply(request)).onComplete(ar -> onResult(ar, setter));
        }

        private <A> void onResult(AsyncResult<A> ar, BiConsumer<PipelinedResult.Builder, A> setter) {
            if (Vertx.currentContext() == context) {
                finish(ar.result(), setter, ar.cause());
            } else {
                context.runOnContext(v -> finish(ar.result(), setter, ar.cause()));
            }
        }

        private <A> void finish(A response, BiConsumer<PipelinedResult.Builder, A> setter, Throwable error) {
            long precharged = error == null ? ResponseBudget.prechargedBytes(response) : 0;
            if (done) {
                connection.release(precharged); // a late answer: dropped
                return;
            }
            done = true;
            if (timerId >= 0) {
                vertx.cancelTimer(timerId);
                timerId = -1;
            }
            PipelinedResult.Builder result = PipelinedResult.newBuilder().setId(id);
            if (error == null) {
                setter.accept(result, response);
            }
            answer(result, method, startNanos, error, precharged, true);
        }
    }

    /**
     * Counts a finished call and queues its result for the next flush: {@code r} (id and response
     * set) when {@code error} is null, else {@code r} with the error in-band. A call that
     * {@code holdsSlot} keeps it until its result is written; {@code precharged} bytes of it were
     * charged to the connection when it was read ({@link ResponseBudget#prechargedBytes}).
     */
    private void answer(
            PipelinedResult.Builder r,
            String method,
            long startNanos,
            Throwable error,
            long precharged,
            boolean holdsSlot) {
        unanswered--;
        if (error == null) {
            calls.record(method, closed ? GrpcStatus.CANCELLED : GrpcStatus.OK, startNanos);
        } else {
            RaftKvException e = GrpcErrors.toRaftKvException(error);
            r.setError(ErrorTrailers.toCallError(e));
            calls.record(method, closed ? GrpcStatus.CANCELLED : e.status(), startNanos);
        }
        if (closed) {
            connection.release(precharged); // nothing will be written
            if (holdsSlot) {
                leave(1);
            }
            return;
        }
        PipelinedResult result = r.build();
        int size = result.getSerializedSize() + 8;
        if (batchBytes > 0 && batchBytes + size > PipelineLimits.RESPONSE_BATCH_BYTES) {
            // The batch so far, so this result does not push the message past the limit. Not
            // flush(): with this result counted as answered, it could end the stream without it.
            writeBatch();
            if (closed) {
                connection.release(precharged);
                if (holdsSlot) {
                    leave(1);
                }
                return;
            }
        }
        batch.addResults(result);
        batchBytes += size;
        batchPrecharged += precharged;
        if (holdsSlot) {
            batchSlots++;
        }
        if (!flushScheduled) {
            flushScheduled = true;
            context.runOnContext(v -> {
                flushScheduled = false;
                flush();
            });
        }
    }

    /** Writes the batch, then ends the stream if that was all. */
    private void flush() {
        writeBatch();
        endIfDone();
    }

    /** Writes the results batched so far as one message; never ends the stream. */
    private void writeBatch() {
        if (closed) {
            return;
        }
        if (batch.getResultsCount() > 0) {
            PipelineResponse message = batch.build();
            int slots = batchSlots;
            long bytes = message.getSerializedSize() + CallRunner.FRAMING_BYTES;
            batch = PipelineResponse.newBuilder();
            batchBytes = 0;
            batchSlots = 0;
            connection.charge(bytes - batchPrecharged);
            batchPrecharged = 0;
            Future<Void> written;
            try {
                written = request.response().write(message);
            } catch (IllegalStateException gone) {
                written = Future.failedFuture(gone); // reset under us
            }
            written.onComplete(ar -> {
                connection.release(bytes);
                leave(slots);
            });
            if (written.failed()) {
                close();
                return;
            }
            if (request.response().writeQueueFull()) {
                writeBlocked = true;
                updateReading();
            }
        }
    }

    /** Returns {@code n} in-flight slots, of calls whose results were written or dropped. */
    private void leave(int n) {
        if (n > 0) {
            calls.exit(n);
            for (int i = 0; i < n; i++) {
                connection.exit();
            }
        }
    }

    private void close() {
        closed = true;
        backlog.clear();
        // Results queued but never to be written: settle what they hold.
        connection.release(batchPrecharged);
        leave(batchSlots);
        batch = PipelineResponse.newBuilder();
        batchBytes = 0;
        batchSlots = 0;
        batchPrecharged = 0;
        calls.pipelineStreams(-1);
    }

    /** Ends the stream OK once the client has ended its side and every call is answered and sent. */
    private void endIfDone() {
        if (closed || !clientEnded || unanswered > 0 || !backlog.isEmpty() || batch.getResultsCount() > 0) {
            return;
        }
        close();
        try {
            request.response().end();
        } catch (IllegalStateException gone) {
            // reset by the client at the same moment: nobody is left to tell
        }
    }
}
