package io.raftkv.api.client;

import io.raftkv.api.ErrorReason;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.v1.Event;
import io.raftkv.api.v1.WatchCreateRequest;
import io.raftkv.api.v1.WatchGrpcClient;
import io.raftkv.api.v1.WatchRequest;
import io.raftkv.api.v1.WatchResponse;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.common.GrpcStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * One watch that survives disconnects and leader changes: when its stream fails (the member
 * stopped, the connection broke) or the member cancels it for a reason it can resume from (a slow
 * client), it opens a new stream on the next member and watches again from the revision after the
 * last one it fully delivered, so the listener sees every change of the keys exactly once, in
 * revision order. Any member serves a watch (followers from their applied state), so no leader is
 * needed. It stops for good only on {@link #close()} or a terminal error: the resume revision was
 * compacted (the listener gets {@code REVISION_COMPACTED} naming the compact revision; re-list and
 * watch again), or the request itself was refused (bad input, no permission).
 *
 * <p>Callbacks run on one Vert.x context, in order. Create with {@link RaftKvClient#watch}.
 */
public final class Watcher implements AutoCloseable {
    /** Receives a watcher's changes. Called on one context, never concurrently. */
    public interface Listener {
        /** Changes of one or more whole revisions; every change up to {@code revision} has now been delivered. */
        void onEvents(List<Event> events, long revision);

        /** A progress notification: every change up to {@code revision} has been delivered. */
        default void onProgress(long revision) {}

        /** The watch ended and will not resume (compacted, refused, or closed by the caller: null). */
        void onClosed(RaftKvException errorOrNull);
    }

    private static final long MIN_BACKOFF_MS = 50;
    private static final long MAX_BACKOFF_MS = 2_000;

    private final Vertx vertx;
    private final Context context;
    private final Supplier<GrpcClient> clients;
    private final List<Endpoint> endpoints;
    private final WatchCreateRequest request;
    private final Listener listener;
    /** The next revision not yet delivered; 0 until the first stream says where "now" is. */
    private long next;

    private int endpointIndex;
    private long backoffMs = MIN_BACKOFF_MS;
    private GrpcClientRequest<WatchRequest, WatchResponse> stream;
    private int attempt;
    private boolean closed;
    private long resumes;

    Watcher(
            Vertx vertx,
            Supplier<GrpcClient> clients,
            List<Endpoint> endpoints,
            Endpoint preferred,
            WatchCreateRequest request,
            Listener listener) {
        this.vertx = vertx;
        this.context = vertx.getOrCreateContext();
        this.clients = clients;
        this.endpoints = List.copyOf(endpoints);
        this.request = Objects.requireNonNull(request, "request");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.next = request.getStartRevision();
        this.endpointIndex = Math.max(0, this.endpoints.indexOf(preferred));
        if (this.endpoints.isEmpty()) {
            throw new IllegalArgumentException("no endpoints to watch from");
        }
    }

    void start() {
        context.runOnContext(v -> open());
    }

    /** The next revision the watcher will deliver (0 before the first stream opened). */
    public long nextRevision() {
        return next;
    }

    /** How many times the watch was resumed on a new stream. */
    public long resumes() {
        return resumes;
    }

    private void open() {
        if (closed) {
            return;
        }
        int mine = ++attempt;
        Endpoint target = endpoints.get(endpointIndex % endpoints.size());
        WatchCreateRequest create =
                request.toBuilder().setStartRevision(next).setWatchId(1).build();
        clients.get().request(target.toSocketAddress(), WatchGrpcClient.Watch).onComplete(ar -> {
            if (ar.failed()) {
                retry(mine, ar.cause());
                return;
            }
            GrpcClientRequest<WatchRequest, WatchResponse> req = ar.result();
            if (closed || mine != attempt) {
                req.cancel();
                return;
            }
            stream = req;
            req.exceptionHandler(err -> retry(mine, err));
            req.response().onComplete(rar -> {
                if (rar.failed()) {
                    retry(mine, rar.cause());
                    return;
                }
                var resp = rar.result();
                resp.handler(m -> onResponse(mine, m));
                resp.exceptionHandler(err -> retry(mine, err));
                resp.endHandler(v -> retry(
                        mine,
                        new IllegalStateException(
                                "member " + target + " ended the watch stream (" + resp.status() + ")")));
            });
            req.write(WatchRequest.newBuilder().setCreateRequest(create).build());
        });
    }

    private void onResponse(int mine, WatchResponse m) {
        if (closed || mine != attempt) {
            return;
        }
        if (m.getCanceled()) {
            if (m.getCompactRevision() > 0) {
                finish(RaftKvException.of(ErrorReason.REVISION_COMPACTED, m.getCancelReason()));
            } else if (m.getCancelReason().startsWith("slow watcher")
                    || m.getCancelReason().contains("retry")) {
                retry(mine, new IllegalStateException(m.getCancelReason()));
            } else {
                finish(RaftKvException.of(GrpcStatus.FAILED_PRECONDITION, "watch refused: " + m.getCancelReason()));
            }
            return;
        }
        long revision = m.getHeader().getRevision();
        if (m.getCreated()) {
            backoffMs = MIN_BACKOFF_MS;
            if (next == 0) {
                next = revision + 1;
            }
            return;
        }
        if (m.getEventsCount() == 0) {
            if (revision >= next) {
                next = revision + 1;
                listener.onProgress(revision);
            }
            return;
        }
        List<Event> fresh = new ArrayList<>(m.getEventsCount());
        for (Event e : m.getEventsList()) {
            if (e.getKv().getModRevision() >= next) { // a resumed stream never repeats; this only guards it
                fresh.add(e);
            }
        }
        next = Math.max(next, revision + 1);
        if (!fresh.isEmpty()) {
            listener.onEvents(fresh, revision);
        }
    }

    private void retry(int mine, Throwable cause) {
        if (closed || mine != attempt) {
            return;
        }
        if (stream != null) {
            stream.cancel();
            stream = null;
        }
        attempt++;
        endpointIndex++;
        resumes++;
        long delay = backoffMs;
        backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
        vertx.setTimer(delay, id -> context.runOnContext(v -> open()));
    }

    private void finish(RaftKvException error) {
        if (closed) {
            return;
        }
        closed = true;
        if (stream != null) {
            stream.cancel();
            stream = null;
        }
        listener.onClosed(error);
    }

    /** Stops watching; the listener gets {@code onClosed(null)}. */
    @Override
    public void close() {
        context.runOnContext(v -> finish(null));
    }
}
