package io.raftkv.bench.target;

import io.raftkv.api.client.ClientCredentials;
import io.raftkv.bench.spi.Target;
import io.raftkv.bench.spi.TargetOptions;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Opens a {@link Target} by system name. {@code raftkv} (pipelined calls, the client's default) and
 * {@code raftkv-unary} (one unary gRPC call per operation) live in the tool; {@code etcd} is loaded from
 * the etcd driver jar ({@link IsolatedDriver}), by default {@value #ETCD_DRIVER_JAR} next to the
 * tool's own jar.
 */
public final class Targets {
    public static final String RAFTKV = "raftkv";
    /** RaftKV with the client's pipelining off: every call its own unary gRPC call. */
    public static final String RAFTKV_UNARY = "raftkv-unary";
    /** RaftKV with {@code --tls on --auth on}: mutual TLS between nodes, a client certificate per client. */
    public static final String RAFTKV_TLS = "raftkv-tls";
    /** etcd driven as etcd's own benchmark tool drives it: plain gRPC stubs, one unary call per operation. */
    public static final String ETCD = "etcd";
    /**
     * etcd with TLS on every port ({@code --client-cert-auth}, peers mutual TLS), driven by the same
     * driver as {@value #ETCD} over mutual TLS with a client certificate.
     */
    public static final String ETCD_TLS = "etcd-tls";
    /** etcd through the jetcd client library: a second, labelled etcd row (a weaker load generator). */
    public static final String ETCD_JETCD = "etcd-jetcd";
    /**
     * RaftKV through its etcd v3 API, driven by the same etcd driver as {@value #ETCD} (plain gRPC stubs,
     * one unary call per operation): the same client against both systems.
     */
    public static final String RAFTKV_ETCD = "raftkv-etcd";

    public static final List<String> SYSTEMS =
            List.of(RAFTKV, RAFTKV_UNARY, RAFTKV_TLS, ETCD, ETCD_TLS, ETCD_JETCD, RAFTKV_ETCD);
    public static final String ETCD_DRIVER_JAR = "raftkv-bench-etcd-driver.jar";

    private Targets() {}

    /**
     * Drivers loaded so far, by system and jar path. A driver's class loader lives as long as the JVM: the
     * client libraries inside it (grpc-java, Netty) keep threads that still load classes while they
     * wind down after {@link Target#close()}, so closing the loader with the target would break them.
     */
    private static final Map<String, IsolatedDriver> DRIVERS = new ConcurrentHashMap<>();

    /**
     * Opens a target.
     *
     * @param etcdDriverJar the driver jar, or null for the default location
     */
    public static Target open(String system, TargetOptions options, Path etcdDriverJar) {
        return open(system, options, etcdDriverJar, null);
    }

    /**
     * Opens a target that reaches RaftKV over TLS with {@code credentialsOrNull} when given
     * (required for {@value #RAFTKV_TLS}).
     */
    public static Target open(
            String system, TargetOptions options, Path etcdDriverJar, ClientCredentials credentialsOrNull) {
        switch (system) {
            case RAFTKV:
                return new RaftKvTarget(options, true, credentialsOrNull);
            case RAFTKV_UNARY:
                return new RaftKvTarget(options, false, credentialsOrNull);
            case RAFTKV_TLS:
                if (credentialsOrNull == null) {
                    throw new IllegalArgumentException(
                            RAFTKV_TLS + " needs TLS credentials (--cacert, and --cert/--key" + " or --token)");
                }
                return new RaftKvTarget(options, true, credentialsOrNull);
            case ETCD, ETCD_TLS, ETCD_JETCD, RAFTKV_ETCD: {
                Path jar = (etcdDriverJar != null ? etcdDriverJar : defaultEtcdDriverJar())
                        .toAbsolutePath()
                        .normalize();
                String driver = system.equals(RAFTKV_ETCD) || system.equals(ETCD_TLS) ? ETCD : system;
                if (system.equals(ETCD_TLS) && credentialsOrNull == null) {
                    throw new IllegalArgumentException(
                            ETCD_TLS + " needs TLS credentials (a CA, a client certificate" + " and its key)");
                }
                TargetOptions opened = credentialsOrNull == null
                        ? options
                        : options.withTls(new TargetOptions.Tls(
                                credentialsOrNull.caFile(), credentialsOrNull.certFile(), credentialsOrNull.keyFile()));
                return DRIVERS.computeIfAbsent(driver + " " + jar, k -> IsolatedDriver.load(jar, driver))
                        .factory()
                        .open(opened);
            }
            default:
                throw new IllegalArgumentException("unknown system '" + system + "', expected one of " + SYSTEMS);
        }
    }

    /** {@value #ETCD_DRIVER_JAR} in the directory of the jar this class was loaded from. */
    public static Path defaultEtcdDriverJar() {
        try {
            Path self = Path.of(Targets.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            Path dir = self.getFileName().toString().endsWith(".jar")
                    ? self.getParent()
                    : self.getParent()
                            .getParent()
                            .getParent()
                            .resolve("target"); // bench/tool/target/classes → bench/target
            return dir.resolve(ETCD_DRIVER_JAR);
        } catch (URISyntaxException | SecurityException e) {
            return Path.of(ETCD_DRIVER_JAR);
        }
    }
}
