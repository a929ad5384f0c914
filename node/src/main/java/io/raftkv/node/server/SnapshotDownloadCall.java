package io.raftkv.node.server;

import com.google.protobuf.UnsafeByteOperations;
import io.raftkv.api.ErrorReason;
import io.raftkv.api.ErrorTrailers;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.v1.BackupChunk;
import io.raftkv.api.v1.BackupMetadata;
import io.raftkv.api.v1.BackupTrailer;
import io.raftkv.api.v1.ClusterGrpcService;
import io.raftkv.api.v1.Member;
import io.raftkv.api.v1.MemberRole;
import io.raftkv.api.v1.SnapshotRequest;
import io.raftkv.api.v1.SnapshotResponse;
import io.raftkv.node.driver.NodeStatus;
import io.raftkv.node.driver.RaftNodeApi;
import io.raftkv.node.driver.SnapshotDownload;
import io.raftkv.node.metrics.SnapshotMetrics;
import io.raftkv.node.storage.SnapshotChunk;
import io.raftkv.node.storage.SnapshotReader;
import io.raftkv.raft.ConfState;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import java.util.Objects;

/**
 * One {@code Cluster.Snapshot} download: a metadata message, the snapshot's chunks in order, then a
 * trailer with the total size and CRC-32C, streamed from {@link RaftNodeApi#openSnapshotDownload()}.
 *
 * <p>Flow control: the next chunk is read (on the {@link ReadPool}: disk reads block) only after
 * the previous one was handed to gRPC and the response's write queue has room, so at most one
 * chunk per download is in memory beyond the transport's window. The call holds one of
 * {@link ServerLimits#maxInFlightCalls()}; its deadline is the client's, capped at
 * {@link ServerLimits#maxSnapshotDownload()} (also when the client sent none): downloads of
 * several GiB take minutes, longer than any other call's {@link ServerLimits#maxDeadline()}. The reader is
 * closed on every path: end, failure, deadline and client cancel.
 *
 * <p>All fields are touched only on the context that received the call.
 */
public final class SnapshotDownloadCall {
    private static final String METHOD = ClusterGrpcService.Snapshot.fullMethodName();

    /** Starts a download per incoming call. */
    public static final class Factory {
        private final Vertx vertx;
        private final RaftNodeApi node;
        private final CallRunner calls;
        private final ReadPool reads;
        private final ServerLimits limits;
        private final SnapshotMetrics metrics;

        public Factory(
                Vertx vertx,
                RaftNodeApi node,
                CallRunner calls,
                ReadPool reads,
                ServerLimits limits,
                SnapshotMetrics metrics) {
            this.vertx = Objects.requireNonNull(vertx, "vertx");
            this.node = Objects.requireNonNull(node, "node");
            this.calls = Objects.requireNonNull(calls, "calls");
            this.reads = Objects.requireNonNull(reads, "reads");
            this.limits = Objects.requireNonNull(limits, "limits");
            this.metrics = Objects.requireNonNull(metrics, "metrics");
        }

