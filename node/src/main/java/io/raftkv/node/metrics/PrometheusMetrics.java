package io.raftkv.node.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Optional;

/**
 * The node's Prometheus registry: creation with JVM and process meters bound, lookup of the
 * Prometheus registry behind a {@link MeterRegistry} handed around as the general type, and
 * scraping in the format a scraper asked for.
 */
public final class PrometheusMetrics {
    /** Content type of the Prometheus text format 0.0.4 (the default answer of /metrics). */
    public static final String TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** Content type of OpenMetrics 1.0 text, served when the scraper's Accept header asks for it. */
    public static final String OPENMETRICS_CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private PrometheusMetrics() {}

    /**
     * A new Prometheus registry with JVM (memory, GC, threads, class loading) and process (CPU,
     * uptime, file descriptors) meters bound. The returned handle closes the GC listener too.
     */
    public static Registry create() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        return new Registry(registry, gc);
    }

    /** A Prometheus registry and the JVM GC listener bound to it; closing releases both. */
    public record Registry(PrometheusMeterRegistry prometheus, JvmGcMetrics gcMetrics) implements AutoCloseable {
        @Override
        public void close() {
            gcMetrics.close();
            prometheus.close();
        }
    }

    /**
     * Finds the Prometheus registry behind {@code registry}: the registry itself, or one of the
     * members of a composite (searched depth first).
     */
    public static Optional<PrometheusMeterRegistry> find(MeterRegistry registry) {
        if (registry instanceof PrometheusMeterRegistry p) {
            return Optional.of(p);
        }
        if (registry instanceof CompositeMeterRegistry c) {
            for (MeterRegistry member : c.getRegistries()) {
                Optional<PrometheusMeterRegistry> found = find(member);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Picks the exposition format for a scraper's {@code Accept} header: OpenMetrics when it is
     * asked for by name, otherwise the Prometheus text format (what Prometheus 2.x and promtool read).
     */
    public static String contentTypeFor(String acceptHeader) {
        if (acceptHeader != null && acceptHeader.contains("application/openmetrics-text")) {
            return OPENMETRICS_CONTENT_TYPE;
        }
        return TEXT_CONTENT_TYPE;
    }
}
