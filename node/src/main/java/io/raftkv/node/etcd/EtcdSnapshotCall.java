package io.raftkv.node.etcd;

import com.google.protobuf.UnsafeByteOperations;
import io.raftkv.api.ErrorTrailers;
import io.raftkv.api.RaftKvException;
import io.raftkv.etcd.api.MaintenanceGrpcService;
import io.raftkv.etcd.api.SnapshotRequest;
import io.raftkv.etcd.api.SnapshotResponse;
import io.raftkv.node.driver.RaftNodeApi;
import io.raftkv.node.server.CallRunner;
import io.raftkv.node.server.ReadPool;
import io.raftkv.node.server.ServerLimits;
import io.raftkv.node.storage.SnapshotChunk;
import io.raftkv.node.storage.SnapshotReader;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import java.util.Objects;

/**
 * One etcd {@code Maintenance.Snapshot}: the node's consistent snapshot
 * ({@link RaftNodeApi#openSnapshotDownload()}) as etcd's stream of {@code blob}s with
 * {@code remaining_bytes} counting down to 0, ending with the padding and SHA-256 etcd's clients
 * check ({@link #trailer}). The bytes are RaftKV's snapshot stream format, not a bbolt file:
 * {@code etcdctl snapshot save} stores and checks them, {@code etcdctl snapshot status/restore}
 * cannot read them.
 *
 * <p>Flow control, deadline and the in-flight slot as for RaftKV's own download: the next chunk
 * is read on the read pool only when the write queue has room; the call ends by the client's
 * deadline, at most {@link ServerLimits#maxSnapshotDownload()}.
 */
final class EtcdSnapshotCall {
    private static final String METHOD = MaintenanceGrpcService.Snapshot.fullMethodName();

    /** Starts a download per incoming call. */
    static final class Factory {
        private final Vertx vertx;
        private final RaftNodeApi node;
        private final CallRunner calls;
        private final ReadPool reads;
        private final ServerLimits limits;

        Factory(Vertx vertx, RaftNodeApi node, CallRunner calls, ReadPool reads, ServerLimits limits) {
            this.vertx = Objects.requireNonNull(vertx, "vertx");
            this.node = Objects.requireNonNull(node, "node");
            this.calls = Objects.requireNonNull(calls, "calls");
            this.reads = Objects.requireNonNull(reads, "reads");
            this.limits = Objects.requireNonNull(limits, "limits");
        }

        void handle(GrpcServerRequest<SnapshotRequest, SnapshotResponse> request) {
            long start = System.nanoTime();
            if (!calls.tryEnter()) {
                request.handler(msg -> {});
                calls.record(METHOD, GrpcStatus.RESOURCE_EXHAUSTED, start);
                ErrorTrailers.fail(request.response(), EtcdErrors.TOO_MANY_REQUESTS);
                return;
            }
            new EtcdSnapshotCall(this, request, start).begin();
        }
    }

    private final Factory f;
    private final GrpcServerRequest<SnapshotRequest, SnapshotResponse> request;
    private final GrpcServerResponse<SnapshotRequest, SnapshotResponse> response;
    private final long startNanos;
    private final Context context;
    private long timerId = -1;
    private boolean done;
    private SnapshotReader reader;
    private boolean reading;
    private long bytesSent;
    private final java.security.MessageDigest sha = sha256();

    private EtcdSnapshotCall(Factory f, GrpcServerRequest<SnapshotRequest, SnapshotResponse> request, long startNanos) {
        this.f = f;
        this.request = request;
        this.response = request.response();
        this.startNanos = startNanos;
        this.context = f.vertx.getOrCreateContext();
    }

    private void begin() {
        long timeout = request.timeout();
        long cap = f.limits.maxSnapshotDownload().toMillis();
        long deadline = timeout > 0 ? Math.min(timeout, cap) : cap;
        timerId = f.vertx.setTimer(deadline, id -> {
            timerId = -1;
            fail(RaftKvException.of(
                    GrpcStatus.DEADLINE_EXCEEDED,
                    "snapshot did not finish within its deadline of " + deadline + " ms"));
        });
        request.exceptionHandler(err -> cancelled());
        request.handler(msg -> f.node.openSnapshotDownload()
                .onComplete(ar -> onContext(() -> {
                    if (ar.failed()) {
                        fail(ar.cause());
                    } else if (done) {
                        closeQuietly(ar.result().reader());
                    } else {
                        reader = ar.result().reader();
                        pump();
                    }
                })));
    }

