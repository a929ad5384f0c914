package io.raftkv.node.transport;

import io.raftkv.api.peer.v1.MessageBatch;
import io.raftkv.api.peer.v1.RaftPeerGrpcClient;
import io.raftkv.node.net.HostPort;
import io.raftkv.raft.Message;
import io.vertx.core.Future;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientResponse;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbound path to one peer: a bounded queue drained into batches, at most
 * {@link PeerTransportOptions#maxBatchesInFlightPerPeer()} unacknowledged (pipelining). Batches go
 * over one long-lived {@code RaftPeer.Stream} call ({@link PeerStream}); a peer that answers
 * UNIMPLEMENTED (an older version) is sent unary {@code Send} calls instead, each with a deadline.
 * Confined to the transport's outbound context ({@link PeerTransport#outboundContext()}): no field is touched from any other thread.
 *
 * <p>Invariants: {@code 0 ≤ inFlight ≤ maxBatchesInFlightPerPeer}, counting the open stream's
 * unacknowledged batches and unary calls in flight; {@code queue.size() ≤ maxQueuedMessagesPerPeer}.
 * A failed call or stream loses its messages (Raft retransmits) and reports the peer unreachable
 * once per failure, so the core drops back to probing.
 */
final class PeerChannel implements PeerStream.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(PeerChannel.class);

    private final long peerId;
    private final PeerTransport owner;
    private final PeerTransportOptions options;
    private final ArrayDeque<Message> queue = new ArrayDeque<>();
    private int inFlight;
    private HostPort address;
    private PeerStream stream;
    /** The peer does not know {@code Stream}: use unary {@code Send} until its address changes. */
    private boolean unaryOnly;
    /** True after a failure until the next success: limits log lines. */
    private boolean failing;
    /** Set while {@link #drain()} runs: a stream failing inside it must not start a second drain. */
    private boolean draining;
    /** The peer was removed or the transport closed: nothing more is sent or reported. */
    private boolean closed;

    PeerChannel(long peerId, PeerTransport owner, PeerTransportOptions options) {
        this.peerId = peerId;
        this.owner = owner;
        this.options = options;
    }

    void enqueue(Message m) {
        if (queue.size() >= options.maxQueuedMessagesPerPeer()) {
            owner.stats().messagesDropped.increment();
            owner.reportUnreachable(peerId);
            return;
        }
        queue.add(m);
        drain();
    }

    int queued() {
        return queue.size();
    }

    int inFlight() {
        return inFlight;
    }

    /** Drops everything: the peer was removed or the transport is closing. */
    void close() {
        closed = true;
        queue.clear();
        if (stream != null) {
            PeerStream s = stream;
            stream = null;
            s.cancel("channel to peer " + peerId + " closed");
        }
    }

    private void drain() {
        if (draining || closed) {
            return; // the running drain's loop re-reads the state this callback changed
        }
        draining = true;
        try {
            drainQueue();
        } finally {
            draining = false;
        }
    }

    private void drainQueue() {
        while (inFlight < options.maxBatchesInFlightPerPeer() && !queue.isEmpty()) {
            HostPort target = resolve();
            if (target == null) {
                owner.stats().messagesDropped.add(queue.size());
                queue.clear();
                owner.reportUnreachable(peerId);
                return;
            }
            MessageBatch batch = takeBatch();
            inFlight++;
            if (unaryOnly) {
                sendUnary(target, batch);
            } else {
                streamTo(target).write(batch);
            }
        }
    }

    private PeerStream streamTo(HostPort target) {
        if (stream != null && !stream.target().equals(target)) {
            stream.cancel("peer " + peerId + " moved to " + target);
        }
        if (stream == null || stream.isDead()) {
            stream = PeerStream.open(owner.vertx(), owner.client(), target, options.sendDeadlineMs(), this);
            owner.stats().streamsOpened.increment();
        }
        return stream;
    }

    @Override
    public void onAck(PeerStream s, long latencyNanos, int messages) {
        inFlight--;
        owner.stats().observeSend(peerId, latencyNanos, true);
        owner.stats().messagesSent.add(messages);
        succeeded(s.target());
        drain();
    }

    @Override
    public void onLost(PeerStream s, long ageNanos, int messages) {
        inFlight--;
        owner.stats().observeSend(peerId, ageNanos, false);
        owner.stats().messagesDropped.add(messages);
    }

    @Override
    public void onFailed(PeerStream s, int lostBatches, boolean unimplemented, Throwable cause) {
        if (s == stream) {
            stream = null;
        }
        if (unimplemented) {
            LOG.info("peer {} at {} does not support streaming; sending it unary calls", peerId, s.target());
            unaryOnly = true;
        }
        if (lostBatches > 0 || unimplemented) {
            failed(s.target(), cause);
        }
        drain();
    }

    private void sendUnary(HostPort target, MessageBatch batch) {
        long started = System.nanoTime();
        int count = batch.getMessagesCount();
        unary(target, batch).onComplete(ar -> {
            inFlight--;
            owner.stats().observeSend(peerId, System.nanoTime() - started, ar.succeeded());
            if (ar.succeeded()) {
                owner.stats().messagesSent.add(count);
                succeeded(target);
            } else {
                owner.stats().messagesDropped.add(count);
                failed(target, ar.cause());
            }
            drain();
        });
    }

    private void succeeded(HostPort target) {
        if (failing) {
            LOG.info("peer {} at {} reachable again", peerId, target);
        }
        failing = false;
    }

    private void failed(HostPort target, Throwable cause) {
        if (closed) {
            return;
        }
        if (!failing) {
            LOG.warn("send to peer {} at {} failed: {}", peerId, target, cause.toString());
        }
        failing = true;
        owner.reportUnreachable(peerId);
    }

    private HostPort resolve() {
        String a = owner.addresses().peerAddress(peerId);
        if (a == null) {
            if (address != null || !failing) {
                LOG.warn("no address known for peer {}; dropping its messages", peerId);
            }
            address = null;
            failing = true;
            return null;
        }
        if (address == null || !a.equals(address.toString())) {
            address = HostPort.parse(a);
            unaryOnly = false; // a new address may be a new version: try streaming again
        }
        return address;
    }

    private MessageBatch takeBatch() {
        MessageBatch.Builder b = owner.batchHeader(peerId);
        long bytes = 0;
        while (!queue.isEmpty()) {
            // Counted as encoded (plus the field's tag and length), so a batch is never larger on the
            // wire than maxBatchBytes, or one message alone: what the receiver's size cap expects.
            var encoded = PeerMessageCodec.encode(queue.peek());
            long size = encoded.getSerializedSize() + 8;
            if (b.getMessagesCount() > 0 && bytes + size > options.maxBatchBytes()) {
                break;
            }
            queue.poll();
            bytes += size;
            b.addMessages(encoded);
        }
        return b.build();
    }

    private Future<?> unary(HostPort target, MessageBatch batch) {
        GrpcClient client = owner.client();
        try {
            return client.request(target.toSocketAddress(), RaftPeerGrpcClient.Send)
                    .compose(req -> {
                        req.timeout(options.sendDeadlineMs(), TimeUnit.MILLISECONDS);
                        return req.send(batch).compose(GrpcClientResponse::last);
                    });
        } catch (IllegalStateException closed) {
            return Future.failedFuture(closed); // the client closed under us (node stopping)
        }
    }
}
