package io.raftkv.chaos.workload;

import io.raftkv.api.client.ClientCredentials;
import io.raftkv.api.client.Endpoint;
import io.raftkv.e2e.history.HistoryWriter;
import io.vertx.core.Vertx;
import io.vertx.grpc.client.GrpcClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * Clients that speak etcd's v3 API ({@link EtcdClientWorker}), run beside the native workload into
 * the same history, when {@code -Dchaos.etcdClients=N} asks for them (default 0: none). Their
 * client ids follow the native clients' ({@code firstClientIndex}...).
 */
public final class EtcdWorkload {
    /** The system property that asks for etcd-API clients. */
    public static final String CLIENTS_PROPERTY = "chaos.etcdClients";

    private final AtomicBoolean stop = new AtomicBoolean();
    private final WorkloadStats stats = new WorkloadStats();
    private final List<EtcdClientWorker> workers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final GrpcClient grpc;

    private EtcdWorkload(GrpcClient grpc) {
        this.grpc = grpc;
    }

    /** How many etcd-API clients the run asks for ({@value #CLIENTS_PROPERTY}). */
    public static int requestedClients() {
        return Integer.getInteger(CLIENTS_PROPERTY, 0);
    }

    /** Starts {@code clients} etcd-API clients, or nothing when 0. */
    public static Optional<EtcdWorkload> start(
            int clients,
            int firstClientIndex,
            WorkloadOptions options,
            List<Endpoint> endpoints,
            Vertx vertx,
            KeySpace keys,
            HistoryWriter history,
            LongSupplier clock,
            long seed) {
        return start(clients, firstClientIndex, options, endpoints, vertx, keys, history, clock, seed, null);
    }

    /** Like the other {@code start}, on TLS with {@code credentials} (null: plaintext). */
    public static Optional<EtcdWorkload> start(
            int clients,
            int firstClientIndex,
            WorkloadOptions options,
            List<Endpoint> endpoints,
            Vertx vertx,
            KeySpace keys,
            HistoryWriter history,
            LongSupplier clock,
            long seed,
            ClientCredentials credentials) {
        if (clients <= 0) {
            return Optional.empty();
        }
        GrpcClient grpc = EtcdUnary.client(vertx, options.attemptTimeout(), credentials);
        EtcdWorkload w = new EtcdWorkload(grpc);
        for (int i = 0; i < clients; i++) {
            int index = firstClientIndex + i;
            EtcdClientWorker worker = new EtcdClientWorker(
                    index, grpc, endpoints, options, keys, history, w.stats, clock, seed * 1_000_003L + index, w.stop);
            Thread t = new Thread(worker, "chaos-etcd-client-" + index);
            t.setDaemon(true);
            w.workers.add(worker);
            w.threads.add(t);
        }
        w.threads.forEach(Thread::start);
        return Optional.of(w);
    }

    /**
     * Stops the clients (each ends its current call by its deadline) and closes the connection pool.
     *
     * @throws IllegalStateException if a client failed (a harness bug) or outlived its deadline
     */
    public WorkloadStats.Snapshot stop(WorkloadOptions options) {
        stop.set(true);
        long waitMs = options.opDeadline().toMillis() * 2 + 10_000;
        try {
            for (Thread t : threads) {
                t.join(waitMs);
                if (t.isAlive()) {
                    throw new IllegalStateException(t.getName() + " still running " + waitMs + " ms after stop");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping the etcd clients", e);
        } finally {
            grpc.close();
        }
        for (EtcdClientWorker w : workers) {
            if (w.failure() != null) {
                throw new IllegalStateException("an etcd-API client failed: " + w.failure(), w.failure());
            }
        }
        return stats.snapshot();
    }
}
