package io.raftkv.node.transport;

import io.raftkv.api.peer.v1.MessageBatch;
import io.raftkv.api.peer.v1.RaftPeerGrpcClient;
import io.raftkv.api.peer.v1.SendAck;
import io.raftkv.node.net.HostPort;
import io.vertx.core.AsyncResult;
import io.vertx.core.Vertx;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.client.GrpcClientResponse;
import io.vertx.grpc.client.InvalidStatusException;
import io.vertx.grpc.common.GrpcStatus;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One open {@code RaftPeer.Stream} call to a peer: batches are written as messages of a single
 * long-lived HTTP/2 stream and the receiver answers each with one {@link SendAck}, in order.
 *
 * <p>Every batch has a deadline for its ack ({@link PeerTransportOptions#sendDeadlineMs()}): one
 * timer per stream is armed for the oldest unacknowledged batch, and a missed deadline cancels the
 * stream. Any failure (deadline, reset, connection loss, the receiver ending the stream) is reported
 * once to the {@link Listener} with the batches it lost; the stream is then dead and the owner opens
 * a new one. Batches written while the call is still opening wait in a queue bounded by the owner's
 * in-flight limit.
 *
 * <p>Confined to the transport's outbound context, like {@link PeerChannel}; no field is touched from any
 * other thread (the gRPC client runs its callbacks on the context that created it).
 */
final class PeerStream {
    /** Told about acks and the end of the stream; called on the outbound context. */
    interface Listener {
        void onAck(PeerStream stream, long latencyNanos, int messages);

        /** A batch written {@code ageNanos} ago will never be acknowledged: the stream failed. */
        void onLost(PeerStream stream, long ageNanos, int messages);

        /**
         * The stream is dead, after {@link #onLost} for each of its {@code lostBatches} unacknowledged
         * batches. {@code unimplemented} when the receiver does not know the method.
         */
        void onFailed(PeerStream stream, int lostBatches, boolean unimplemented, Throwable cause);
    }

    private record Sent(long nanos, int messages) {}

    private final Vertx vertx;
    private final HostPort target;
    private final long deadlineNanos;
    private final Listener listener;
    private final ArrayDeque<MessageBatch> unopened = new ArrayDeque<>();
    private final ArrayDeque<Sent> outstanding = new ArrayDeque<>();
    private GrpcClientRequest<MessageBatch, SendAck> request;
    private long timerId = -1;
    private boolean dead;

    private PeerStream(Vertx vertx, HostPort target, long deadlineMs, Listener listener) {
        this.vertx = vertx;
        this.target = target;
        this.deadlineNanos = TimeUnit.MILLISECONDS.toNanos(deadlineMs);
        this.listener = listener;
    }

    /** Starts opening a stream to {@code target}; batches may be written at once. */
    static PeerStream open(Vertx vertx, GrpcClient client, HostPort target, long deadlineMs, Listener listener) {
        PeerStream s = new PeerStream(vertx, target, deadlineMs, listener);
        try {
            client.request(target.toSocketAddress(), RaftPeerGrpcClient.Stream).onComplete(s::opened);
        } catch (IllegalStateException closed) {
            // The client closed under us (node stopping): fail on a later turn, never re-entrantly.
            vertx.runOnContext(v -> s.fail(closed));
        }
        return s;
    }

    HostPort target() {
        return target;
    }

    boolean isDead() {
        return dead;
    }

    /** Writes a batch; its ack deadline starts now. Must not be called once {@link #isDead()}. */
    void write(MessageBatch batch) {
        if (dead) {
            throw new IllegalStateException("write on a dead stream to " + target);
        }
        outstanding.add(new Sent(System.nanoTime(), batch.getMessagesCount()));
        armTimer();
        if (request == null) {
            unopened.add(batch);
        } else {
            send(request, batch);
        }
    }

    /** Writes to the call; a call that was reset or ended under us fails the stream, never the caller. */
    private void send(GrpcClientRequest<MessageBatch, SendAck> req, MessageBatch batch) {
        try {
            req.write(batch);
        } catch (RuntimeException closed) {
            fail(closed);
        }
    }

    /** Cancels the stream (address changed, peer removed, transport closing); reports its losses. */
    void cancel(String why) {
        fail(new IllegalStateException(why));
    }

    private void opened(AsyncResult<GrpcClientRequest<MessageBatch, SendAck>> ar) {
        if (ar.failed()) {
            fail(ar.cause());
            return;
        }
        GrpcClientRequest<MessageBatch, SendAck> req = ar.result();
        if (dead) {
            cancelQuietly(req);
            return;
        }
        request = req;
        req.exceptionHandler(this::fail);
        req.response().onComplete(resp -> {
            if (resp.failed()) {
                fail(resp.cause());
                return;
            }
            GrpcClientResponse<MessageBatch, SendAck> response = resp.result();
            response.handler(this::acked);
            response.exceptionHandler(this::fail);
            response.end()
                    .onComplete(end -> fail(
                            end.failed()
                                    ? end.cause()
                                    : new IllegalStateException("stream ended by peer with " + response.status())));
        });
        while (!unopened.isEmpty() && !dead) {
            send(req, unopened.poll());
        }
    }

    private void acked(SendAck ack) {
        if (dead) {
            return;
        }
        Sent sent = outstanding.poll();
        if (sent == null) {
            fail(new IllegalStateException(
                    "peer acknowledged " + ack.getBatchesAccepted() + " batches, more than were sent"));
            return;
        }
        listener.onAck(this, System.nanoTime() - sent.nanos(), sent.messages());
    }

    private void armTimer() {
        if (timerId >= 0 || outstanding.isEmpty()) {
            return;
        }
        long dueInNanos = outstanding.peek().nanos() + deadlineNanos - System.nanoTime();
        timerId = vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(dueInNanos) + 1), id -> {
            timerId = -1;
            if (dead) {
                return;
            }
            Sent oldest = outstanding.peek();
            if (oldest != null && System.nanoTime() - oldest.nanos() >= deadlineNanos) {
                fail(new IllegalStateException("no ack from peer at " + target + " within "
                        + TimeUnit.NANOSECONDS.toMillis(deadlineNanos) + " ms"));
            } else {
                armTimer();
            }
        });
    }

    private void fail(Throwable cause) {
        if (dead) {
            return;
        }
        dead = true;
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
            timerId = -1;
        }
        if (request != null) {
            cancelQuietly(request);
        }
        int lostBatches = outstanding.size();
        long now = System.nanoTime();
        for (Sent s : outstanding) {
            listener.onLost(this, now - s.nanos(), s.messages());
        }
        outstanding.clear();
        unopened.clear();
        boolean unimplemented =
                cause instanceof InvalidStatusException ise && ise.actualStatus() == GrpcStatus.UNIMPLEMENTED;
        listener.onFailed(this, lostBatches, unimplemented, cause);
    }

    private static void cancelQuietly(GrpcClientRequest<MessageBatch, SendAck> req) {
        try {
            req.cancel();
        } catch (RuntimeException alreadyEnded) {
            // the call ended by itself: nothing to reset
        }
    }
}
