package io.raftkv.node.transport;

import io.raftkv.api.peer.v1.SnapshotAck;
import io.raftkv.api.peer.v1.SnapshotChunk;
import io.raftkv.raft.Message;
import io.raftkv.raft.MessageType;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServerRequest;
import java.io.IOException;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives one InstallSnapshot stream: header, data chunks in order, trailer. Every chunk's CRC-32C,
 * the offsets (contiguous, no gaps) and the trailer's total length and CRC-32C are verified before
 * the sink may install; any mismatch aborts the transfer and leaves the previous state untouched.
 * Disk writes run on a worker, one chunk at a time (the stream is paused meanwhile), so memory stays
 * bounded by one chunk. Once installed, the SNAP message is stepped on the driver's context and only
 * then is the stream acknowledged.
 *
 * <p>Against a stalled or hostile sender: while a transfer that is not stalled holds the slot,
 * {@link PeerServer} refuses further streams as they open, unread; the one receive slot is taken
 * only by a stream whose header passed every check (cluster, destination, the sender's
 * certificate), not by a bare stream; the disk-space check and every file system call run on the
 * snapshot worker, never on the peer loop; refusals are logged at most once a second;
 * each chunk must arrive within {@link PeerServer#snapshotChunkDeadlineMs()} of the previous one
 * (else DEADLINE_EXCEEDED); a transfer whose last chunk is older than
 * {@link PeerServer#snapshotStallMs()} gives its slot to a newer checked header (the stalled one
 * ends ABORTED); the declared total must fit the disk's usable space with a margin
 * ({@link SnapshotSink#usableBytes()}, RESOURCE_EXHAUSTED otherwise) and no more data than declared
 * is accepted.
 */
final class SnapshotReceiver {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotReceiver.class);

    /** A refusal with the gRPC status to answer. */
    private static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient GrpcStatus status;

        Refused(GrpcStatus status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    private final GrpcServerRequest<SnapshotChunk, SnapshotAck> req;
    private final PeerServer server;
    private final CRC32C total = new CRC32C();
    private Message snap;
    private SnapshotSink.IncomingSnapshot incoming;
    private long expectedOffset;
    private boolean installed;
    private boolean finished;
    /** Holds the server's receive slot (taken at a checked header). */
    private boolean claimed;

    private Future<Void> tail = Future.succeededFuture();
    private final long startedNanos = System.nanoTime();
    private volatile long lastChunkNanos = System.nanoTime();
    private long declaredBytes = -1;
    private long chunkTimer = -1;

    SnapshotReceiver(GrpcServerRequest<SnapshotChunk, SnapshotAck> req, PeerServer server) {
        this.req = req;
        this.server = server;
    }

    void start() {
        armChunkDeadline();
        req.handler(chunk -> {
            lastChunkNanos = System.nanoTime();
            armChunkDeadline();
            req.pause();
            tail = tail.compose(v -> process(chunk)).onComplete(ar -> {
                if (ar.failed()) {
                    fail(ar.cause());
                } else {
                    req.resume();
                }
            });
        });
        req.endHandler(v -> tail.onSuccess(x -> complete()));
        req.exceptionHandler(this::fail);
    }

    /** (Re)starts the wait for the next chunk; the stream fails DEADLINE_EXCEEDED if it passes. */
    private void armChunkDeadline() {
        if (chunkTimer >= 0) {
            server.vertx().cancelTimer(chunkTimer);
        }
        long deadline = server.snapshotChunkDeadlineMs();
        chunkTimer = server.vertx().setTimer(deadline, id -> {
            chunkTimer = -1;
            fail(new Refused(GrpcStatus.DEADLINE_EXCEEDED, "no snapshot chunk for " + deadline + " ms"));
        });
    }

    /** Milliseconds since the last chunk arrived (or the stream opened). */
    long stalledMillis() {
        return (System.nanoTime() - lastChunkNanos) / 1_000_000;
    }

    /** A newer transfer took the slot of this stalled one. */
    void preempt() {
        fail(new Refused(
                GrpcStatus.ABORTED,
                "preempted by a newer snapshot transfer after " + stalledMillis() + " ms without a chunk"));
    }

    private Future<Void> process(SnapshotChunk chunk) {
        if (finished) {
            return Future.failedFuture(new Refused(GrpcStatus.ABORTED, "transfer already ended"));
        }
        String problem = server.checkHeaderFor(chunk.getClusterId(), server.selfId());
        if (problem != null) {
            return Future.failedFuture(new Refused(GrpcStatus.FAILED_PRECONDITION, problem));
        }
        switch (chunk.getPartCase()) {
            case HEADER -> {
                if (snap != null) {
                    throw new Refused(GrpcStatus.INVALID_ARGUMENT, "second snapshot header in one stream");
                }
                var h = chunk.getHeader();
                String header = server.checkHeaderFor(chunk.getClusterId(), h.getTo());
                if (header != null) {
                    throw new Refused(GrpcStatus.FAILED_PRECONDITION, header);
                }
                Message m;
                try {
                    m = PeerMessageCodec.decode(h.getMessage());
                } catch (IllegalArgumentException e) {
                    throw new Refused(GrpcStatus.INVALID_ARGUMENT, e.getMessage());
                }
                String unauthorized = server.peerRefusal(req, m.from());
                if (unauthorized != null) {
                    throw new Refused(GrpcStatus.PERMISSION_DENIED, unauthorized);
                }
                if (m.type() != MessageType.SNAP
                        || m.to() != server.selfId()
                        || m.snapshot() == null
                        || m.snapshot().isEmpty()) {
                    throw new Refused(
                            GrpcStatus.INVALID_ARGUMENT,
                            "header does not carry a SNAP message for " + server.selfId() + ": " + m);
                }
                String busy = server.claimSnapshotSlot(this);
                if (busy != null) {
                    throw new Refused(GrpcStatus.UNAVAILABLE, busy);
                }
                claimed = true;
                declaredBytes = h.getTotalBytes();
                snap = m;
                LOG.info(
                        "receiving snapshot at index {} term {} from {}",
                        m.snapshot().metadata().index(),
                        m.snapshot().metadata().term(),
                        m.from());
                // The disk-space query and begin() are file system calls: on the worker, never on
                // the peer loop, which carries the members' heartbeats and acks.
                long declared = h.getTotalBytes();
                return server.worker()
                        .executeBlocking(
                                () -> {
                                    long usable = server.snapshotSink().usableBytes();
                                    if (declared > usable) {
                                        throw new Refused(
                                                GrpcStatus.RESOURCE_EXHAUSTED,
                                                "snapshot of " + declared + " bytes does not fit: " + usable
                                                        + " bytes usable on this member's disk");
                                    }
                                    incoming = server.snapshotSink().begin(m, h.getFormat(), declared);
                                    return null;
                                },
                                false)
                        .mapEmpty();
            }
            case DATA -> {
                requireHeader();
                var d = chunk.getData();
                if (d.getOffset() != expectedOffset) {
                    throw new Refused(
                            GrpcStatus.DATA_LOSS, "chunk at offset " + d.getOffset() + ", expected " + expectedOffset);
                }
                if (expectedOffset + d.getData().size() > declaredBytes) {
                    throw new Refused(
                            GrpcStatus.INVALID_ARGUMENT,
                            "more data than the " + declaredBytes + " bytes the header declared");
                }
                byte[] bytes = d.getData().toByteArray();
                CRC32C crc = new CRC32C();
                crc.update(bytes);
                if ((int) crc.getValue() != d.getCrc32C()) {
                    throw new Refused(GrpcStatus.DATA_LOSS, "CRC-32C mismatch in chunk at offset " + d.getOffset());
                }
                total.update(bytes);
                long offset = expectedOffset;
                expectedOffset += bytes.length;
                server.stats().snapshotBytesReceived.add(bytes.length);
                SnapshotSink.IncomingSnapshot target = incoming;
                return server.worker()
                        .executeBlocking(
                                () -> {
                                    target.write(offset, bytes);
                                    return null;
                                },
                                false)
                        .mapEmpty();
            }
            case TRAILER -> {
                requireHeader();
                var t = chunk.getTrailer();
                if (t.getTotalBytes() != expectedOffset) {
                    throw new Refused(
                            GrpcStatus.DATA_LOSS,
                            "trailer says " + t.getTotalBytes() + " bytes, received " + expectedOffset);
                }
                if (t.getCrc32C() != (int) total.getValue()) {
                    throw new Refused(GrpcStatus.DATA_LOSS, "total CRC-32C mismatch over " + expectedOffset + " bytes");
                }
                SnapshotSink.IncomingSnapshot target = incoming;
                return server.worker()
                        .executeBlocking(
                                () -> {
                                    target.finish(t.getTotalBytes(), t.getCrc32C());
                                    return null;
                                },
                                false)
                        .compose(v -> {
                            installed = true;
                            Promise<Void> stepped = Promise.promise();
                            Message m = snap;
                            server.driverContext().runOnContext(x -> {
                                server.inbound().onSnapshotInstalled(m);
                                stepped.complete();
                            });
                            return stepped.future();
                        });
            }
            default -> throw new Refused(GrpcStatus.INVALID_ARGUMENT, "empty snapshot chunk");
        }
    }

    private void release() {
        if (chunkTimer >= 0) {
            server.vertx().cancelTimer(chunkTimer);
            chunkTimer = -1;
        }
        if (claimed) {
            claimed = false;
            server.snapshotFinished(this);
        }
    }

    private void requireHeader() {
        if (snap == null || incoming == null) {
            throw new Refused(GrpcStatus.INVALID_ARGUMENT, "snapshot data before its header");
        }
    }

    private void complete() {
        if (finished) {
            return;
        }
        if (!installed) {
            fail(new Refused(GrpcStatus.DATA_LOSS, "snapshot stream ended without a trailer"));
            return;
        }
        finished = true;
        release();
        server.stats().snapshotsReceived.increment();
        server.stats().observeSnapshot(false, expectedOffset, System.nanoTime() - startedNanos, true);
        LOG.info(
                "installed snapshot at index {} ({} bytes)",
                snap.snapshot().metadata().index(),
                expectedOffset);
        req.response()
                .end(SnapshotAck.newBuilder()
                        .setMemberId(server.selfId())
                        .setIndex(snap.snapshot().metadata().index())
                        .setBytesReceived(expectedOffset)
                        .build());
    }

    private void fail(Throwable err) {
        if (finished) {
            return;
        }
        finished = true;
        server.stats().snapshotsReceiveFailed.increment();
        server.stats().observeSnapshot(false, 0, System.nanoTime() - startedNanos, false);
        SnapshotSink.IncomingSnapshot target = incoming;
        if (target != null && !installed) {
            server.worker()
                    .executeBlocking(
                            () -> {
                                target.abort();
                                return null;
                            },
                            false);
        }
        release();
        GrpcStatus status;
        if (err instanceof Refused r) {
            status = r.status;
        } else if (err instanceof IllegalStateException) {
            status = GrpcStatus.FAILED_PRECONDITION;
        } else if (err instanceof IOException) {
            status = GrpcStatus.UNAVAILABLE;
        } else {
            status = GrpcStatus.INTERNAL;
        }
        String msg = err.getMessage() == null ? err.toString() : err.getMessage();
        server.warnRefused("snapshot transfer refused", status, msg);
        try {
            req.response().status(status).statusMessage(msg).end();
        } catch (IllegalStateException alreadyClosed) {
            LOG.debug("snapshot stream already closed", alreadyClosed);
        }
    }
}
