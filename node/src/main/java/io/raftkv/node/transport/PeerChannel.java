package io.raftkv.node.transport;

import io.raftkv.api.peer.v1.MessageBatch;
import io.raftkv.api.peer.v1.RaftPeerGrpcClient;
import io.raftkv.raft.Message;
import io.vertx.core.Future;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientResponse;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbound path to one peer: a bounded queue drained into batched {@code Send} calls, at most
 * {@link PeerTransportOptions#maxBatchesInFlightPerPeer()} in flight (pipelining). Confined to the
 * driver's context: no field is touched from any other thread.
 *
 * <p>Invariants: {@code 0 ≤ inFlight ≤ maxBatchesInFlightPerPeer}; {@code queue.size() ≤
 * maxQueuedMessagesPerPeer}. A failed call loses its messages (Raft retransmits) and reports the
 * peer unreachable once per failure burst, so the core drops back to probing.
 */
final class PeerChannel {
    private static final Logger LOG = LoggerFactory.getLogger(PeerChannel.class);

    private final long peerId;
    private final PeerTransport owner;
    private final PeerTransportOptions options;
    private final ArrayDeque<Message> queue = new ArrayDeque<>();
    private int inFlight;
    private HostPort address;
    /** True after a failure until the next success: limits unreachable reports and log lines. */
    private boolean failing;

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

    private void drain() {
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
            long started = System.nanoTime();
            int count = batch.getMessagesCount();
            send(target, batch).onComplete(ar -> {
                inFlight--;
                owner.stats().observeSend(peerId, System.nanoTime() - started, ar.succeeded());
                if (ar.succeeded()) {
                    owner.stats().messagesSent.add(count);
                    if (failing) {
                        LOG.info("peer {} at {} reachable again", peerId, target);
                    }
                    failing = false;
                } else {
                    owner.stats().messagesDropped.add(count);
                    if (!failing) {
                        LOG.warn("send to peer {} at {} failed: {}", peerId, target, ar.cause().toString());
                    }
                    failing = true;
                    owner.reportUnreachable(peerId);
                }
                drain();
            });
        }
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
        }
        return address;
    }

    private MessageBatch takeBatch() {
        MessageBatch.Builder b = owner.batchHeader(peerId);
        long bytes = 0;
        while (!queue.isEmpty()) {
            Message next = queue.peek();
            long size = next.entriesSizeBytes() + 64;
            if (b.getMessagesCount() > 0 && bytes + size > options.maxBatchBytes()) {
                break;
            }
            queue.poll();
            bytes += size;
            b.addMessages(PeerMessageCodec.encode(next));
        }
        return b.build();
    }

    private Future<?> send(HostPort target, MessageBatch batch) {
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
