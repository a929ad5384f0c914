package io.raftkv.node.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The meters one component registered, so that closing the component removes exactly them from
 * the registry. Without this a restarted server (or a test that starts several in one JVM) would
 * find the old gauges still bound to objects that are gone, and Micrometer would silently keep
 * the first registration of each name and tags.
 *
 * <p>Not thread-safe: meters are registered once while the component is built, before it is shared.
 */
public class MeterGroup implements AutoCloseable {
    protected final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();

    protected MeterGroup(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** Remembers {@code meter} for removal on {@link #close()} and returns it. */
    protected final <M extends Meter> M track(M meter) {
        meters.add(meter);
        return meter;
    }

    /** The registry the meters live in. */
    public MeterRegistry registry() {
        return registry;
    }

    /** Removes every meter this group registered. Idempotent. */
    @Override
    public void close() {
        for (Meter m : meters) {
            registry.remove(m);
        }
        meters.clear();
    }
}
