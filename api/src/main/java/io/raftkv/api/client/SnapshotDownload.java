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
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.CopyOptions;
import io.vertx.core.file.OpenOptions;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.client.GrpcClientResponse;
import io.vertx.grpc.common.GrpcStatus;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * Streams a backup from one node into a file without blocking: data goes to {@code <file>.part}
 * through an {@link AsyncFile} (the gRPC stream is paused while the file's write queue is full),
 * is verified chunk by chunk and as a whole, flushed to disk, and only then renamed to
 * {@code <file>}. On any failure the partial file is deleted and {@code <file>} is left untouched.
 *
 * <p>Expected stream: exactly one {@code metadata}, then {@code chunk}s with contiguous offsets
 * starting at 0, then exactly one {@code trailer}; anything else is a protocol error (DATA_LOSS).
 */
final class SnapshotDownload {
    private final Vertx vertx;
    private final Endpoint source;
    private final Path file;
    private final Path partFile;
    private final long timeoutMillis;
    private final Promise<SnapshotInfo> result = Promise.promise();
    private final CRC32C total = new CRC32C();

    private AsyncFile out;
    private GrpcClientRequest<SnapshotRequest, SnapshotResponse> stream;
    private BackupMetadata metadata;
    private BackupTrailer trailer;
    private long received;

    private SnapshotDownload(Vertx vertx, Endpoint source, Path file, long timeoutMillis) {
        this.vertx = vertx;
        this.source = source;
        this.file = file.toAbsolutePath();
        this.partFile = this.file.resolveSibling(this.file.getFileName() + ".part");
        this.timeoutMillis = timeoutMillis;
    }

    static Future<SnapshotInfo> start(Vertx vertx, GrpcClient client, Endpoint source, Path file, long timeoutMillis) {
        if (timeoutMillis <= 0) {
            return Future.failedFuture(new IllegalArgumentException("snapshot timeout must be > 0 ms"));
        }
        SnapshotDownload d = new SnapshotDownload(vertx, source, file, timeoutMillis);
        d.run(client);
        return d.result.future();
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
        vertx.fileSystem()
                .open(
                        partFile.toString(),
                        new OpenOptions().setWrite(true).setCreate(true).setTruncateExisting(true))
                .compose(f -> {
                    out = f;
                    if (result.future().isComplete()) {
                        cleanUp();
                        return Future.succeededFuture();
                    }
                    return client.request(source.toSocketAddress(), ClusterGrpcClient.Snapshot);
                })
                .onFailure(e -> fail(RaftKvException.local(
                        GrpcStatus.UNAVAILABLE,
                        "cannot start snapshot download from " + source + " into " + partFile + ": " + e.getMessage(),
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
                received += data.length;
                out.write(Buffer.buffer(data));
                if (out.writeQueueFull()) {
                    resp.pause();
                    out.drainHandler(v -> resp.resume());
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
        out.flush()
                .compose(v -> out.close())
                .compose(v -> vertx.fileSystem()
                        .move(
                                partFile.toString(),
                                file.toString(),
                                new CopyOptions().setReplaceExisting(true).setAtomicMove(true)))
                .onSuccess(v -> result.tryComplete(new SnapshotInfo(metadata, file, received, crc, source)))
                .onFailure(e -> fail(RaftKvException.local(
                        GrpcStatus.INTERNAL, "cannot store snapshot in " + file + ": " + e.getMessage(), false, e)));
    }

    private RaftKvException protocolError(String what) {
        return RaftKvException.of(GrpcStatus.DATA_LOSS, "snapshot stream from " + source + " is corrupt: " + what);
    }

    private void fail(RaftKvException e) {
        if (result.tryFail(e)) {
            if (stream != null) {
                stream.cancel();
            }
            cleanUp();
        }
    }

    private void cleanUp() {
        Future<Void> closed =
                out == null ? Future.succeededFuture() : out.close().recover(x -> Future.succeededFuture());
        closed.compose(v -> vertx.fileSystem().delete(partFile.toString())).recover(x -> Future.succeededFuture());
    }
}
