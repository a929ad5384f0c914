package io.raftkv.node.server;

import io.raftkv.api.ErrorReason;
import io.raftkv.api.ErrorTrailers;
import io.raftkv.api.RaftKvException;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.health.handler.GrpcHealthCheckV1Handler;
import io.vertx.grpc.health.handler.GrpcHealthListV1Handler;
import io.vertx.grpc.health.handler.GrpcHealthWatchV1Handler;
import io.vertx.grpc.health.v1.HealthCheckRequest;
import io.vertx.grpc.health.v1.HealthCheckResponse;
import io.vertx.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.vertx.grpc.health.v1.HealthListRequest;
import io.vertx.grpc.health.v1.HealthListResponse;
import io.vertx.grpc.health.v1.HealthProto;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import io.vertx.grpc.server.Service;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The standard {@code grpc.health.v1.Health} service (Check, Watch, List), which Kubernetes'
 * native gRPC probes and load balancers call. Statuses come from {@link NodeHealth}; Watch streams
 * are pushed a message on every change that {@link #refresh()} (called at the status poll
 * interval) detects, instead of each stream polling on its own timer.
 *
 * <p>Written here rather than taken from {@code vertx-grpc-health}'s implementation (whose message
 * types and method descriptors it reuses) because that one polls every check on a fixed 2.5 s timer
 * per server that is never cancelled and keeps no bound on watchers. Here: at most
 * {@link ServerLimits#maxHealthWatchers()} Watch streams (RESOURCE_EXHAUSTED beyond); a watcher
 * whose write queue is full skips intermediate statuses and is sent the latest one when it drains;
 * {@link #close()} ends every stream.
 */
public final class HealthV1Service {
    static final ServiceName SERVICE_NAME = ServiceName.create("grpc.health.v1.Health");

    private final Supplier<Map<String, ServingStatus>> source;
    private final int maxWatchers;
    private final Map<Watcher, Boolean> watchers = new ConcurrentHashMap<>();
    private final AtomicInteger watcherCount = new AtomicInteger();
    private final AtomicLong samples = new AtomicLong();
    /**
     * The newest statuses computed by {@link #refresh()}, replaced whole. Each sample is numbered
     * before the source is read and only a higher-numbered sample may replace the current one, so
     * two refreshes racing (the poller's and a new watcher's) never leave an older reading in place.
     */
    private final AtomicReference<Sample> current = new AtomicReference<>();

    private record Sample(long seq, Map<String, ServingStatus> statuses) {}

    /** @param source every service name this server reports on, with its status now (must not block) */
    public HealthV1Service(Supplier<Map<String, ServingStatus>> source, ServerLimits limits) {
        this.source = Objects.requireNonNull(source, "source");
        this.maxWatchers = limits.maxHealthWatchers();
        refresh();
    }

    /** The gRPC service to add to the server. */
    public Service service() {
        return Service.service(SERVICE_NAME, HealthProto.getDescriptor().findServiceByName("Health"))
                .bind(GrpcHealthCheckV1Handler.SERVICE_METHOD, this::check)
                .bind(GrpcHealthWatchV1Handler.SERVICE_METHOD, this::watch)
                .bind(GrpcHealthListV1Handler.SERVICE_METHOD, this::list)
                .build();
    }

    /**
     * Recomputes every status and pushes changes to the watchers. Safe from any thread; cheap when
     * nothing changed.
     */
    public void refresh() {
        Sample next = new Sample(samples.incrementAndGet(), Map.copyOf(source.get()));
        Sample before = current.getAndAccumulate(
                next, (old, candidate) -> old == null || candidate.seq() > old.seq() ? candidate : old);
        if (before != null && (before.seq() > next.seq() || before.statuses().equals(next.statuses()))) {
            return;
        }
        for (Watcher w : watchers.keySet()) {
            w.context.runOnContext(v -> w.sendLatest());
        }
    }

    /** Open Watch streams. */
    public int watcherCount() {
        return watcherCount.get();
    }

    /** Ends every Watch stream (status OK, as a server shutting down does). */
    public void close() {
        for (Watcher w : watchers.keySet()) {
            w.context.runOnContext(v -> w.end());
        }
    }

    private ServingStatus statusOf(String service) {
        return current.get().statuses().getOrDefault(service, ServingStatus.SERVICE_UNKNOWN);
    }

    private void check(GrpcServerRequest<HealthCheckRequest, HealthCheckResponse> request) {
        request.handler(msg -> {
            ServingStatus s = Map.copyOf(source.get()).getOrDefault(msg.getService(), ServingStatus.SERVICE_UNKNOWN);
            if (s == ServingStatus.SERVICE_UNKNOWN) {
                ErrorTrailers.fail(
                        request.response(),
                        RaftKvException.of(
                                GrpcStatus.NOT_FOUND,
                                "unknown service '" + msg.getService() + "'; known: "
                                        + current.get().statuses().keySet()));
                return;
            }
            request.response().end(HealthCheckResponse.newBuilder().setStatus(s).build());
        });
    }

    private void list(GrpcServerRequest<HealthListRequest, HealthListResponse> request) {
        request.handler(msg -> {
            HealthListResponse.Builder b = HealthListResponse.newBuilder();
            Map.copyOf(source.get())
                    .forEach((name, s) -> b.putStatuses(
                            name, HealthCheckResponse.newBuilder().setStatus(s).build()));
            request.response().end(b.build());
        });
    }

    private void watch(GrpcServerRequest<HealthCheckRequest, HealthCheckResponse> request) {
        request.handler(msg -> {
            if (watcherCount.incrementAndGet() > maxWatchers) {
                watcherCount.decrementAndGet();
                ErrorTrailers.fail(
                        request.response(),
                        RaftKvException.of(
                                ErrorReason.OVERLOADED,
                                "more than " + maxWatchers + " health watch streams open (maxHealthWatchers)"));
                return;
            }
            Watcher w = new Watcher(msg.getService(), request.response(), Vertx.currentContext());
            watchers.put(w, Boolean.TRUE);
            request.exceptionHandler(err -> w.remove());
            request.response().exceptionHandler(err -> w.remove());
            refresh();
            w.sendLatest();
        });
    }

    /** One Watch stream; touched only on {@link #context}. */
    private final class Watcher {
        private final String service;
        private final GrpcServerResponse<HealthCheckRequest, HealthCheckResponse> response;
        private final Context context;
        private ServingStatus lastSent;
        private boolean removed;

        Watcher(String service, GrpcServerResponse<HealthCheckRequest, HealthCheckResponse> response, Context context) {
            this.service = service;
            this.response = response;
            this.context = context;
        }

        /** Sends the current status unless it was the last one sent or the stream is backed up. */
        void sendLatest() {
            if (removed) {
                return;
            }
            ServingStatus s = statusOf(service);
            if (s == lastSent) {
                return;
            }
            if (response.writeQueueFull()) {
                response.drainHandler(v -> sendLatest());
                return;
            }
            lastSent = s;
            response.write(HealthCheckResponse.newBuilder().setStatus(s).build());
        }

        void end() {
            if (!removed) {
                remove();
                response.end();
            }
        }

        void remove() {
            if (!removed) {
                removed = true;
                watchers.remove(this);
                watcherCount.decrementAndGet();
            }
        }
    }
}
