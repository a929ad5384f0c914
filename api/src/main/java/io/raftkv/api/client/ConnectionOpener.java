package io.raftkv.api.client;

import io.raftkv.api.RaftKvException;
import io.raftkv.api.v1.ClusterGrpcClient;
import io.raftkv.api.v1.StatusRequest;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.grpc.client.GrpcClientResponse;
import io.vertx.grpc.client.InvalidStatusException;
import io.vertx.grpc.common.GrpcStatus;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Opens connections of a {@link Connections} a few at a time: each opening is one {@code Status}
 * call over a slot's connection to a node (TCP, the TLS handshake, HTTP/2 and one round trip), at
 * most {@code parallel} of them in flight to each node, the rest queued in order. (Per node, so that
 * openings to a node that does not answer — each waits for its timeout — never hold up those to
 * the others, such as a new leader's.) A slot's
 * connection to a node counts as open once such a call got an answer, whatever its status (a
 * {@code read}-less identity's PERMISSION_DENIED came over an open connection all the same).
 *
 * <p>Why: see {@link Connections#connectAll} and {@link Connections#next(Endpoint)}. The queue holds
 * at most one opening per slot and node, so it is bounded by {@code connections × nodes}.
 */
final class ConnectionOpener {
    private final Vertx vertx;
    private final int parallel;
    /** Per node: openings waiting for one of the {@code parallel} places, and how many are in flight. */
    private final ConcurrentHashMap<Endpoint, Queue> queues = new ConcurrentHashMap<>();

    /** One node's openings; guarded by itself. */
    private static final class Queue {
        final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
        int running;
    }
    /** Calls waiting for any opening to a node to finish (the next one that does). */
    private final ConcurrentHashMap<Endpoint, Promise<Connections.Slot>> waiters = new ConcurrentHashMap<>();

    ConnectionOpener(Vertx vertx, int parallel) {
        this.vertx = vertx;
        this.parallel = Math.max(1, parallel);
    }

    /**
     * Opens {@code slot}'s connection to {@code node} within {@code timeoutMillis} of its turn, or
     * joins the opening already open or in flight. Succeeds when the connection is open; fails
     * (and the slot counts as not open to the node again) otherwise.
     */
    Future<Void> open(Connections.Slot slot, Endpoint node, long timeoutMillis) {
        Promise<Void> opened = Promise.promise();
        Future<Void> prior = slot.opened().putIfAbsent(node, opened.future());
        if (prior != null) {
            return prior;
        }
        Queue queue = queues.computeIfAbsent(node, n -> new Queue());
        start(
                queue,
                () -> statusOn(slot, node, timeoutMillis).onComplete(ar -> {
                    if (ar.failed()) {
                        slot.opened().remove(node, opened.future()); // before completing: a failed one is never seen
                    }
                    opened.handle(ar);
                    Promise<Connections.Slot> waiting = waiters.remove(node);
                    if (waiting != null) {
                        waiting.tryComplete(slot);
                    }
                    finished(queue);
                }));
        return opened.future();
    }

    /**
     * The next slot whose opening to {@code node} finishes (opened or not), for a call that found no
     * open one; {@code inFlight} is an opening to {@code node} that was in flight or queued when
     * the caller looked, and {@code recheck} looks again for an open slot (null if none), for the
     * race with an opening that finished meanwhile.
     */
    Future<Connections.Slot> nextOpened(
            Endpoint node, Connections.Slot inFlight, java.util.function.Supplier<Connections.Slot> recheck) {
        Promise<Connections.Slot> waiting = waiters.computeIfAbsent(node, n -> Promise.promise());
        Connections.Slot now = recheck.get();
        Future<Void> mine = inFlight.opened().get(node);
        if (now != null || mine == null || mine.isComplete()) {
            waiters.remove(node, waiting);
            waiting.tryComplete(now != null ? now : inFlight);
        }
        return waiting.future();
    }

    private void start(Queue queue, Runnable opening) {
        synchronized (queue) {
            if (queue.running >= parallel) {
                queue.waiting.add(opening);
                return;
            }
            queue.running++;
        }
        opening.run();
    }

    private void finished(Queue queue) {
        Runnable next;
        synchronized (queue) {
            next = queue.waiting.poll();
            if (next == null) {
                queue.running--;
            }
        }
        if (next != null) {
            next.run();
        }
    }

    /** One {@code Status} call to {@code node} over {@code slot}'s connection, within {@code timeoutMillis}. */
    private Future<Void> statusOn(Connections.Slot slot, Endpoint node, long timeoutMillis) {
        Promise<Void> done = Promise.promise();
        long timer = vertx.setTimer(
                timeoutMillis,
                id -> done.tryFail(RaftKvException.local(
                        GrpcStatus.DEADLINE_EXCEEDED,
                        "no connection to " + node + " within " + timeoutMillis + " ms",
                        false,
                        null)));
        slot.context()
                .runOnContext(v -> slot.client()
                        .request(node.toSocketAddress(), ClusterGrpcClient.Status)
                        .compose(req -> {
                            req.timeout(timeoutMillis, TimeUnit.MILLISECONDS);
                            return req.send(StatusRequest.getDefaultInstance());
                        })
                        .compose(GrpcClientResponse::last)
                        .onComplete(ar -> {
                            vertx.cancelTimer(timer);
                            if (ar.succeeded() || ar.cause() instanceof InvalidStatusException) {
                                done.tryComplete(); // answered: the connection is open
                            } else {
                                done.tryFail(ar.cause());
                            }
                        }));
        return done.future();
    }
}