    private void pump() {
        if (done) {
            return;
        }
        if (response.writeQueueFull()) {
            response.drainHandler(v -> pump());
            return;
        }
        SnapshotReader r = reader;
        reading = true;
        f.reads
                .submit(() -> r.hasNext() ? r.next() : null)
                .onComplete(ar -> onContext(() -> {
                    reading = false;
                    if (done) {
                        closeQuietly(r);
                        return;
                    }
                    if (ar.failed()) {
                        fail(ar.cause());
                        return;
                    }
                    SnapshotChunk chunk = ar.result();
                    if (chunk == null) {
                        finish();
                        return;
                    }
                    bytesSent += chunk.bytes().length;
                    sha.update(chunk.bytes());
                    boolean last = bytesSent == r.totalBytes();
                    com.google.protobuf.ByteString blob = UnsafeByteOperations.unsafeWrap(chunk.bytes());
                    if (last) {
                        blob = blob.concat(UnsafeByteOperations.unsafeWrap(trailer(r.totalBytes())));
                    }
                    SnapshotResponse msg = SnapshotResponse.newBuilder()
                            .setHeader(EtcdProtos.header(
                                    f.node.status(), r.metadata().index()))
                            .setRemainingBytes(last ? 0 : wireBytes(r.totalBytes()) - bytesSent)
                            .setBlob(blob)
                            .build();
                    if (last) {
                        end();
                        response.end(msg);
                        f.calls.record(METHOD, GrpcStatus.OK, startNanos);
                        closeQuietly(r);
                    } else {
                        response.write(msg);
                        pump();
                    }
                }));
    }

    /**
     * etcdctl's {@code snapshot save} accepts a download only if its length is 32 more than a
     * multiple of 512 (a bbolt file is page-aligned, and etcd appends the SHA-256 of the file):
     * after RaftKV's stream (self-delimiting, so readers stop before this) come zeros up to the
     * next multiple of 512 and the SHA-256 of everything before it, as etcd's restore checks.
     */
    private byte[] trailer(long dataBytes) {
        byte[] padding = new byte[padding(dataBytes)];
        sha.update(padding);
        byte[] digest = sha.digest();
        byte[] out = java.util.Arrays.copyOf(padding, padding.length + digest.length);
        System.arraycopy(digest, 0, out, padding.length, digest.length);
        return out;
    }

    static int padding(long dataBytes) {
        return (int) ((512 - dataBytes % 512) % 512);
    }

    /** What the client receives for {@code dataBytes} of snapshot: data, padding, SHA-256. */
    static long wireBytes(long dataBytes) {
        return dataBytes + padding(dataBytes) + 32;
    }

    private void finish() {
        if (bytesSent != reader.totalBytes()) {
            fail(RaftKvException.of(
                    GrpcStatus.DATA_LOSS,
                    "snapshot stream ended after " + bytesSent + " of " + reader.totalBytes() + " bytes"));
            return;
        }
        end();
        response.end(SnapshotResponse.newBuilder()
                .setHeader(EtcdProtos.header(f.node.status(), reader.metadata().index()))
                .setBlob(UnsafeByteOperations.unsafeWrap(trailer(bytesSent)))
                .build());
        f.calls.record(METHOD, GrpcStatus.OK, startNanos);
        closeQuietly(reader);
    }

    private void fail(Throwable error) {
        if (done) {
            return;
        }
        end();
        RaftKvException e = EtcdErrors.of(error);
        f.calls.record(METHOD, e.status(), startNanos);
        ErrorTrailers.fail(response, e);
        closeQuietly(reader);
    }

    private void cancelled() {
        if (done) {
            return;
        }
        end();
        f.calls.record(METHOD, GrpcStatus.CANCELLED, startNanos);
        closeQuietly(reader);
    }

    private void end() {
        done = true;
        if (timerId >= 0) {
            f.vertx.cancelTimer(timerId);
            timerId = -1;
        }
        f.calls.exit();
    }

    private static java.security.MessageDigest sha256() {
        try {
            return java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    private void onContext(Runnable action) {
        if (Vertx.currentContext() == context) {
            action.run();
        } else {
            context.runOnContext(v -> action.run());
        }
    }

    private void closeQuietly(SnapshotReader r) {
        if (r == null || reading) {
            return;
        }
        f.vertx.executeBlocking(
                () -> {
                    r.close();
                    return null;
                },
                false);
    }
}
