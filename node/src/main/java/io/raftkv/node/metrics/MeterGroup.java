package io.raftkv.node.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The meters one component registered, so that closing the component removes exactly them from
 * the registry. Without this a restarted server (or a test that starts several in one JVM) would
 * find the old gauges still bound to objects that are gone, and Micrometer would silently keep
 * the first registration of each name and tags.
 *
 * <p>Thread-safe: a component may register meters lazily from any thread (the client server adds a
 * timer per method and status the first time a call ends that way, on whichever event loop served
 * it), also while it is being closed: a meter tracked after {@link #close()} is removed at once.
 */
public class MeterGroup implements AutoCloseable {
    protected final MeterRegistry registry;
    private final Queue<Meter> meters = new ConcurrentLinkedQueue<>();
    private volatile boolean closed;

    protected MeterGroup(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** Remembers {@code meter} for removal on {@link #close()} and returns it. */
    protected final <M extends Meter> M track(M meter) {
        meters.add(meter);
        if (closed) {
            // close() may have drained the queue before this add: remove it ourselves (twice is harmless)
            registry.remove(meter);
            meters.remove(meter);
        }
        return meter;
    }

    /** The registry the meters live in. */
    public MeterRegistry registry() {
        return registry;
    }

    /** Removes every meter this group registered. Idempotent. */
    @Override
    public void close() {
        closed = true;
        for (Meter m; (m = meters.poll()) != null; ) {
            registry.remove(m);
        }
    }
}
