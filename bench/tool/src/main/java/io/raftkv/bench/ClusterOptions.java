package io.raftkv.bench;

import io.raftkv.bench.cluster.EtcdCluster;
import io.raftkv.bench.cluster.LocalCluster;
import io.raftkv.bench.cluster.RaftKvCluster;
import io.raftkv.bench.target.Targets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine.Option;

/** Options shared by the commands that start local clusters (compare, failover, smoke). */
final class ClusterOptions {
    @Option(
            names = "--run-dir",
            description = "Where clusters keep data, logs and pid files (default: ${DEFAULT-VALUE}).",
            defaultValue = "/tmp/raftkv-bench")
    Path runDir;

    @Option(
            names = "--etcd-binary",
            description = "The etcd server binary (default: ${DEFAULT-VALUE}).",
            defaultValue = "etcd")
    String etcdBinary;

    @Option(
            names = "--node-jar",
            description = "The RaftKV node jar (default: ${DEFAULT-VALUE}).",
            defaultValue = "node/target/raftkv-node.jar")
    Path nodeJar;

    /** The same settings as scripts/run-local.sh: a GC pause goal well below the 300 ms election timeout. */
    @Option(
            names = "--node-jvm-opts",
            description = "JVM options of each RaftKV node, space-separated" + " (default: ${DEFAULT-VALUE}).",
            defaultValue = "-Xms128m -Xmx192m -XX:+UseG1GC -XX:MaxGCPauseMillis=20"
                    + " -XX:MetaspaceSize=96m --enable-native-access=ALL-UNNAMED")
    String nodeJvmOptions;

    @Option(
            names = "--node-args",
            description =
                    "Extra flags for every RaftKV node, space-separated, e.g."
                            + " '--election-ticks 100 --heartbeat-ticks 10' for etcd's 1 s election / 100 ms heartbeat (default: none).",
            defaultValue = "")
    String nodeArgs;

    @Option(
            names = "--etcd-args",
            description = "Extra flags for every etcd member, space-separated, e.g."
                    + " '--election-timeout 300 --heartbeat-interval 50' (default: none, etcd's defaults).",
            defaultValue = "")
    String etcdArgs;

    @Option(
            names = "--etcd-base-port",
            description = "etcd member i: client port base+i, peer port base+100+i" + " (default: ${DEFAULT-VALUE}).",
            defaultValue = "23790")
    int etcdBasePort;

    @Option(
            names = "--raftkv-base-port",
            description = "RaftKV node i: client port base+i, peer port base+100+i" + " (default: ${DEFAULT-VALUE}).",
            defaultValue = "29090")
    int raftkvBasePort;

    @Option(names = "--members", description = "Members per cluster (default: ${DEFAULT-VALUE}).", defaultValue = "3")
    int members;

    @Option(names = "--etcd-driver", description = "The etcd driver jar (default: next to raftkv-bench.jar).")
    Path etcdDriver;

    @Option(
            names = "--startup-timeout",
            description = "How long a cluster may take to elect a leader" + " (default: ${DEFAULT-VALUE}).",
            defaultValue = "60s",
            converter = DurationConverter.class)
    Duration startupTimeout;

    /** A fresh (not yet started) cluster of {@code system}, with data under a new subdirectory of the run dir. */
    LocalCluster cluster(String system) {
        Path dir = runDir.resolve(system + "-" + System.currentTimeMillis());
        return switch (system) {
            case Targets.ETCD, Targets.ETCD_JETCD ->
                new EtcdCluster(dir, members, etcdBinary, words(etcdArgs), etcdBasePort);
            case Targets.ETCD_TLS -> new EtcdCluster(dir, members, etcdBinary, words(etcdArgs), etcdBasePort).withTls();
            case Targets.RAFTKV, Targets.RAFTKV_UNARY, Targets.RAFTKV_ETCD ->
                new RaftKvCluster(dir, members, nodeJar, words(nodeJvmOptions), words(nodeArgs), raftkvBasePort);
            case Targets.RAFTKV_TLS ->
                new RaftKvCluster(dir, members, nodeJar, words(nodeJvmOptions), words(nodeArgs), raftkvBasePort)
                        .withTls();
            default ->
                throw new IllegalArgumentException(
                        "unknown system '" + system + "', expected one of " + Targets.SYSTEMS);
        };
    }

    private static List<String> words(String s) {
        return s.isBlank() ? List.of() : Arrays.asList(s.trim().split("\\s+"));
    }
}
