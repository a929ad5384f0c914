package io.raftkv.node.driver;

import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the two delays that, on a busy machine, cost a leader its followers: a late tick (the
 * event loop did not run the periodic timer on time — a GC pause, CPU starvation, or blocking work
 * on the loop) and a slow persist (no new Ready, hence no heartbeat, leaves the node until the
 * outstanding write is durable). Either one longer than the election timeout makes followers start
 * an election although the leader is alive.
 *
 * <p>A delay above {@code warnNanos} is counted and logged (at most one line per
 * {@link #LOG_EVERY_NANOS} per kind, with the worst delay seen since the last line), so an
 * operator can tell "the machine stalled" from "the network dropped heartbeats".
 *
 * <p>Driver context only, except the counters and maxima, which any thread may read.
 */
final class LoopLatency {
    private static final Logger LOG = LoggerFactory.getLogger(LoopLatency.class);
    static final long LOG_EVERY_NANOS = 10_000_000_000L;

    private final long tickNanos;
    private final long warnNanos;
    final LongAdder lateTicks = new LongAdder();
    final LongAdder slowPersists = new LongAdder();
    private volatile long maxTickDelayNanos;
    private volatile long maxPersistNanos;
    private long lastTickAt;
    private long lastTickLog;
    private long worstTickSinceLog;
    private long lastPersistLog;
    private long worstPersistSinceLog;

    /**
     * @param tickMs    the configured tick
     * @param warnMs    a delay beyond this is a stall (half the minimum election timeout: one such
     *                  stall on the leader plus ordinary jitter can already trigger an election)
     */
    LoopLatency(long tickMs, long warnMs) {
        this.tickNanos = tickMs * 1_000_000L;
        this.warnNanos = warnMs * 1_000_000L;
    }

    /** Called at every tick; measures how much later than one tick after the previous it came. */
    void onTick(long nowNanos) {
        if (lastTickAt != 0) {
            long delay = nowNanos - lastTickAt - tickNanos;
            if (delay > maxTickDelayNanos) {
                maxTickDelayNanos = delay;
            }
            if (delay > warnNanos) {
                lateTicks.increment();
                worstTickSinceLog = Math.max(worstTickSinceLog, delay);
                if (nowNanos - lastTickLog >= LOG_EVERY_NANOS) {
                    LOG.warn(
                            "event loop stalled: a tick ran {} ms late (GC pause, CPU starvation or blocking"
                                    + " work on the loop); followers may start an election. {} late ticks so far",
                            worstTickSinceLog / 1_000_000,
                            lateTicks.sum());
                    lastTickLog = nowNanos;
                    worstTickSinceLog = 0;
                }
            }
        }
        lastTickAt = nowNanos;
    }

    /** Called when a Ready's writes became durable, {@code nanos} after they were handed over. */
    void onPersisted(long nanos, long nowNanos) {
        if (nanos > maxPersistNanos) {
            maxPersistNanos = nanos;
        }
        if (nanos > warnNanos) {
            slowPersists.increment();
            worstPersistSinceLog = Math.max(worstPersistSinceLog, nanos);
            if (nowNanos - lastPersistLog >= LOG_EVERY_NANOS) {
                LOG.warn(
                        "slow persist: a Ready took {} ms to become durable (fsync); no heartbeat leaves while"
                                + " it is outstanding. {} slow persists so far",
                        worstPersistSinceLog / 1_000_000,
                        slowPersists.sum());
                lastPersistLog = nowNanos;
                worstPersistSinceLog = 0;
            }
        }
    }

    long maxTickDelayNanos() {
        return maxTickDelayNanos;
    }

    long maxPersistNanos() {
        return maxPersistNanos;
    }
}
