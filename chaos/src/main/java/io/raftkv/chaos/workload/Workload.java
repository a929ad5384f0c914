package io.raftkv.chaos.workload;

import io.raftkv.api.client.ClientCredentials;
import io.raftkv.api.client.Endpoint;
import io.raftkv.api.client.RaftKvClient;
import io.raftkv.api.client.RetryPolicy;
import io.raftkv.e2e.history.HistoryWriter;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * {@link WorkloadOptions#clients()} concurrent clients ({@link ClientWorker}, one thread each, one
 * operation in flight each) recording into one history until {@link #stop()}.
 *
 * <p>The leader-bound client follows NOT_LEADER hints and retries with backoff within the
 * operation deadline ({@link RetryPolicy} with many attempts: the deadline, not the attempt count,
 * ends a call). The readers for reads from any node are pinned to one node each and never retry.
 */
public final class Workload {
    /** Attempts are bounded by the deadline; this only keeps a pathological loop finite. */
    private static final RetryPolicy WITHIN_DEADLINE =
            new RetryPolicy(60, Duration.ofMillis(20), Duration.ofMillis(400), 0.2);

    private final WorkloadOptions options;
    private final WorkloadStats stats = new WorkloadStats();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final CountDownLatch failed = new CountDownLatch(1);
    private final List<ClientWorker> workers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final List<RaftKvClient> clients = new ArrayList<>();

    private Workload(WorkloadOptions options) {
        this.options = options;
    }

    /**
     * Starts the clients.
     *
     * @param endpoints client endpoints of the cluster's members
     * @param vertx     the event loops the clients share (not closed here)
     * @param keys      the key space (shared with the final reads)
     * @param history   where completed operations go
     * @param clock     the history's monotonic clock ({@code System::nanoTime})
     * @param seed      seeds each client's choices ({@code seed + client index})
     * @param events    receives notable events for the run's event log
     */
    public static Workload start(
            WorkloadOptions options,
            List<Endpoint> endpoints,
            Vertx vertx,
            KeySpace keys,
            HistoryWriter history,
            LongSupplier clock,
            long seed,
            Consumer<String> events) {
        return start(options, endpoints, vertx, keys, history, clock, seed, events, null);
    }

    /**
     * Like the other {@code start}, on TLS with {@code credentials} (null: plaintext), for a
     * cluster whose nodes run with TLS and authentication on.
     */
    public static Workload start(
            WorkloadOptions options,
            List<Endpoint> endpoints,
            Vertx vertx,
            KeySpace keys,
            HistoryWriter history,
            LongSupplier clock,
            long seed,
            Consumer<String> events,
            ClientCredentials credentials) {
        Workload w = new Workload(options);
        RaftKvClient writer = RaftKvClient.builder()
                .vertx(vertx)
                .endpoints(endpoints)
                .deadline(options.opDeadline())
                .attemptTimeout(options.attemptTimeout())
                .retryPolicy(WITHIN_DEADLINE)
                .credentials(credentials)
                .build();
        w.clients.add(writer);
        List<RaftKvClient> readers = new ArrayList<>();
        if (options.readsFromAnyNode()) {
            for (Endpoint e : endpoints) {
                RaftKvClient r = RaftKvClient.builder()
                        .vertx(vertx)
                        .endpoints(List.of(e))
                        .deadline(options.attemptTimeout())
                        .attemptTimeout(options.attemptTimeout())
                        .retryPolicy(RetryPolicy.NONE)
                        .credentials(credentials)
                        .build();
                readers.add(r);
                w.clients.add(r);
            }
        }
        for (int i = 0; i < options.clients(); i++) {
            ClientWorker worker = new ClientWorker(
                    i,
                    writer,
                    readers,
                    options,
                    keys,
                    history,
                    w.stats,
                    clock,
                    seed * 1_000_003L + i,
                    w.stop,
                    w.failed::countDown,
                    events);
            Thread t = new Thread(worker, "chaos-client-" + i);
            t.setDaemon(true);
            w.workers.add(worker);
            w.threads.add(t);
        }
        w.threads.forEach(Thread::start);
        return w;
    }

    public WorkloadStats stats() {
        return stats;
    }

    /**
     * Waits up to {@code timeout} for a client to fail (which stops the workload early).
     *
     * @return true if a client failed (see {@link #failure()})
     */
    public boolean awaitFailure(Duration timeout) throws InterruptedException {
        return failed.await(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
    }

    /** The first exception that ended a client early (a harness bug, not a node outcome). */
    public Optional<Throwable> failure() {
        return workers.stream()
                .map(ClientWorker::failure)
                .filter(f -> f != null)
                .findFirst();
    }

    /**
     * Tells every client to stop after its current operation and waits for them (at most the
     * operation deadline plus a margin: every call ends by its deadline), then closes the clients.
     *
     * @throws IllegalStateException if a client is still running after that
     */
    public WorkloadStats.Snapshot stop() {
        stop.set(true);
        long waitMs = options.opDeadline().toMillis() * 2 + 10_000;
        long until = System.nanoTime() + waitMs * 1_000_000L;
        try {
            for (Thread t : threads) {
                long left = Math.max(1, (until - System.nanoTime()) / 1_000_000L);
                t.join(left);
                if (t.isAlive()) {
                    throw new IllegalStateException(
                            t.getName() + " still running " + waitMs + " ms after stop: a call ignored its deadline");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping the workload", e);
        } finally {
            clients.forEach(RaftKvClient::close);
        }
        return stats.snapshot();
    }
}
