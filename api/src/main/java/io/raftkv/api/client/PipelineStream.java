package io.raftkv.api.client;

import io.netty.util.collection.LongObjectHashMap;
import io.raftkv.api.PipelineLimits;
import io.raftkv.api.v1.KVGrpcClient;
import io.raftkv.api.v1.PipelineRequest;
import io.raftkv.api.v1.PipelineResponse;
import io.raftkv.api.v1.PipelinedCall;
import io.raftkv.api.v1.PipelinedResult;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.client.GrpcClientResponse;
import io.vertx.grpc.client.InvalidStatusException;
import io.vertx.grpc.common.GrpcStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One open {@code KV.Pipeline} call to one node, on one connection: many KV calls, each with an id
 * and its own deadline, written as messages of a single long-lived HTTP/2 stream, and answered
 * in-band by id (see {@code PipelineCall} on the node, and docs/api.md "Pipelined calls").
 *
 * <p>Calls issued in one event-loop turn are written as one {@link PipelineRequest} (at most
 * {@link PipelineLimits#REQUEST_BATCH_BYTES}); calls issued before the stream is open wait for it. Every call
 * has a deadline: its caller's attempt timer {@linkplain #abandon abandons} it, and the server ends
 * it by the same deadline, which travels in {@code timeout_millis}.
 *
 * <p>When the stream fails (connection lost, reset, the server ending it) every unanswered call is
 * told once, with whether it had been written (a written write may have been applied). A server
 * that does not know the method (an older node) answers UNIMPLEMENTED; its calls are then told so
 * and the owner sends them, and later calls, as unary calls. A call that reaches its deadline on a
 * stream that has answered nothing since the call was written resets the stream, so a stuck stream
 * is replaced rather than trusted.
 *
 * <p>Confined to the context of the connection's slot: every method must be called on it, and every
 * callback runs on it. Public for the node's etcd forwarder, which carries a follower's forwarded
 * etcd Puts to the leader over these streams (docs/architecture.md, "etcd API").
 */
public final class PipelineStream {
    /** The outcome of one pipelined call. */
    public interface Callback {
        void onResult(PipelinedResult result);

        /**
         * The stream failed before the call was answered.
         *
         * @param written       whether the call had been written to the connection (it may then have
         *                      been served)
         * @param unimplemented whether the node does not serve {@code KV.Pipeline} at all (the call
         *                      certainly was not served)
         */
        void onStreamFailed(boolean written, boolean unimplemented, Throwable cause);
    }

    /** An unanswered call, and when it was written to the connection (if it was). */
    private static final class Pending {
        final Callback callback;
        boolean written;
        long writtenAtNanos;

        Pending(Callback callback) {
            this.callback = callback;
        }
    }

    private final Context context;
    private final Endpoint target;
    private final Consumer<PipelineStream> onDead;
    private final LongObjectHashMap<Pending> pending = new LongObjectHashMap<>();
    private final List<PipelineRequest> unopened = new ArrayList<>();
    private PipelineRequest.Builder batch = PipelineRequest.newBuilder();
    private int batchBytes;
    private boolean flushScheduled;
    private GrpcClientRequest<PipelineRequest, PipelineResponse> request;
    private long nextId = 1;
    private long lastAnswerNanos = System.nanoTime();
    private boolean dead;
    /** {@link #end} was called: no more calls; the client side ends once the stream is open. */
    private boolean ending;

    private PipelineStream(Context context, Endpoint target, Consumer<PipelineStream> onDead) {
        this.context = context;
        this.target = target;
        this.onDead = onDead;
    }

    /**
     * Starts opening a stream to {@code target}; calls may be sent at once.
     *
     * @param onDead told once, with this stream, when it fails, so the owner stops handing it calls
     */
    public static PipelineStream open(
            Context context, GrpcClient client, Endpoint target, Consumer<PipelineStream> onDead) {
        PipelineStream s = new PipelineStream(context, target, onDead);
        try {
            client.request(target.toSocketAddress(), KVGrpcClient.Pipeline).onComplete(s::opened);
        } catch (IllegalStateException closed) {
            context.runOnContext(v -> s.fail(closed, false)); // client closed: fail on a later turn
        }
        return s;
    }

    public boolean isDead() {
        return dead;
    }

    /**
     * Ends the client's side after the calls sent so far (the node answers them, then ends the
     * stream OK); no call may be sent afterwards. For a stream whose node is no longer wanted (the
     * forwarder's stream to a member that stopped leading).
     */
    public void end() {
        if (dead || ending) {
            return;
        }
        ending = true;
        flush();
        if (request != null) {
            endQuietly();
        }
    }

    private void endQuietly() {
        try {
            request.end();
        } catch (RuntimeException closed) {
            fail(closed, false);
        }
    }

    /**
     * Sends one call; {@code call} has its request set, and gets its id here.
     *
     * @return the call's id, for {@link #abandon}
     */
    public long send(PipelinedCall.Builder call, Callback callback) {
        if (dead || ending) {
            throw new IllegalStateException("send on a dead pipeline stream to " + target);
        }
        long id = nextId++;
        PipelinedCall built = call.setId(id).build();
        pending.put(id, new Pending(callback));
        batch.addCalls(built);
        batchBytes += built.getSerializedSize() + 8;
        if (batchBytes >= PipelineLimits.REQUEST_BATCH_BYTES) {
            flush();
        } else if (!flushScheduled) {
            flushScheduled = true;
            context.runOnContext(v -> {
                flushScheduled = false;
                flush();
            });
        }
        return id;
    }

    /**
     * Forgets call {@code id}: its deadline passed, and an answer arriving later is dropped. If the
     * stream has answered nothing since the call was written, the stream is presumed stuck and reset.
     */
    public void abandon(long id) {
        Pending p = pending.remove(id);
        if (p == null || dead) {
            return;
        }
        if (p.written && lastAnswerNanos - p.writtenAtNanos < 0) {
            fail(
                    new IllegalStateException("pipeline stream to " + target + " answered nothing since a call"
                            + " that reached its deadline was written"),
                    false);
        }
    }

    private void flush() {
        if (dead || batch.getCallsCount() == 0) {
            return;
        }
        PipelineRequest message = batch.build();
        batch = PipelineRequest.newBuilder();
        batchBytes = 0;
        if (request == null) {
            unopened.add(message); // written, and marked so, when the stream opens
            return;
        }
        write(message);
    }

    /** Writes a message and marks its calls written. */
    private void write(PipelineRequest message) {
        long now = System.nanoTime();
        for (PipelinedCall c : message.getCallsList()) {
            Pending p = pending.get(c.getId());
            if (p != null) {
                p.written = true;
                p.writtenAtNanos = now;
            }
        }
        try {
            request.write(message);
        } catch (RuntimeException closed) {
            fail(closed, false);
        }
    }

    private void opened(AsyncResult<GrpcClientRequest<PipelineRequest, PipelineResponse>> ar) {
        if (ar.failed()) {
            fail(ar.cause(), false);
            return;
        }
        GrpcClientRequest<PipelineRequest, PipelineResponse> req = ar.result();
        if (dead) {
            cancelQuietly(req);
            return;
        }
        request = req;
        req.exceptionHandler(err -> fail(err, false));
        req.response().onComplete(resp -> {
            if (resp.failed()) {
                fail(resp.cause(), isUnimplemented(resp.cause()));
                return;
            }
            GrpcClientResponse<PipelineRequest, PipelineResponse> response = resp.result();
            response.handler(this::answered);
            response.exceptionHandler(err -> fail(err, false));
            response.end().onComplete(end -> {
                boolean unimplemented =
                        response.status() == GrpcStatus.UNIMPLEMENTED || end.failed() && isUnimplemented(end.cause());
                fail(
                        end.failed()
                                ? end.cause()
                                : new IllegalStateException(
                                        "node " + target + " ended the pipeline stream with " + response.status()),
                        unimplemented);
            });
        });
        List<PipelineRequest> waiting = List.copyOf(unopened);
        unopened.clear();
        for (PipelineRequest m : waiting) {
            if (dead) {
                return;
            }
            write(m);
        }
        if (ending && !dead) {
            endQuietly();
        }
    }

    private void answered(PipelineResponse message) {
        lastAnswerNanos = System.nanoTime();
        for (PipelinedResult r : message.getResultsList()) {
            Pending p = pending.remove(r.getId());
            if (p != null) { // else abandoned at its deadline
                p.callback.onResult(r);
            }
        }
    }

    private void fail(Throwable cause, boolean unimplemented) {
        if (dead) {
            return;
        }
        dead = true;
        onDead.accept(this);
        if (request != null) {
            cancelQuietly(request);
        }
        List<Pending> lost = new ArrayList<>(pending.values());
        pending.clear();
        unopened.clear();
        batch.clear();
        for (Pending p : lost) {
            p.callback.onStreamFailed(!unimplemented && p.written, unimplemented, cause);
        }
    }

    private static boolean isUnimplemented(Throwable t) {
        return t instanceof InvalidStatusException ise && ise.actualStatus() == GrpcStatus.UNIMPLEMENTED;
    }

    private static void cancelQuietly(GrpcClientRequest<PipelineRequest, PipelineResponse> req) {
        try {
            req.cancel();
        } catch (RuntimeException alreadyEnded) {
            // the call ended by itself: nothing to reset
        }
    }
}
