package io.raftkv.node.k8s;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits for DNS records of the headless peer Service, on one dedicated thread (DNS lookups block;
 * they never run on an event loop).
 *
 * <p>Why wait: a pod's record appears only after the pod has an IP; the Service publishes
 * not-ready addresses ({@code publishNotReadyAddresses: true}) so that members can find each other
 * before any is ready, but right after a pod starts its own name, or a peer's, may still be
 * NXDOMAIN. A node advertising a name nobody can resolve would be unreachable, so start-up waits
 * for its own record, and peer records are watched and logged as they appear. Lookups go through
 * the JVM resolver (search domains and {@code /etc/hosts} apply, so {@code <pod>.<svc>.<ns>.svc}
 * resolves as in any pod). The JVM caches negative answers for 10 s by default
 * ({@code networkaddress.cache.negative.ttl}), so a record is seen at most that long after it
 * appears.
 *
 * <p>Time is counted as the sum of the backoff delays slept, so a test with a recording
 * {@link Sleeper} runs a timeout without real time passing.
 */
public final class DnsRecordWaiter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DnsRecordWaiter.class);
    /** Lookups queued at most; more is a programming error (the node asks for a handful). */
    static final int MAX_QUEUED_LOOKUPS = 32;

    /** Blocking name resolution; {@link InetAddress#getAllByName} in production. */
    @FunctionalInterface
    public interface HostResolver {
        HostResolver SYSTEM = InetAddress::getAllByName;

        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    private final HostResolver resolver;
    private final Sleeper sleeper;
    private final long backoffInitialMs;
    private final long backoffMaxMs;
    private final long jitterSeed;
    private final ThreadPoolExecutor thread;

    public DnsRecordWaiter() {
        this(HostResolver.SYSTEM, Sleeper.REAL, 100, 2_000, new SplittableRandom().nextLong());
    }

    DnsRecordWaiter(HostResolver resolver, Sleeper sleeper, long backoffInitialMs, long backoffMaxMs, long jitterSeed) {
        this.resolver = resolver;
        this.sleeper = sleeper;
        this.backoffInitialMs = backoffInitialMs;
        this.backoffMaxMs = backoffMaxMs;
        this.jitterSeed = jitterSeed;
        this.thread = new ThreadPoolExecutor(
                1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(MAX_QUEUED_LOOKUPS), r -> {
                    Thread t = new Thread(r, "raftkv-dns");
                    t.setDaemon(true);
                    return t;
                });
    }

    /**
     * Resolves {@code host}, retrying with backoff while it has no record, for up to
     * {@code timeoutMs} of waiting.
     *
     * @return completes with the addresses, or fails with {@link UnknownHostException} once the
     *         time is up (or with {@link InterruptedException} when closed)
     */
    public CompletableFuture<List<InetAddress>> awaitRecord(String host, long timeoutMs) {
        CompletableFuture<List<InetAddress>> result = new CompletableFuture<>();
        try {
            thread.execute(() -> resolveWithRetries(host, timeoutMs, result));
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new IllegalStateException("DNS lookup queue full or closed", e));
        }
        return result;
    }

    private void resolveWithRetries(String host, long timeoutMs, CompletableFuture<List<InetAddress>> result) {
        Backoff backoff =
                new Backoff(backoffInitialMs, backoffMaxMs, new SplittableRandom(jitterSeed ^ host.hashCode()));
        long waitedMs = 0;
        for (int attempt = 1; ; attempt++) {
            try {
                List<InetAddress> addresses = List.of(resolver.resolve(host));
                if (attempt > 1) {
                    LOG.info("DNS record of {} appeared after {} ms: {}", host, waitedMs, addresses);
                }
                result.complete(addresses);
                return;
            } catch (UnknownHostException e) {
                if (waitedMs >= timeoutMs) {
                    result.completeExceptionally(new UnknownHostException("no DNS record for " + host + " after "
                            + waitedMs + " ms (" + attempt + " lookups); is the headless Service there and does it"
                            + " publish not-ready addresses?"));
                    return;
                }
                long delay = Math.min(backoff.nextDelayMs(), Math.max(1, timeoutMs - waitedMs));
                if (attempt == 1 || attempt % 10 == 0) {
                    LOG.info("no DNS record for {} yet (lookup {}); retrying", host, attempt);
                }
                try {
                    sleeper.sleepMs(delay);
                } catch (InterruptedException stop) {
                    result.completeExceptionally(stop);
                    return;
                }
                waitedMs += delay;
            }
        }
    }

    /** Stops the thread: a wait in progress fails with InterruptedException, queued ones never start. */
    @Override
    public void close() {
        thread.shutdownNow();
    }
}
