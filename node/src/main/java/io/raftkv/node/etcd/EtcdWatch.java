package io.raftkv.node.etcd;

import com.google.protobuf.UnknownFieldSet;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.v1.Header;
import io.raftkv.etcd.api.Event;
import io.raftkv.etcd.api.ResponseHeader;
import io.raftkv.etcd.api.WatchCreateRequest;
import io.raftkv.etcd.api.WatchGrpcService;
import io.raftkv.etcd.api.WatchRequest;
import io.raftkv.etcd.api.WatchResponse;
import io.raftkv.node.server.CallRunner;
import io.raftkv.node.server.CountedStream;
import io.raftkv.node.server.ServerLimits;
import io.raftkv.node.watch.WatchHub;
import io.raftkv.node.watch.WatchSink;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.Service;
import java.util.Arrays;

/**
 * {@code etcdserverpb.Watch} on the member's {@link WatchHub} (the same hub as {@code raftkv.v1.Watch}):
 * every member serves it from its own applied state. Each stream is one {@link Call}: it turns
 * etcd's requests into the hub's and the hub's responses into etcd's, with etcd 3.4's semantics
 * where the two differ:
 * <ul>
 *   <li><b>Keys.</b> An empty key is {@code \0}; {@code range_end = \0} means every key from
 *       {@code key} on; {@code key ≥ range_end} is created and canceled, {@code mvcc: watcher
 *       range is empty}.</li>
 *   <li><b>Watch ids.</b> Server-chosen ids start at 0 per stream, as etcd's; a client's own id
 *       (field 7, {@code watch_id}, which the published proto lacks: read from the unknown fields)
 *       is used as given, a duplicate answered {@code mvcc: duplicate watch ID provided on the
 *       WatchStream} with id -1. The hub's ids are etcd's plus one (its 0 means "choose").</li>
 *   <li><b>Compacted start revision.</b> Created, then canceled with {@code compact_revision} set
 *       (two responses, no cancel reason), as etcd sends them; a start revision equal to the
 *       compact revision is served.</li>
 *   <li><b>Cancel.</b> Answered {@code canceled} with no reason; an unknown id is not answered.</li>
 *   <li><b>Progress request.</b> {@code watch_id = -1}, the header revision below which every
 *       event of this stream has been sent.</li>
 *   <li><b>fragment</b> (field 8, also absent from the published proto) is ignored: responses are
 *       never split (the hub bounds each to {@link io.raftkv.node.watch.WatchOptions#batchBytes()}
 *       except a single revision with more changes), and a client that asked for fragments reads an
 *       unsplit response as it is.</li>
 *   <li><b>Slow watcher.</b> Where etcd 3.4 parks a watcher whose client does not read, the hub
 *       cancels it with a reason naming the revision to resume from (clients see a canceled watch
 *       with that reason, clientv3 an error, and watch again).</li>
 * </ul>
 * jetcd's proto also declares a unary {@code Watch/Progress}, which etcd has not: UNIMPLEMENTED.
 */
final class EtcdWatch {
    static final String METHOD = WatchGrpcService.Watch.fullMethodName();
    /** {@code WatchCreateRequest.watch_id} and {@code fragment} in etcd ≥ 3.4's rpc.proto. */
    static final int WATCH_ID_FIELD = 7;

    static final String DUPLICATE_ID = "mvcc: duplicate watch ID provided on the WatchStream";
    static final String EMPTY_RANGE = "mvcc: watcher range is empty";
    /** The hub's reason on the answer to a client's cancel, which etcd gives without a reason. */
    private static final String CLIENT_CANCEL = "canceled by the client";

    private final Vertx vertx;
    private final WatchHub hub;
    private final CallRunner calls;
    private final ServerLimits limits;

    EtcdWatch(Vertx vertx, WatchHub hub, CallRunner calls, ServerLimits limits) {
        this.vertx = vertx;
        this.hub = hub;
        this.calls = calls;
        this.limits = limits;
    }

