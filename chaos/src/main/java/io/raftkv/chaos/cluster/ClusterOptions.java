package io.raftkv.chaos.cluster;

import io.raftkv.testkit.NodeJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How to start a {@link ProcessCluster}.
 *
 * @param size                 initial voters, ids 1..size (3 or 5 in the chaos runs; at least 2, since
 *                             the proxy mesh needs a link)
 * @param nodeJar              the node's runnable jar ({@code node/target/raftkv-node.jar})
 * @param runDir               directory of this cluster: {@code node-N/} (data and {@code node.log}) per node
 * @param clusterName          the node's {@code --cluster-id}; nodes of different clusters refuse each other
 * @param tickMs               the node's {@code --tick-ms}
 * @param electionTicks        the node's {@code --election-ticks}; the timeout is randomized in
 *                             {@code [electionTicks, 2 * electionTicks)} ticks
 * @param extraNodeArgs        more node flags for every node (e.g. snapshot thresholds)
 * @param jvmOptions           options of every node JVM
 * @param proxySeed            seeds the proxies' dice (per link)
 * @param waitTimeout          bound of every wait: start-up, leader, catch-up, restart
 */
public record ClusterOptions(
        int size,
        Path nodeJar,
        Path runDir,
        String clusterName,
        long tickMs,
        int electionTicks,
        List<String> extraNodeArgs,
        List<String> jvmOptions,
        long proxySeed,
        Duration waitTimeout) {

    /** Same as {@code scripts/run-local.sh} (the test kit's {@link NodeJvm#DEFAULT_OPTIONS}). */
    public static final List<String> DEFAULT_JVM_OPTIONS = NodeJvm.DEFAULT_OPTIONS;

    /**
     * Snapshots every 2,000 entries, keeping 500 behind: a follower that was down for a few seconds
     * of load comes back through InstallSnapshot rather than log replay, so chaos runs exercise both.
     */
    public static final List<String> DEFAULT_NODE_ARGS =
            List.of("--snapshot-threshold-entries", "2000", "--snapshot-retain-entries", "500");

    public ClusterOptions {
        if (size < 2) {
            throw new IllegalArgumentException("a cluster needs at least 2 nodes, got " + size);
        }
        Objects.requireNonNull(nodeJar, "nodeJar");
        Objects.requireNonNull(runDir, "runDir");
        if (clusterName == null || clusterName.isBlank()) {
            throw new IllegalArgumentException("clusterName must not be blank");
        }
        if (tickMs < 1 || electionTicks < 2) {
            throw new IllegalArgumentException(
                    "tickMs must be >= 1 and electionTicks >= 2, got " + tickMs + " and " + electionTicks);
        }
        extraNodeArgs = List.copyOf(extraNodeArgs);
        jvmOptions = List.copyOf(jvmOptions);
        Objects.requireNonNull(waitTimeout, "waitTimeout");
        if (waitTimeout.isNegative() || waitTimeout.isZero()) {
            throw new IllegalArgumentException("waitTimeout must be positive, got " + waitTimeout);
        }
    }

    /** The node defaults (10 ms ticks, 15 election ticks), default JVM and node options, 60 s waits. */
    public static ClusterOptions defaults(int size, Path nodeJar, Path runDir, String clusterName, long proxySeed) {
        return new ClusterOptions(
                size,
                nodeJar,
                runDir,
                clusterName,
                10,
                15,
                DEFAULT_NODE_ARGS,
                DEFAULT_JVM_OPTIONS,
                proxySeed,
                Duration.ofSeconds(60));
    }

    /** The upper bound of the nodes' randomized election timeout. */
    public Duration electionTimeout() {
        return Duration.ofMillis(tickMs * electionTicks * 2);
    }

    /**
     * The node jar from system property {@code raftkv.node.jar}, else {@code node/target/raftkv-node.jar}
     * relative to the working directory.
     *
     * @throws IllegalStateException naming the path and how to build it, if the jar is missing
     */
    public static Path nodeJarFromSystemProperty() {
        Path jar = Path.of(System.getProperty("raftkv.node.jar", "node/target/raftkv-node.jar"))
                .toAbsolutePath()
                .normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("node jar " + jar + " not found: build it first (mvn -pl node -am package"
                    + " -DskipTests) or point -Draftkv.node.jar=... at one");
        }
        return jar;
    }
}
