package io.raftkv.e2e.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Leadership transfer storm: while active, every {@code interval} the leader is asked to hand
 * leadership to a random other node. Transfers may fail (a transfer in progress, no leader): that
 * is part of the storm and only counted. Runs on one scheduler thread owned by this fault, started
 * by inject and stopped (and awaited) by heal.
 */
public final class TransferStorm implements Fault {
    private final Duration interval;
    private final AtomicInteger attempted = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private ScheduledExecutorService scheduler;

    public TransferStorm() {
        this(Duration.ofMillis(500));
    }

    public TransferStorm(Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive, got " + interval);
        }
        this.interval = interval;
    }

    @Override
    public String name() {
        return "transfer-storm";
    }

    @Override
    public void inject(ClusterControl cluster) {
        if (scheduler != null) {
            throw new IllegalStateException("storm already running");
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "transfer-storm");
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(() -> transferOnce(cluster), 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void transferOnce(ClusterControl cluster) {
        attempted.incrementAndGet();
        try {
            OptionalInt leader = cluster.leader();
            List<Integer> targets = new ArrayList<>(cluster.nodeIds());
            leader.ifPresent(l -> targets.remove(Integer.valueOf(l)));
            if (leader.isEmpty() || targets.isEmpty()) {
                failed.incrementAndGet();
                return;
            }
            int to = targets.get(cluster.random().nextInt(targets.size()));
            cluster.transferLeadership(to, cluster.electionTimeout().multipliedBy(5));
        } catch (RuntimeException e) {
            failed.incrementAndGet();
        }
    }

    @Override
    public void heal(ClusterControl cluster) {
        ScheduledExecutorService s = scheduler;
        scheduler = null;
        if (s == null) {
            return;
        }
        s.shutdownNow();
        try {
            if (!s.awaitTermination(cluster.electionTimeout().multipliedBy(10).toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("transfer storm did not stop: a transfer call ignored its deadline");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Transfers attempted so far, including failed ones. */
    public int attempted() {
        return attempted.get();
    }

    /** Transfers that failed or found no leader. */
    public int failed() {
        return failed.get();
    }
}
