package io.raftkv.node.server;

import io.raftkv.api.RaftKvException;
import io.raftkv.api.v1.WatchCreateRequest;
import io.raftkv.api.v1.WatchGrpcService;
import io.raftkv.api.v1.WatchRequest;
import io.raftkv.api.v1.WatchResponse;
import io.raftkv.node.kv.KeyRanges;
import io.raftkv.node.watch.WatchHub;
import io.raftkv.node.watch.WatchSink;
import io.vertx.core.Vertx;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.Service;
import java.util.Arrays;

/**
 * {@code raftkv.v1.Watch}: one {@link WatchCall} per stream, feeding the member's {@link WatchHub}.
 * A create request is validated and authorized like a Range of the same keys (the read role on a
 * prefix scope covering them, {@link CallRunner#authorize}); a refused one is answered in-band
 * (created and canceled, with the reason), so one bad request never ends the stream.
 */
public final class WatchService {
    static final String METHOD = WatchGrpcService.Watch.fullMethodName();

    private final Vertx vertx;
    private final WatchHub hub;
    private final CallRunner calls;
    private final ServerLimits limits;

    public WatchService(Vertx vertx, WatchHub hub, CallRunner calls, ServerLimits limits) {
        this.vertx = vertx;
        this.hub = hub;
        this.calls = calls;
        this.limits = limits;
    }

    public Service service() {
        return Service.service(WatchGrpcService.SERVICE_NAME, WatchGrpcService.SERVICE_DESCRIPTOR)
                .bind(WatchGrpcService.Watch, request -> new WatchCall(request).start())
                .build();
    }

    /** One Watch stream; its handlers run on the context that received it. */
    private final class WatchCall implements WatchSink {
        private final GrpcServerRequest<WatchRequest, WatchResponse> request;
        private final CountedStream<WatchResponse> stream;

        WatchCall(GrpcServerRequest<WatchRequest, WatchResponse> request) {
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
            switch (r.getRequestCase()) {
                case CREATE_REQUEST -> create(r.getCreateRequest());
                case CANCEL_REQUEST -> hub.cancel(this, r.getCancelRequest().getWatchId());
                case PROGRESS_REQUEST -> hub.progress(this);
                case REQUEST_NOT_SET ->
                    refuse(0, "empty watch request: set create_request, cancel_request or" + " progress_request");
            }
        }

        private void create(WatchCreateRequest c) {
            byte[] start = c.getKey().toByteArray();
            byte[] end;
            try {
                if (c.getPrefix() && !c.getRangeEnd().isEmpty()) {
                    throw GrpcErrors.invalid("prefix and range_end are exclusive");
                }
                if (start.length > limits.maxKeyBytes() || c.getRangeEnd().size() > limits.maxKeyBytes() + 1) {
                    throw GrpcErrors.invalid("key or range_end is longer than the limit of " + limits.maxKeyBytes()
                            + " bytes (maxKeyBytes)");
                }
                if (c.getPrefix()) {
                    end = start.length == 0 ? null : KeyRanges.prefixEnd(start);
                    start = start.length == 0 ? new byte[] {0} : start;
                } else if (!c.getRangeEnd().isEmpty()) {
                    end = c.getRangeEnd().toByteArray();
                    if (start.length == 0 || Arrays.compareUnsigned(start, end) >= 0) {
                        throw GrpcErrors.invalid("key must be non-empty and sort before range_end");
                    }
                } else {
                    if (start.length == 0) {
                        throw GrpcErrors.invalid(
                                "key must not be empty (prefix=true with an empty key watches every key)");
                    }
                    end = Arrays.copyOf(start, start.length + 1);
                }
                if (c.getStartRevision() < 0) {
                    throw GrpcErrors.invalid("start_revision must be ≥ 0, got " + c.getStartRevision());
                }
                calls.authorize(request, METHOD, c);
            } catch (RaftKvException e) {
                refuse(c.getWatchId(), e.status() + ": " + e.getMessage());
                return;
            } catch (IllegalArgumentException e) {
                refuse(c.getWatchId(), "INVALID_ARGUMENT: " + e.getMessage());
                return;
            }
            hub.create(this, c, start, end);
        }

        private void refuse(long watchId, String reason) {
            send(WatchResponse.newBuilder()
                    .setWatchId(watchId)
                    .setCreated(true)
                    .setCanceled(true)
                    .setCancelReason(reason)
                    .build());
        }

        @Override
        public void send(WatchResponse response) {
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
}
