package io.raftkv.node.k8s;

import io.raftkv.node.driver.NodeStatus;
import io.raftkv.node.k8s.ClusterResource.ClusterResourceException;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the leader's view ({@link ClusterStatusReport}) into the RaftKvCluster status, on one
 * dedicated thread, so no Kubernetes call ever runs on an event loop.
 *
 * <p>Guarantees:
 * <ul>
 *   <li><b>Bounded, coalesced</b>: {@link #offer} puts the latest state into a queue of size one
 *       (latest wins) and never blocks; the thread sends only the newest state and has at most one
 *       request in flight.</li>
 *   <li><b>Only the leader writes</b>: a non-leader's offer clears the queue and sends nothing.
 *       Before every patch the thread reads the object; if its {@code status.term} is higher than
 *       the report's, a newer leader has already reported and the stale report is dropped. The
 *       patch carries the {@code resourceVersion} it read as a precondition, so it never lands on
 *       a status it did not see (409 → read again). Together: the reported term never goes back.</li>
 *   <li><b>Cheap on the API server</b>: a change of leader, term or membership is sent at once; a
 *       change of the commit index alone at most once per {@code minCommitIndexIntervalMs}.</li>
 *   <li><b>Retried</b>: failures back off exponentially (with jitter) up to {@code backoffMaxMs},
 *       then the newest state is tried again.</li>
 * </ul>
 */
public final class ClusterStatusReporter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterStatusReporter.class);
    private static final int MAX_CONFLICT_RETRIES = 3;
    private static final long CLOSE_TIMEOUT_MS = 5_000;

    /**
     * @param minCommitIndexIntervalMs least time between two reports that differ only in the commit index
     * @param backoffInitialMs         first delay after a failed report
     * @param backoffMaxMs             largest delay between attempts
     */
    public record Options(long minCommitIndexIntervalMs, long backoffInitialMs, long backoffMaxMs) {
        public static final Options DEFAULTS = new Options(5_000, 200, 30_000);

        public Options {
            if (minCommitIndexIntervalMs < 0 || backoffInitialMs <= 0 || backoffMaxMs < backoffInitialMs) {
                throw new IllegalArgumentException("bad reporter options: " + minCommitIndexIntervalMs + ", "
                        + backoffInitialMs + ", " + backoffMaxMs);
            }
        }
    }

    /** What waits in the one-slot queue: a leader's report, or "not leader" (send nothing). */
    private record Pending(ClusterStatusReport reportOrNull) {}

    private static final Pending NOT_LEADER = new Pending(null);

    private final PodIdentity pod;
    private final ClusterResource resource;
    private final Options options;
    private final Sleeper sleeper;
    private final Backoff backoff;
    private final AtomicReference<Pending> slot = new AtomicReference<>();
    private final Thread thread;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong droppedStale = new AtomicLong();
    private volatile Pending lastOffered;
    private volatile boolean closed;

    public ClusterStatusReporter(PodIdentity pod, ClusterResource resource, Options options) {
        this(pod, resource, options, Sleeper.REAL, new SplittableRandom().nextLong());
    }

    ClusterStatusReporter(
            PodIdentity pod, ClusterResource resource, Options options, Sleeper sleeper, long jitterSeed) {
        this.pod = Objects.requireNonNull(pod);
        this.resource = Objects.requireNonNull(resource);
        this.options = Objects.requireNonNull(options);
        this.sleeper = sleeper;
        this.backoff =
                new Backoff(options.backoffInitialMs(), options.backoffMaxMs(), new SplittableRandom(jitterSeed));
        this.thread = new Thread(this::run, "raftkv-k8s-status");
        this.thread.setDaemon(true);
    }

    public ClusterStatusReporter start() {
        thread.start();
        return this;
    }

    /**
     * Hands the node's current view to the reporter. Never blocks and takes no lock: safe on an
     * event loop. Offers that change nothing are ignored; a newer offer replaces an unsent one.
     */
    public void offer(NodeStatus status) {
        offer(status, List.of());
    }

    /** As {@link #offer(NodeStatus)}, with the active alarms ({@code TYPE:memberId}). */
    public void offer(NodeStatus status, List<String> alarms) {
        Pending p = status.isLeader() && status.term() > 0
                ? new Pending(ClusterStatusReport.of(status, pod, alarms))
                : NOT_LEADER;
        if (p.equals(lastOffered)) {
            return;
        }
        lastOffered = p;
        slot.set(p);
        LockSupport.unpark(thread);
    }

    /** Patches written since start. */
    public long writtenCount() {
        return written.get();
    }

    /** Failed attempts (each followed by a backoff) since start. */
    public long failureCount() {
        return failures.get();
    }

    /** Reports dropped because the status already showed a higher term. */
    public long droppedStaleCount() {
        return droppedStale.get();
    }

    /** Stops the thread; an unsent state is dropped (the next leader reports its own). */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(CLOSE_TIMEOUT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        ClusterStatusReport lastWritten = null;
        long lastWriteNanos = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(options.minCommitIndexIntervalMs());
        while (!closed) {
            Pending p = slot.getAndSet(null);
            if (p == null) {
                LockSupport.park(this);
                continue;
            }
            ClusterStatusReport report = p.reportOrNull();
            if (report == null || report.equals(lastWritten)) {
                continue; // not leader: write nothing; or already written
            }
            if (!report.differsBeyondCommitIndex(lastWritten)) {
                long waitNanos = lastWriteNanos
                        + TimeUnit.MILLISECONDS.toNanos(options.minCommitIndexIntervalMs())
                        - System.nanoTime();
                if (waitNanos > 0) {
                    slot.compareAndSet(null, p); // keep it unless something newer arrived
                    LockSupport.parkNanos(this, waitNanos);
                    continue;
                }
            }
            try {
                if (write(report)) {
                    written.incrementAndGet();
                } else {
                    droppedStale.incrementAndGet();
                }
                lastWritten = report;
                lastWriteNanos = System.nanoTime();
                backoff.reset();
            } catch (ClusterResourceException | IllegalStateException e) {
                failures.incrementAndGet();
                slot.compareAndSet(null, p); // retry this state unless a newer one arrived
                long delay = backoff.nextDelayMs();
                LOG.warn(
                        "cannot report leader status (term {}) to RaftKvCluster {}/{}: {}; retrying in {} ms",
                        report.term(),
                        pod.namespace(),
                        pod.cluster(),
                        e.getMessage(),
                        delay);
                try {
                    sleeper.sleepMs(delay);
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    /** One report: read, check the term, patch with the read version as precondition. */
    private boolean write(ClusterStatusReport report) {
        for (int attempt = 1; attempt <= MAX_CONFLICT_RETRIES; attempt++) {
            ObservedClusterStatus current = resource.readStatus();
            if (current.term() > report.term()) {
                LOG.info(
                        "not reporting term {}: RaftKvCluster status already shows term {} (leader {})",
                        report.term(),
                        current.term(),
                        current.leader());
                return false;
            }
            if (resource.patchStatus(current.resourceVersion(), report)) {
                LOG.debug(
                        "reported leader {} term {} commit {} members {}",
                        report.leader(),
                        report.term(),
                        report.commitIndex(),
                        report.members().size());
                return true;
            }
        }
        throw new IllegalStateException("status changed under " + MAX_CONFLICT_RETRIES + " consecutive patches (409)");
    }
}
