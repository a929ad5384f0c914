package io.raftkv.node.driver;

/**
 * The Raft core's clock, kept on the monotonic clock: {@link #sync} delivers every core tick that
 * fell due, so that after it the core has seen {@code floor((now − start) / tickMs)} ticks, however
 * the timer that calls it fired.
 *
 * <p>The driver syncs on the periodic timer, before received messages are stepped and before lease
 * reads are issued, so the core never counts less time than has passed (a leader's lease would
 * outlive its followers' promises) and never counts a tick that fell due before a message as coming
 * after it. A stalled loop catches up at once: a leader stalled beyond about two election timeouts
 * then steps down through check-quorum, as its followers will have started an election by then.
 *
 * <p>Driver context only.
 */
final class CoreClock {
    private final long tickNanos;
    private final Runnable tick;
    /** Ticks delivered since {@link #startNanos}. */
    private long ticks;
    /** {@code System.nanoTime()} when ticking started; 0 before. */
    private long startNanos;

    /**
     * @param tickMs the length of one core tick
     * @param tick   delivers one tick to the core
     */
    CoreClock(long tickMs, Runnable tick) {
        this.tickNanos = tickMs * 1_000_000L;
        this.tick = tick;
    }

    /** Starts counting at {@code nowNanos}; nothing is delivered before. */
    void start(long nowNanos) {
        startNanos = nowNanos == 0 ? 1 : nowNanos;
        ticks = 0;
    }

    /** Delivers the ticks that fell due by {@code nowNanos}; does nothing before {@link #start}. */
    void sync(long nowNanos) {
        if (startNanos == 0) {
            return;
        }
        long due = (nowNanos - startNanos) / tickNanos;
        while (ticks < due) {
            tick.run();
            ticks++;
        }
    }

    /** Ticks delivered so far. */
    long ticks() {
        return ticks;
    }
}
