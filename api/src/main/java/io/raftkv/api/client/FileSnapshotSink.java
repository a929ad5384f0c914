package io.raftkv.api.client;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.CopyOptions;
import io.vertx.core.file.OpenOptions;
import java.nio.file.Path;

/**
 * A backup written to {@code <file>.part} through an {@link AsyncFile}, flushed to disk and only
 * then atomically renamed to {@code <file>}; on abort the partial file is deleted and
 * {@code <file>} is left untouched.
 */
public final class FileSnapshotSink implements SnapshotSink {
    private final Vertx vertx;
    private final Path file;
    private final Path partFile;
    private AsyncFile out;
    private boolean aborted;

    public FileSnapshotSink(Vertx vertx, Path file) {
        this.vertx = vertx;
        this.file = file.toAbsolutePath();
        this.partFile = this.file.resolveSibling(this.file.getFileName() + ".part");
    }

    public Path file() {
        return file;
    }

    @Override
    public String location() {
        return file.toString();
    }

    @Override
    public Future<Void> open(Handler<Throwable> failed) {
        return vertx.fileSystem()
                .open(
                        partFile.toString(),
                        new OpenOptions().setWrite(true).setCreate(true).setTruncateExisting(true))
                .compose(f -> {
                    out = f;
                    f.exceptionHandler(failed);
                    return aborted ? abort() : Future.succeededFuture();
                })
                .recover(e -> Future.failedFuture(
                        new java.io.IOException("cannot write " + partFile + ": " + e.getMessage(), e)));
    }

    @Override
    public void write(Buffer data) {
        out.write(data);
    }

    @Override
    public boolean writeQueueFull() {
        return out.writeQueueFull();
    }

    @Override
    public void drainHandler(Handler<Void> handler) {
        out.drainHandler(handler);
    }

    @Override
    public Future<Void> commit(String sha256) {
        return out.flush()
                .compose(v -> out.close())
                .compose(v -> vertx.fileSystem()
                        .move(
                                partFile.toString(),
                                file.toString(),
                                new CopyOptions().setReplaceExisting(true).setAtomicMove(true)));
    }

    @Override
    public Future<Void> abort() {
        aborted = true;
        Future<Void> closed =
                out == null ? Future.succeededFuture() : out.close().recover(x -> Future.succeededFuture());
        return closed.compose(v -> vertx.fileSystem().delete(partFile.toString()))
                .recover(x -> Future.succeededFuture());
    }
}