        /** The gRPC handler of {@code raftkv.v1.Cluster/Snapshot}. */
        public void handle(GrpcServerRequest<SnapshotRequest, SnapshotResponse> request) {
            long start = System.nanoTime();
            if (!calls.tryEnter()) {
                request.handler(msg -> {});
                calls.record(METHOD, GrpcStatus.RESOURCE_EXHAUSTED, start);
                ErrorTrailers.fail(
                        request.response(),
                        RaftKvException.of(
                                ErrorReason.OVERLOADED,
                                "more than " + limits.maxInFlightCalls()
                                        + " client calls in flight (maxInFlightCalls)"));
                return;
            }
            new SnapshotDownloadCall(this, request, start).begin();
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
    /** A chunk read is running on the read pool: the reader must not be closed under it. */
    private boolean reading;

    private long bytesSent;

    private SnapshotDownloadCall(
            Factory f, GrpcServerRequest<SnapshotRequest, SnapshotResponse> request, long startNanos) {
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
                    "snapshot download did not finish within its deadline of " + deadline + " ms"));
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
                        response.write(SnapshotResponse.newBuilder()
                                .setMetadata(metadata(ar.result()))
                                .build());
                        pump();
                    }
                })));
    }

    private BackupMetadata metadata(SnapshotDownload d) {
        NodeStatus s = f.node.status();
        BackupMetadata.Builder b = BackupMetadata.newBuilder()
                .setHeader(Protos.header(s, d.metadata().index(), d.revision()))
                .setIndex(d.metadata().index())
                .setTerm(d.metadata().term())
                .setTotalBytes(d.reader().totalBytes())
                .setFormat(d.format());
        ConfState conf = d.metadata().confState();
        conf.voters().stream().sorted().forEach(id -> b.addMembers(member(s, id, false)));
        conf.learners().stream().sorted().forEach(id -> b.addMembers(member(s, id, true)));
        return b.build();
    }

    private static Member member(NodeStatus s, long id, boolean learner) {
        Member.Builder m = Member.newBuilder().setId(id).setRole(learner ? MemberRole.LEARNER : MemberRole.VOTER);
        s.members().stream()
                .filter(x -> x.id() == id)
                .findFirst()
                .ifPresent(x -> m.setPeerAddress(x.peerAddress()).setClientAddress(x.clientAddress()));
        return m.build();
    }

    /** Sends chunks while the write queue has room; resumes from the drain handler. */
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
                        finishOk();
                        return;
                    }
                    bytesSent += chunk.bytes().length;
                    response.write(SnapshotResponse.newBuilder()
                            .setChunk(BackupChunk.newBuilder()
                                    .setOffset(chunk.offset())
                                    .setData(UnsafeByteOperations.unsafeWrap(chunk.bytes()))
                                    .setCrc32C(chunk.crc32c()))
                            .build());
                    pump();
                }));
    }

    private void finishOk() {
        if (bytesSent != reader.totalBytes()) {
            fail(RaftKvException.of(
                    GrpcStatus.DATA_LOSS,
                    "snapshot stream ended after " + bytesSent + " of " + reader.totalBytes() + " bytes"));
            return;
        }
        end();
        response.end(SnapshotResponse.newBuilder()
                .setTrailer(BackupTrailer.newBuilder().setTotalBytes(bytesSent).setCrc32C(reader.checksum()))
                .build());
        f.calls.record(METHOD, GrpcStatus.OK, startNanos);
        f.metrics.record(SnapshotMetrics.Kind.DOWNLOADED, bytesSent, System.nanoTime() - startNanos, true);
        closeQuietly(reader);
    }

    private void fail(Throwable error) {
        if (done) {
            return;
        }
        end();
        RaftKvException e = GrpcErrors.toRaftKvException(error);
        f.calls.record(METHOD, e.status(), startNanos);
        f.metrics.record(SnapshotMetrics.Kind.DOWNLOADED, 0, System.nanoTime() - startNanos, false);
        ErrorTrailers.fail(response, e);
        closeQuietly(reader);
    }

    private void cancelled() {
        if (done) {
            return;
        }
        end();
        f.calls.record(METHOD, GrpcStatus.CANCELLED, startNanos);
        f.metrics.record(SnapshotMetrics.Kind.DOWNLOADED, 0, System.nanoTime() - startNanos, false);
        closeQuietly(reader);
    }

    /** Marks the call finished: cancels the deadline and returns the in-flight slot. */
    private void end() {
        done = true;
        if (timerId >= 0) {
            f.vertx.cancelTimer(timerId);
            timerId = -1;
        }
        f.calls.exit();
    }

    private void onContext(Runnable action) {
        if (Vertx.currentContext() == context) {
            action.run();
        } else {
            context.runOnContext(v -> action.run());
        }
    }

    /**
     * Releases the snapshot's files on a worker thread (closing may touch the disk); while a chunk
     * read runs, the read's completion closes instead.
     */
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