    Service service() {
        return Service.service(WatchGrpcService.SERVICE_NAME, WatchGrpcService.SERVICE_DESCRIPTOR)
                .bind(WatchGrpcService.Watch, request -> new Call(request).start())
                .bind(
                        WatchGrpcService.Progress,
                        calls.unary(
                                WatchGrpcService.Progress,
                                r -> Future.failedFuture(EtcdErrors.unsupported(
                                        "the unary Watch/Progress (not an etcd RPC; send a progress_request on the Watch"
                                                + " stream)"))))
                .build();
    }

    /** The etcd id a client gave in a create request (field 7), 0 when none. */
    static long requestedId(WatchCreateRequest c) {
        UnknownFieldSet.Field f = c.getUnknownFields().getField(WATCH_ID_FIELD);
        return f == null || f.getVarintList().isEmpty()
                ? 0
                : f.getVarintList().get(f.getVarintList().size() - 1);
    }

    /** One etcd Watch stream; its handlers run on the context that received it. */
    private final class Call implements WatchSink {
        private final GrpcServerRequest<WatchRequest, WatchResponse> request;
        private final CountedStream<WatchResponse> stream;

        Call(GrpcServerRequest<WatchRequest, WatchResponse> request) {
            this.request = request;
            this.stream = new CountedStream<>(request, vertx.getOrCreateContext());
        }

        void start() {
            request.handler(this::onMessage);
            request.endHandler(v -> end());
            request.exceptionHandler(e -> close());
            request.errorHandler(e -> close());
        }

        private void onMessage(WatchRequest r) {
            switch (r.getRequestUnionCase()) {
                case CREATE_REQUEST -> create(r.getCreateRequest());
                case CANCEL_REQUEST -> {
                    long id = r.getCancelRequest().getWatchId();
                    if (id >= 0) {
                        hub.cancel(this, id + 1);
                    }
                }
                case PROGRESS_REQUEST -> hub.progress(this);
                case REQUESTUNION_NOT_SET -> {
                    // etcd ignores a request with nothing set
                }
            }
        }

        private void create(WatchCreateRequest c) {
            long id = requestedId(c);
            byte[] start = c.getKey().isEmpty() ? new byte[] {0} : c.getKey().toByteArray();
            byte[] rangeEnd = c.getRangeEnd().toByteArray();
            byte[] end;
            if (rangeEnd.length == 0) {
                end = Arrays.copyOf(start, start.length + 1);
            } else if (rangeEnd.length == 1 && rangeEnd[0] == 0) {
                end = null;
            } else {
                end = rangeEnd;
                if (Arrays.compareUnsigned(start, end) >= 0) {
                    refuse(-1, EMPTY_RANGE);
                    return;
                }
            }
            if (id < 0) {
                refuse(-1, "raftkv: watch_id must not be negative, got " + id);
                return;
            }
            if (start.length > limits.maxKeyBytes() || rangeEnd.length > limits.maxKeyBytes() + 1) {
                refuse(
                        -1,
                        "etcdserver: request is too large (key or range_end longer than " + limits.maxKeyBytes()
                                + " bytes)");
                return;
            }
            try {
                calls.authorize(
                        request,
                        METHOD,
                        WatchRequest.newBuilder().setCreateRequest(c).build());
            } catch (RaftKvException e) {
                refuse(
                        id,
                        e.status() == GrpcStatus.PERMISSION_DENIED
                                ? EtcdErrors.PERMISSION_DENIED.getMessage()
                                : e.getMessage());
                return;
            }
            io.raftkv.api.v1.WatchCreateRequest.Builder h = io.raftkv.api.v1.WatchCreateRequest.newBuilder()
                    .setWatchId(id + 1)
                    .setStartRevision(c.getStartRevision())
                    .setPrevKv(c.getPrevKv())
                    .setProgressNotify(c.getProgressNotify());
            for (WatchCreateRequest.FilterType f : c.getFiltersList()) {
                switch (f) {
                    case NOPUT -> h.addFilters(io.raftkv.api.v1.WatchCreateRequest.FilterType.NOPUT);
                    case NODELETE -> h.addFilters(io.raftkv.api.v1.WatchCreateRequest.FilterType.NODELETE);
                    case UNRECOGNIZED -> {
                        // etcd ignores filters it does not know
                    }
                }
            }
            hub.create(this, h.build(), start, end);
        }

