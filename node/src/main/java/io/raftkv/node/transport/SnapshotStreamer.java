package io.raftkv.node.transport;

import com.google.protobuf.UnsafeByteOperations;
import io.raftkv.api.peer.v1.RaftPeerGrpcClient;
import io.raftkv.api.peer.v1.SnapshotAck;
import io.raftkv.api.peer.v1.SnapshotChunk;
import io.raftkv.api.peer.v1.SnapshotData;
import io.raftkv.api.peer.v1.SnapshotHeader;
import io.raftkv.api.peer.v1.SnapshotTrailer;
import io.raftkv.node.net.HostPort;
import io.raftkv.raft.Message;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.WorkerExecutor;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.client.GrpcClientResponse;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams a snapshot to a follower when the core emits SNAP: header (carrying the SNAP message),
 * data chunks each with its CRC-32C, trailer with the total length and CRC-32C. Reads happen on a
 * worker; writes respect the stream's back-pressure (drain handler), so memory stays bounded by the
 * gRPC write queue. One stream per follower at a time; the outcome goes to
 * {@link PeerInbound#onSnapshotSent} so the core leaves the SNAPSHOT state.
 */
final class SnapshotStreamer {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotStreamer.class);

    private final PeerTransport owner;
    private final SnapshotSource source;
    private final WorkerExecutor worker;
    private final PeerTransportOptions options;
    /** Followers with a stream in progress (outbound context only). */
    private final Set<Long> active = new HashSet<>();

    SnapshotStreamer(PeerTransport owner, SnapshotSource source, WorkerExecutor worker, PeerTransportOptions options) {
        this.owner = owner;
        this.source = source;
        this.worker = worker;
        this.options = options;
    }

    void stream(Message snap) {
        long to = snap.to();
        if (!active.add(to)) {
            return; // the core waits for the running transfer's report
        }
        String address = owner.addresses().peerAddress(to);
        if (address == null) {
            active.remove(to);
            owner.reportSnapshotSent(to, false);
            return;
        }
        HostPort target = HostPort.parse(address);
        long started = System.nanoTime();
        LOG.info(
                "sending snapshot at index {} to peer {} at {}",
                snap.snapshot().metadata().index(),
                to,
                target);
        worker.<SnapshotSource.OutgoingSnapshot>executeBlocking(
                        () -> source.open(snap.snapshot().metadata()), false)
                .compose(data -> send(target, snap, data)
                        .eventually(() -> worker.executeBlocking(
                                () -> {
                                    data.close();
                                    return null;
                                },
                                false)))
                .onComplete(ar -> {
                    active.remove(to);
                    if (ar.succeeded()) {
                        owner.stats().snapshotsSent.increment();
                        owner.stats()
                                .observeSnapshot(
                                        true, ar.result().getBytesReceived(), System.nanoTime() - started, true);
                        LOG.info(
                                "snapshot at index {} sent to peer {}: {} bytes in {} ms",
                                snap.snapshot().metadata().index(),
                                to,
                                ar.result().getBytesReceived(),
                                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
                    } else {
                        owner.stats().snapshotsSendFailed.increment();
                        owner.stats().observeSnapshot(true, 0, System.nanoTime() - started, false);
                        LOG.warn(
                                "snapshot transfer to peer {} failed: {}",
                                to,
                                ar.cause().toString());
                    }
                    owner.reportSnapshotSent(to, ar.succeeded());
                });
    }

    private Future<SnapshotAck> send(HostPort target, Message snap, SnapshotSource.OutgoingSnapshot data) {
        return owner.client()
                .request(target.toSocketAddress(), RaftPeerGrpcClient.InstallSnapshot)
                .compose(req -> {
                    req.timeout(options.snapshotDeadlineMs(), TimeUnit.MILLISECONDS);
                    req.write(SnapshotChunk.newBuilder()
                            .setClusterId(owner.clusterId())
                            .setHeader(SnapshotHeader.newBuilder()
                                    .setFrom(owner.selfId())
                                    .setTo(snap.to())
                                    .setMessage(PeerMessageCodec.encode(snap))
                                    .setTotalBytes(data.totalBytes())
                                    .setFormat(data.format()))
                            .build());
                    Promise<Void> written = Promise.promise();
                    new Pump(req, data, written).next();
                    return written.future()
                            .compose(v -> req.response())
                            .compose(GrpcClientResponse::last)
                            .onFailure(err -> req.cancel());
                });
    }

    /** Reads chunk after chunk on the worker and writes them, waiting for drain when the queue is full. */
    private final class Pump {
        private final GrpcClientRequest<SnapshotChunk, SnapshotAck> req;
        private final SnapshotSource.OutgoingSnapshot data;
        private final Promise<Void> written;
        private final CRC32C total = new CRC32C();
        private long offset;

        Pump(
                GrpcClientRequest<SnapshotChunk, SnapshotAck> req,
                SnapshotSource.OutgoingSnapshot data,
                Promise<Void> written) {
            this.req = req;
            this.data = data;
            this.written = written;
        }

        void next() {
            worker.executeBlocking(data::nextChunk, false).onComplete(ar -> {
                if (ar.failed()) {
                    written.tryFail(ar.cause());
                    return;
                }
                byte[] chunk = ar.result();
                if (chunk == null) {
                    req.end(SnapshotChunk.newBuilder()
                            .setClusterId(owner.clusterId())
                            .setTrailer(SnapshotTrailer.newBuilder()
                                    .setTotalBytes(offset)
                                    .setCrc32C((int) total.getValue()))
                            .build());
                    written.tryComplete();
                    return;
                }
                CRC32C crc = new CRC32C();
                crc.update(chunk);
                total.update(chunk);
                req.write(SnapshotChunk.newBuilder()
                        .setClusterId(owner.clusterId())
                        .setData(SnapshotData.newBuilder()
                                .setOffset(offset)
                                .setData(UnsafeByteOperations.unsafeWrap(chunk))
                                .setCrc32C((int) crc.getValue()))
                        .build());
                offset += chunk.length;
                owner.stats().snapshotBytesSent.add(chunk.length);
                if (req.writeQueueFull()) {
                    req.drainHandler(v -> next());
                } else {
                    next();
                }
            });
        }
    }
}
