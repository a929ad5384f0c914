package io.raftkv.api.client;

import io.raftkv.api.ErrorTrailers;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.v1.BackupChunk;
import io.raftkv.api.v1.BackupMetadata;
import io.raftkv.api.v1.BackupTrailer;
import io.raftkv.api.v1.ClusterGrpcClient;
import io.raftkv.api.v1.SnapshotRequest;
import io.raftkv.api.v1.SnapshotResponse;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.client.GrpcClientResponse;
import io.vertx.grpc.common.GrpcStatus;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * Streams a backup from one node into a {@link SnapshotSink} without blocking: data goes to the
 * sink as it arrives (the gRPC stream is paused while the sink's queue is full), is verified
 * chunk by chunk and as a whole (CRC-32C; a SHA-256 of the whole is computed on the way), and
 * only then committed. On any failure — of the stream, the verification or the sink — the sink
 * is aborted, so nothing is left at its location.
 *
 * <p>Expected stream: exactly one {@code metadata}, then {@code chunk}s with contiguous offsets
 * starting at 0, then exactly one {@code trailer}; anything else is a protocol error (DATA_LOSS).
 */
final class SnapshotDownload {
    private final Vertx vertx;
    private final Endpoint source;
    private final SnapshotSink sink;
    private final long timeoutMillis;
    private final Promise<SnapshotInfo> result = Promise.promise();
    private final CRC32C total = new CRC32C();
    private final MessageDigest sha256 = sha256();

    private GrpcClientRequest<SnapshotRequest, SnapshotResponse> stream;
    private BackupMetadata metadata;
    private BackupTrailer trailer;
    private long received;

    private SnapshotDownload(Vertx vertx, Endpoint source, SnapshotSink sink, long timeoutMillis) {
        this.vertx = vertx;
        this.source = source;
        this.sink = sink;
        this.timeoutMillis = timeoutMillis;
    }

    static Future<SnapshotInfo> start(
            Vertx vertx, GrpcClient client, Endpoint source, SnapshotSink sink, long timeoutMillis) {
        if (timeoutMillis <= 0) {
            return Future.failedFuture(new IllegalArgumentException("snapshot timeout must be > 0 ms"));
        }
        SnapshotDownload d = new SnapshotDownload(vertx, source, sink, timeoutMillis);
        vertx.runOnContext(v -> d.run(client));
        return d.result.future();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void run(GrpcClient client) {
        long timer = vertx.setTimer(
                timeoutMillis,
                id -> fail(RaftKvException.local(
                        GrpcStatus.DEADLINE_EXCEEDED,
                        "snapshot download from " + source + " did not finish within " + timeoutMillis + " ms",
                        false,
                        null)));
        result.future().onComplete(ar -> vertx.cancelTimer(timer));
        sink.open(e -> fail(RaftKvException.local(
                        GrpcStatus.UNAVAILABLE,
                        "writing the snapshot to " + sink.location() + " failed after " + received + " bytes: "
                                + e.getMessage(),
                        false,
                        e)))
                .compose(v -> {
                    if (result.future().isComplete()) {
                        sink.abort();
                        return Future.<GrpcClientRequest<SnapshotRequest, SnapshotResponse>>succeededFuture();
                    }
                    return client.request(source.toSocketAddress(), ClusterGrpcClient.Snapshot);
                })
                .onFailure(e -> fail(RaftKvException.local(
                        GrpcStatus.UNAVAILABLE,
                        "cannot start snapshot download from " + source + " into " + sink.location() + ": "
                                + e.getMessage(),
                        false,
                        e)))
                .onSuccess(req -> {
                    if (req == null) {
                        return;
                    }
                    stream = req;
                    req.timeout(timeoutMillis, TimeUnit.MILLISECONDS);
                    req.send(SnapshotRequest.getDefaultInstance()).onComplete(rar -> {
                        if (rar.failed()) {
                            fail(RaftKvException.local(
                                    GrpcStatus.UNAVAILABLE,
                                    "snapshot download from " + source + " failed: "
                                            + rar.cause().getMessage(),
                                    false,
                                    rar.cause()));
                        } else {
                            consume(rar.result());
                        }
                    });
                });
    }

    private void consume(GrpcClientResponse<SnapshotRequest, SnapshotResponse> resp) {
        resp.handler(msg -> {
            try {
                accept(msg, resp);
            } catch (RaftKvException e) {
                fail(e);
            }
        });
        resp.end().onComplete(ar -> {
            GrpcStatus status = resp.status();
            if (status != null && status != GrpcStatus.OK) {
                fail(ErrorTrailers.decode(status, resp.statusMessage(), resp.headers(), resp.trailers()));
            } else if (ar.failed()) {
                fail(RaftKvException.local(
                        GrpcStatus.UNAVAILABLE,
                        "snapshot stream from " + source + " broke after " + received + " bytes: "
                                + ar.cause().getMessage(),
                        false,
                        ar.cause()));
            } else {
                finish();
            }
        });
    }

    private void accept(SnapshotResponse msg, GrpcClientResponse<?, ?> resp) {
        if (result.future().isComplete()) {
            return;
        }
        switch (msg.getPartCase()) {
            case METADATA -> {
                if (metadata != null) {
                    throw protocolError("a second metadata message");
                }
                metadata = msg.getMetadata();
            }
            case CHUNK -> {
                if (metadata == null || trailer != null) {
                    throw protocolError(
                            "a data chunk " + (metadata == null ? "before the metadata" : "after the trailer"));
                }
                BackupChunk chunk = msg.getChunk();
                if (chunk.getOffset() != received) {
                    throw protocolError("chunk at offset " + chunk.getOffset() + ", expected " + received);
                }
                byte[] data = chunk.getData().toByteArray();
                CRC32C crc = new CRC32C();
                crc.update(data);
                if ((int) crc.getValue() != chunk.getCrc32C()) {
                    throw protocolError(String.format(
                            "CRC-32C mismatch in chunk at offset %d: computed %08x, sent %08x",
                            received, (int) crc.getValue(), chunk.getCrc32C()));
                }
                total.update(data);
                sha256.update(data);
                received += data.length;
                sink.write(Buffer.buffer(data));
                if (sink.writeQueueFull()) {
                    resp.pause();
                    sink.drainHandler(v -> resp.resume());
                }
            }
            case TRAILER -> {
                if (metadata == null || trailer != null) {
                    throw protocolError(metadata == null ? "a trailer before the metadata" : "a second trailer");
                }
                trailer = msg.getTrailer();
            }
            default -> throw protocolError("an empty message");
        }
    }

    private void finish() {
        if (result.future().isComplete()) {
            return;
        }
        try {
            if (metadata == null || trailer == null) {
                throw protocolError("end of stream without " + (metadata == null ? "metadata" : "trailer"));
            }
            if (trailer.getTotalBytes() != received) {
                throw protocolError("trailer says " + trailer.getTotalBytes() + " bytes, received " + received);
            }
            if (metadata.getTotalBytes() != 0 && metadata.getTotalBytes() != received) {
                throw protocolError("metadata announced " + metadata.getTotalBytes() + " bytes, received " + received);
            }
            if ((int) total.getValue() != trailer.getCrc32C()) {
                throw protocolError(String.format(
                        "whole-backup CRC-32C mismatch: computed %08x, trailer %08x",
                        (int) total.getValue(), trailer.getCrc32C()));
            }
        } catch (RaftKvException e) {
            fail(e);
            return;
        }
        int crc = (int) total.getValue();
        String sha = HexFormat.of().formatHex(sha256.digest());
        Path file = sink instanceof FileSnapshotSink f ? f.file() : null;
        sink.commit(sha)
                .onSuccess(v -> result.tryComplete(
                        new SnapshotInfo(metadata, file, received, crc, source, sink.location(), sha)))
                .onFailure(e -> fail(RaftKvException.local(
                        GrpcStatus.INTERNAL,
                        "cannot store snapshot in " + sink.location() + ": " + e.getMessage(),
                        false,
                        e)));
    }

    private RaftKvException protocolError(String what) {
        return RaftKvException.of(GrpcStatus.DATA_LOSS, "snapshot stream from " + source + " is corrupt: " + what);
    }

    private void fail(RaftKvException e) {
        if (result.tryFail(e)) {
            if (stream != null) {
                stream.cancel();
            }
            sink.abort();
        }
    }
}
