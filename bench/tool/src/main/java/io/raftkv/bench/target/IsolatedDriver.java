package io.raftkv.bench.target;

import io.raftkv.bench.spi.TargetFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Loads a driver jar (a shaded jar holding one {@link TargetFactory} and all its dependencies) in
 * its own class loader, so that its libraries never meet the tool's. The only classes the two sides
 * share are the JDK's and {@code io.raftkv.bench.spi.*}: the driver's loader has the platform
 * loader as grandparent and sees the tool's loader through {@link SpiOnlyLoader}, which answers for
 * the SPI package and nothing else. That is what lets jetcd (Vert.x 5.1, protobuf 3) run in the
 * same JVM as RaftKvClient (Vert.x 5.0.7, protobuf 4), driven by the same load generator.
 */
public final class IsolatedDriver implements AutoCloseable {
    private static final String SPI_PACKAGE = "io.raftkv.bench.spi.";

    private final URLClassLoader loader;
    private final TargetFactory factory;

    private IsolatedDriver(URLClassLoader loader, TargetFactory factory) {
        this.loader = loader;
        this.factory = factory;
    }

    /**
     * Opens {@code jar} and finds the factory for {@code system} in it.
     *
     * @throws IllegalArgumentException if the jar is missing or has no factory for {@code system}
     */
    public static IsolatedDriver load(Path jar, String system) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException(
                    "driver jar " + jar + " does not exist (build it with: mvn -pl bench/spi,bench/etcd-driver package,"
                            + " or pass its path)");
        }
        URL url;
        try {
            url = jar.toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("bad driver jar path " + jar, e);
        }
        ClassLoader spiSource = TargetFactory.class.getClassLoader();
        URLClassLoader loader =
                new URLClassLoader("bench-driver-" + system, new URL[] {url}, new SpiOnlyLoader(spiSource));
        List<String> found = new ArrayList<>();
        for (TargetFactory f : ServiceLoader.load(TargetFactory.class, loader)) {
            if (f.system().equals(system)) {
                return new IsolatedDriver(loader, f);
            }
            found.add(f.system());
        }
        closeQuietly(loader);
        throw new IllegalArgumentException(
                "driver jar " + jar + " has no target factory for '" + system + "' (it has " + found + ")");
    }

    public TargetFactory factory() {
        return factory;
    }

    /** The loader the driver's classes come from (tests check the isolation). */
    public ClassLoader classLoader() {
        return loader;
    }

    @Override
    public void close() {
        closeQuietly(loader);
    }

    private static void closeQuietly(URLClassLoader l) {
        try {
            l.close();
        } catch (IOException e) {
            throw new UncheckedIOException("closing driver class loader", e);
        }
    }

    /**
     * Parent of a driver's loader: the JDK (platform loader) for everything, plus the SPI package
     * from the tool's loader. Every other class of the tool is invisible to the driver.
     */
    static final class SpiOnlyLoader extends ClassLoader {
        private final ClassLoader spiSource;

        SpiOnlyLoader(ClassLoader spiSource) {
            super("bench-spi-bridge", ClassLoader.getPlatformClassLoader());
            this.spiSource = spiSource;
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            if (name.startsWith(SPI_PACKAGE)) {
                return spiSource.loadClass(name);
            }
            throw new ClassNotFoundException(name);
        }
    }
}
