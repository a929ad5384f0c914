package io.raftkv.node.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * Which build of the node runs: the version and git commit written into
 * {@code raftkv-build.properties} at build time (Maven resource filtering; "unknown" when built
 * outside a git checkout) and the JVM running it, published as {@code raftkv_build_info} = 1 with
 * those labels (the Prometheus convention for build information, like etcd's
 * {@code etcd_server_version}).
 */
public final class BuildInfo {
    static final String RESOURCE = "/raftkv-build.properties";

    private final String version;
    private final String commit;
    private final String jvm;

    private BuildInfo(String version, String commit, String jvm) {
        this.version = version;
        this.commit = commit;
        this.jvm = jvm;
    }

    /** Reads the build properties from the class path; absent values become "unknown". */
    public static BuildInfo current() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
        return new BuildInfo(
                value(p, "version"),
                value(p, "commit"),
                System.getProperty("java.vendor", "unknown") + " " + Runtime.version());
    }

    private static String value(Properties p, String key) {
        String v = p.getProperty(key, "").trim();
        // An unfiltered placeholder means the build did not know the value.
        return v.isEmpty() || v.startsWith("${") ? "unknown" : v;
    }

    public String version() {
        return version;
    }

    public String commit() {
        return commit;
    }

    public String jvm() {
        return jvm;
    }

    /** Registers {@code raftkv_build_info}. */
    public Gauge register(MeterRegistry registry) {
        return Gauge.builder(RaftKvMeters.BUILD_INFO.name(), () -> 1)
                .description(RaftKvMeters.BUILD_INFO.description())
                .tags("version", version, "commit", commit, "jvm", jvm)
                .strongReference(true)
                .register(registry);
    }
}
