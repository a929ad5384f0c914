package io.raftkv.node.security;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs a blocking reload check every {@code period} on a worker thread, never two at once; what
 * {@link ReloadingTls} and {@link AuthFiles} use to notice changed files.
 */
final class PeriodicReload {
    private final Vertx vertx;
    private final long timerId;

    PeriodicReload(Vertx vertx, Duration period, Callable<Boolean> check) {
        this.vertx = vertx;
        AtomicBoolean running = new AtomicBoolean();
        this.timerId = vertx.setPeriodic(period.toMillis(), id -> {
            if (running.compareAndSet(false, true)) {
                vertx.executeBlocking(check, false).onComplete(ar -> running.set(false));
            }
        });
    }

    void cancel() {
        vertx.cancelTimer(timerId);
    }
}
