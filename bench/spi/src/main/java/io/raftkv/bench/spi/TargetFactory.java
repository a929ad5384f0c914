package io.raftkv.bench.spi;

/**
 * Opens {@link Target}s of one system. Drivers that run in an isolated class loader are found with
 * {@link java.util.ServiceLoader} on that loader ({@code META-INF/services/io.raftkv.bench.spi.TargetFactory}).
 */
public interface TargetFactory {
    /** The system's name as used on the command line, e.g. {@code etcd}. */
    String system();

    /** Connects to the system; fails fast (IllegalArgumentException) on invalid options. */
    Target open(TargetOptions options);
}
