package io.raftkv.cli.objectstore;

import io.raftkv.api.client.SnapshotSink;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * A snapshot streamed into an S3 multipart upload, never held whole in memory: bytes from the
 * download fill a part buffer of {@link S3Settings#partBytes()}; a full part goes to one upload
 * thread (with its Content-MD5, which the store checks); while {@value #MAX_QUEUED_PARTS} parts
 * wait or upload the download is paused. Memory: at most {@code (MAX_QUEUED_PARTS + 1) × partBytes}.
 *
 * <p>Nothing is visible at the key until {@link #commit}: the multipart upload is completed only
 * after the download verified the whole snapshot, then {@code <key>.sha256} is written beside it
 * (in {@code sha256sum} format). {@link #abort} aborts the upload, so a failed backup leaves no
 * object (and no parts the bucket would be billed for).
 */
public final class S3MultipartSink implements SnapshotSink {

    /** Parts queued or uploading before the download pauses. */
    static final int MAX_QUEUED_PARTS = 2;

    private final Vertx vertx;
    private final S3Client s3;
    private final S3Location where;
    private final int partBytes;
    private final ExecutorService uploader;
    private final AtomicInteger queued = new AtomicInteger();
    private final List<CompletedPart> parts = new ArrayList<>(); // uploader thread only

    private Context context;
    private Handler<Throwable> failed;
    private Handler<Void> drain;
    private volatile String uploadId;
    private volatile Throwable failure;
    private byte[] current;
    private int filled;
    private int partNumber;

    public S3MultipartSink(Vertx vertx, S3Client s3, S3Location where, int partBytes) {
        this.vertx = vertx;
        this.s3 = s3;
        this.where = where;
        this.partBytes = partBytes;
        this.uploader = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "s3-upload");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public String location() {
        return where.toString();
    }

    /** Parts uploaded so far (for tests and messages). */
    public int partsUploaded() {
        return partNumber;
    }

    @Override
    public Future<Void> open(Handler<Throwable> failed) {
        this.context = vertx.getOrCreateContext();
        this.failed = failed;
        return onUploader(() -> {
            uploadId = s3.createMultipartUpload(
                            b -> b.bucket(where.bucket()).key(where.key()).contentType("application/octet-stream"))
                    .uploadId();
            return null;
        });
    }

    @Override
    public void write(Buffer data) {
        byte[] bytes = data.getBytes();
        int off = 0;
        while (off < bytes.length) {
            if (current == null) {
                current = new byte[partBytes];
                filled = 0;
            }
            int n = Math.min(bytes.length - off, partBytes - filled);
            System.arraycopy(bytes, off, current, filled, n);
            filled += n;
            off += n;
            if (filled == partBytes) {
                submit(current, filled);
                current = null;
            }
        }
    }

    private void submit(byte[] part, int length) {
        int number = ++partNumber;
        queued.incrementAndGet();
        uploader.execute(() -> {
            try {
                if (failure == null) {
                    String md5 = Base64.getEncoder().encodeToString(digest("MD5", part, length));
                    String etag = s3.uploadPart(
                                    b -> b.bucket(where.bucket())
                                            .key(where.key())
                                            .uploadId(uploadId)
                                            .partNumber(number)
                                            .contentLength((long) length)
                                            .contentMD5(md5),
                                    RequestBody.fromInputStream(new ByteArrayInputStream(part, 0, length), length))
                            .eTag();
                    parts.add(CompletedPart.builder()
                            .partNumber(number)
                            .eTag(etag)
                            .build());
                }
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                    context.runOnContext(v -> failed.handle(
                            new java.io.IOException("uploading part " + number + " of " + where + ": " + e, e)));
                }
            } finally {
                if (queued.decrementAndGet() < MAX_QUEUED_PARTS) {
                    context.runOnContext(v -> {
                        Handler<Void> h = drain;
                        drain = null;
                        if (h != null) {
                            h.handle(null);
                        }
                    });
                }
            }
        });
    }

    @Override
    public boolean writeQueueFull() {
        return queued.get() >= MAX_QUEUED_PARTS;
    }

    @Override
    public void drainHandler(Handler<Void> handler) {
        this.drain = handler;
        if (!writeQueueFull()) {
            this.drain = null;
            context.runOnContext(v -> handler.handle(null));
        }
    }

    @Override
    public Future<Void> commit(String sha256) {
        if (current != null || partNumber == 0) {
            submit(current == null ? new byte[0] : current, current == null ? 0 : filled);
            current = null;
        }
        return onUploader(() -> {
                    if (failure != null) {
                        throw new IllegalStateException("an upload of a part failed: " + failure, failure);
                    }
                    s3.completeMultipartUpload(b -> b.bucket(where.bucket())
                            .key(where.key())
                            .uploadId(uploadId)
                            .multipartUpload(CompletedMultipartUpload.builder()
                                    .parts(parts)
                                    .build()));
                    String name = where.key().substring(where.key().lastIndexOf('/') + 1);
                    byte[] line = (sha256 + "  " + name + "\n").getBytes(StandardCharsets.UTF_8);
                    S3Location sum = where.checksum();
                    s3.putObject(
                            b -> b.bucket(sum.bucket()).key(sum.key()).contentType("text/plain"),
                            RequestBody.fromBytes(line));
                    return null;
                })
                .eventually(() -> {
                    uploader.shutdown();
                    return Future.succeededFuture();
                });
    }

    @Override
    public Future<Void> abort() {
        if (uploader.isShutdown()) {
            return Future.succeededFuture();
        }
        failure = failure != null ? failure : new IllegalStateException("aborted");
        Future<Void> done = onUploader(() -> {
            if (uploadId != null) {
                s3.abortMultipartUpload(
                        b -> b.bucket(where.bucket()).key(where.key()).uploadId(uploadId));
            }
            return null;
        });
        uploader.shutdown();
        return done.recover(e -> Future.succeededFuture());
    }

    /** Runs {@code work} on the upload thread, after every part queued before it. */
    private Future<Void> onUploader(java.util.concurrent.Callable<Void> work) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        try {
            uploader.execute(() -> {
                try {
                    f.complete(work.call());
                } catch (Exception e) {
                    f.completeExceptionally(e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            f.completeExceptionally(e);
        }
        return Future.fromCompletionStage(f, context != null ? context : vertx.getOrCreateContext());
    }

    static byte[] digest(String algorithm, byte[] data, int length) {
        try {
            MessageDigest md = MessageDigest.getInstance(algorithm);
            md.update(data, 0, length);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
