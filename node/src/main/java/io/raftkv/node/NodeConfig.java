package io.raftkv.node;

import io.raftkv.node.compaction.CompactionPolicy;
import io.raftkv.node.net.HostPort;
import io.raftkv.node.net.ListenerLimits;
import io.raftkv.node.security.SecuritySettings;
import io.raftkv.node.server.ServerLimits;
import io.raftkv.node.storage.StorageOptions;
import io.raftkv.node.transport.PeerPortLimits;
import io.raftkv.node.watch.WatchOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The node's settings, from (highest precedence first) command-line flags, environment variables
 * {@code RAFTKV_<FLAG_IN_UPPER_SNAKE>}, a properties file ({@code --config FILE}, keys are the flag
 * names without dashes) and defaults. Every value is validated here, once, with an error that names
 * the setting and its source; nothing downstream re-parses strings.
 *
 * <p>The settings come in named groups, each a table of {@link Setting}s with its typed accessors:
 * {@link MemberFlags} (identity, addresses, peers, data directory, recovery), {@link RaftFlags}
 * (timing, snapshots), {@link ServerFlags} (request sizes, probe port, connection and response
 * limits), {@link SecurityFlags} (TLS, authentication), {@link DataFlags} (quota, compaction, watch)
 * and the logging ones below; one mechanism ({@link SettingValues}) resolves and parses them all.
 *
 * <p>Kubernetes: the pod contract's {@code RAFTKV_DATA_DIR} is the {@code data-dir} setting's
 * variable; the id, join mode, peers, advertised addresses and cluster id are derived from
 * {@code POD_NAME}, {@code RAFTKV_CLUSTER}, {@code RAFTKV_PEER_SERVICE}, {@code RAFTKV_REPLICAS}
 * and the member id file by {@code io.raftkv.node.k8s.KubernetesNode}, through the deriver of
 * {@link #load(String[], Map, Function)}, for every setting not given explicitly.
 */
public final class NodeConfig {

    /** Log format and level, and the properties file. */
    private static final List<Setting> LOGGING = List.of(
            new Setting("log-format", "text", "Log line format: text or json. Every line carries node id and term."),
            new Setting("log-level", "INFO", "Root log level: TRACE, DEBUG, INFO, WARN or ERROR."),
            new Setting("config", "", "Optional properties file with any of these settings (flag names as keys)."));

    /** Every setting, in the order --help lists them. */
    static final List<Setting> SETTINGS = Stream.of(
                    MemberFlags.IDENTITY,
                    RaftFlags.SETTINGS,
                    ServerFlags.REQUESTS,
                    SecurityFlags.SETTINGS,
                    ServerFlags.CONNECTIONS,
                    MemberFlags.RECOVERY,
                    DataFlags.SETTINGS,
                    LOGGING)
            .flatMap(List::stream)
            .toList();

    private final SettingValues values;
    private final MemberFlags member;
    private final RaftFlags raft;
    private final ServerFlags server;
    private final SecurityFlags security;
    private final DataFlags data;

    private NodeConfig(SettingValues values) {
        this.values = values;
        this.member = new MemberFlags(values);
        this.raft = new RaftFlags(values);
        this.server = new ServerFlags(values);
        this.security = new SecurityFlags(values);
        this.data = new DataFlags(values);
    }

    /**
     * Resolves every setting from {@code args}, {@code env} and the optional config file.
     *
     * @throws IllegalArgumentException naming the setting and the source of the bad value
     */
    public static NodeConfig load(String[] args, Map<String, String> env) {
        return load(args, env, draft -> Map.of());
    }

    /**
     * Settings resolved from flags, environment, file and defaults, not yet validated: what a
     * {@code deriver} sees (e.g. {@code io.raftkv.node.k8s} needs the data directory and ports).
     */
    public interface Draft {
        /** The resolved value of setting {@code name} ("" when unset and without default). */
        String value(String name);

        /** Whether {@code name} was given by flag, environment or config file (not a default). */
        boolean explicit(String name);
    }

    /**
     * As {@link #load(String[], Map)}, and then every setting still at its default is replaced by
     * the value {@code deriver} returns for it, if any (source "derived"), before validation.
     * Explicit settings always win over derived ones.
     *
     * @throws IllegalArgumentException for a bad value, or a derived name that is not a setting
     */
    public static NodeConfig load(
            String[] args, Map<String, String> env, Function<Draft, Map<String, String>> deriver) {
        NodeConfig c = new NodeConfig(SettingValues.resolve(SETTINGS, args, env, deriver));
        c.validate();
        return c;
    }

    /** Whether {@code args} ask for help. */
    public static boolean wantsHelp(String[] args) {
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h")) {
                return true;
            }
        }
        return false;
    }

    public static String help() {
        StringBuilder b = new StringBuilder("""
                raftkv-node: one replica of a RaftKV cluster.

                Usage: java -jar raftkv-node.jar --id N --peers 1=host:port,... [options]

                Every setting is also an environment variable RAFTKV_<NAME> (e.g. RAFTKV_DATA_DIR) and a
                key in the --config properties file. Precedence: flag > environment > file > default.

                """);
        for (Setting s : SETTINGS) {
            b.append(String.format("  --%-28s %s%n", s.name() + " <value>", s.help()));
            b.append(String.format(
                    "  %-30s env %s%s%n",
                    "", s.envVar(), s.defaultValue().isEmpty() ? "" : ", default " + s.defaultValue()));
        }
        return b.toString();
    }

    // ------------------------------------------------------------------ member (MemberFlags)

    public long id() {
        return member.id();
    }

    public long clusterId() {
        return member.clusterId();
    }

    public HostPort clientBind() {
        return member.clientBind();
    }

    public HostPort peerBind() {
        return member.peerBind();
    }

    /** The advertised client address, or empty to derive it from the bind address. */
    public String advertisedClientOrEmpty() {
        return member.advertisedClientOrEmpty();
    }

    public String advertisedPeerOrEmpty() {
        return member.advertisedPeerOrEmpty();
    }

    /** Initial voters: id → peer address (sorted by id). */
    public Map<Long, String> peers() {
        return member.peers();
    }

    public Map<Long, String> peerClientAddresses() {
        return member.peerClientAddresses();
    }

    /** The member id named by {@code --force-new-cluster}, or 0 when unset. */
    public long forceNewCluster() {
        return member.forceNewCluster();
    }

    /** The snapshot file named by {@code --restore-from}, or null when unset. */
    public Path restoreFrom() {
        return member.restoreFrom();
    }

    /** {@code --restore-sha256}: lower-case hex, or empty. */
    public String restoreSha256() {
        return member.restoreSha256();
    }

    public boolean join() {
        return member.join();
    }

    public Path dataDir() {
        return member.dataDir();
    }

    /** A positive decimal id, or a name hashed with FNV-1a 64 (top bit cleared, never 0). */
    public static long clusterIdOf(String text) {
        return MemberFlags.clusterIdOf(text);
    }

    // ------------------------------------------------------------------ Raft (RaftFlags)

    public long tickMs() {
        return raft.tickMs();
    }

    public int electionTicks() {
        return raft.electionTicks();
    }

    public int leaseDriftTicks() {
        return raft.leaseDriftTicks();
    }

    public int heartbeatTicks() {
        return raft.heartbeatTicks();
    }

    public long snapshotThresholdEntries() {
        return raft.snapshotThresholdEntries();
    }

    public long snapshotRetainEntries() {
        return raft.snapshotRetainEntries();
    }

    /** The storage options the flags set (cluster id, snapshot cadence) over the defaults. */
    public StorageOptions storageOptions() {
        return raft.storageOptions(clusterId());
    }

    // ------------------------------------------------------------------ ports and limits (ServerFlags)

    public int maxKeyBytes() {
        return server.maxKeyBytes();
    }

    public int maxValueBytes() {
        return server.maxValueBytes();
    }

    public int maxRequestBytes() {
        return server.maxRequestBytes();
    }

    public int maxInflightProposals() {
        return server.maxInflightProposals();
    }

    /** The probe port's bind address, or null for none. */
    public HostPort probeBindOrNull() {
        return server.probeBindOrNull();
    }

    public long maxConnectionResponseBytes() {
        return server.maxConnectionResponseBytes();
    }

    public long maxNodeResponseBytes() {
        return server.maxNodeResponseBytes();
    }

    public int maxConnectionCalls() {
        return server.maxConnectionCalls();
    }

    /** Connection caps and timeouts of the client port. */
    public ListenerLimits clientConnections() {
        return server.clientConnections();
    }

    /** Connection caps, stream limit and snapshot receive timeouts of the peer port. */
    public PeerPortLimits peerPort() {
        return server.peerPort();
    }

    /** Connection caps and timeouts of the probe port. */
    public ListenerLimits probeConnections() {
        return server.probeConnections();
    }

    public Duration maxSnapshotDownload() {
        return server.maxSnapshotDownload();
    }

    /** The client server's limits the flags set (sizes, responses, connections, downloads) over the defaults. */
    public ServerLimits serverLimits() {
        return server.serverLimits();
    }

    // ------------------------------------------------------------------ security, data, logging

    /** TLS and client authentication settings (validated with the rest). */
    public SecuritySettings security() {
        return security.security();
    }

    /** The space quota in bytes; 0: none. */
    public long quotaBackendBytes() {
        return data.quotaBackendBytes();
    }

    /** The automatic compaction policy (off when the retention is 0). */
    public CompactionPolicy autoCompaction() {
        return data.autoCompaction();
    }

    /** The corruption check's schedule. */
    public io.raftkv.node.corruption.CorruptionCheck.Settings corruptionCheck() {
        return data.corruptionCheck();
    }

    /** The watch hub's bounds. */
    public WatchOptions watchOptions() {
        return data.watchOptions();
    }

    public boolean jsonLogs() {
        return values.text("log-format").equals("json");
    }

    public String logLevel() {
        return values.text("log-level").toUpperCase(Locale.ROOT);
    }

    /** Every resolved setting with its source, for the start-up log line. */
    public String describe() {
        return values.describe();
    }

    private void validate() {
        member.validateIdentity();
        raft.validate();
        server.validate();
        member.validateRecovery();
        String format = values.text("log-format");
        if (!format.equals("text") && !format.equals("json")) {
            throw new IllegalArgumentException(
                    "--log-format must be text or json, got '" + format + "' (" + values.source("log-format") + ")");
        }
        if (!List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR").contains(logLevel())) {
            throw new IllegalArgumentException(
                    "--log-level must be TRACE, DEBUG, INFO, WARN or ERROR, got '" + values.text("log-level") + "'");
        }
        data.validate();
        server.probeBindOrNull();
        security();
        member.validateDataDir();
    }
}