        private void refuse(long id, String reason) {
            write(WatchResponse.newBuilder()
                    .setWatchId(id)
                    .setCreated(true)
                    .setCanceled(true)
                    .setCancelReason(reason)
                    .build());
        }

        /** From the hub (its thread): translated to etcd's form and queued for the client. */
        @Override
        public void send(io.raftkv.api.v1.WatchResponse r) {
            if (stream.isClosed()) {
                return;
            }
            long id = r.getWatchId() > 0 ? r.getWatchId() - 1 : r.getWatchId();
            ResponseHeader header = header(r.getHeader());
            WatchResponse.Builder b =
                    WatchResponse.newBuilder().setHeader(header).setWatchId(id);
            if (r.getCreated()) {
                b.setCreated(true);
                if (r.getCanceled() && r.getCompactRevision() != 0) {
                    // etcd: created, then canceled with the compact revision
                    write(b.build());
                    write(WatchResponse.newBuilder()
                            .setHeader(header)
                            .setWatchId(id)
                            .setCanceled(true)
                            .setCompactRevision(r.getCompactRevision())
                            .build());
                    return;
                }
                if (r.getCanceled()) {
                    String reason = r.getCancelReason();
                    if (reason.endsWith("already in use on this stream")) {
                        b.setWatchId(-1).setCancelReason(DUPLICATE_ID);
                    } else {
                        b.setCancelReason(reason);
                    }
                    b.setCanceled(true);
                }
                write(b.build());
                return;
            }
            if (r.getCanceled()) {
                b.setCanceled(true);
                if (r.getCompactRevision() != 0) {
                    b.setCompactRevision(r.getCompactRevision());
                } else if (!r.getCancelReason().equals(CLIENT_CANCEL)) {
                    b.setCancelReason(r.getCancelReason());
                }
                write(b.build());
                return;
            }
            for (io.raftkv.api.v1.Event e : r.getEventsList()) {
                b.addEvents(event(e));
            }
            write(b.build());
        }

        private void write(WatchResponse response) {
            stream.write(response);
        }

        @Override
        public long pendingBytes() {
            return stream.pendingBytes();
        }

        /** The client ended its side: end ours. */
        private void end() {
            stream.end(() -> hub.closed(this));
        }

        private void close() {
            stream.close(() -> hub.closed(this));
        }
    }

    static ResponseHeader header(Header h) {
        return ResponseHeader.newBuilder()
                .setClusterId(h.getClusterId())
                .setMemberId(h.getMemberId())
                .setRevision(h.getRevision())
                .setRaftTerm(h.getTerm())
                .build();
    }

    static Event event(io.raftkv.api.v1.Event e) {
        Event.Builder b = Event.newBuilder()
                .setType(
                        e.getType() == io.raftkv.api.v1.Event.EventType.DELETE
                                ? Event.EventType.DELETE
                                : Event.EventType.PUT)
                .setKv(keyValue(e.getKv()));
        if (e.hasPrevKv()) {
            b.setPrevKv(keyValue(e.getPrevKv()));
        }
        return b.build();
    }

    private static io.raftkv.etcd.api.KeyValue keyValue(io.raftkv.api.v1.KeyValue kv) {
        return io.raftkv.etcd.api.KeyValue.newBuilder()
                .setKey(kv.getKey())
                .setValue(kv.getValue())
                .setCreateRevision(kv.getCreateRevision())
                .setModRevision(kv.getModRevision())
                .setVersion(kv.getVersion())
                .setLease(kv.getLease())
                .build();
    }
}
