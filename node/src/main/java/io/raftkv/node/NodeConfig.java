package io.raftkv.node;

import io.raftkv.node.net.HostPort;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The node's settings, from (highest precedence first) command-line flags, environment variables
 * {@code RAFTKV_<FLAG_IN_UPPER_SNAKE>}, a properties file ({@code --config FILE}, keys are the flag
 * names without dashes) and defaults. Every value is validated here, once, with an error that names
 * the setting and its source; nothing downstream re-parses strings.
 *
 * <p>Kubernetes: the pod contract's {@code RAFTKV_DATA_DIR} is the {@code data-dir} setting's
 * variable; the id, join mode, peers, advertised addresses and cluster id are derived from
 * {@code POD_NAME}, {@code RAFTKV_CLUSTER}, {@code RAFTKV_PEER_SERVICE}, {@code RAFTKV_REPLICAS}
 * and the member id file by {@code io.raftkv.node.k8s.KubernetesNode}, through the deriver of
 * {@link #load(String[], Map, Function)}, for every setting not given explicitly.
 */
public final class NodeConfig {

    /** One setting: its flag name, default and help. */
    record Setting(String name, String defaultValue, String help) {
        String envVar() {
            return "RAFTKV_" + name.toUpperCase(Locale.ROOT).replace('-', '_');
        }
    }

    static final List<Setting> SETTINGS = List.of(
            new Setting("id", "", "This member's id (positive integer, unique for the life of the cluster). Required."),
            new Setting(
                    "cluster-id",
                    "raftkv",
                    "Cluster identity: a positive integer, or a name hashed to one"
                            + " (FNV-1a 64). Nodes refuse peer traffic from another cluster id."),
            new Setting(
                    "client-addr",
                    "0.0.0.0:9090",
                    "Bind address of the client port (gRPC KV/Cluster, HTTP" + " /health /ready /metrics)."),
            new Setting("peer-addr", "0.0.0.0:9091", "Bind address of the peer (Raft) port."),
            new Setting(
                    "advertise-client",
                    "",
                    "Client address other nodes and clients use to reach this node"
                            + " (default: client-addr, with a wildcard host replaced by this host's address)."),
            new Setting("advertise-peer", "", "Peer address other nodes dial (default: as advertise-client)."),
            new Setting(
                    "peers",
                    "",
                    "Initial voters of a new cluster as id=host:port of their PEER port,"
                            + " comma-separated, including this node, e.g. 1=10.0.0.1:9091,2=10.0.0.2:9091. Each"
                            + " process may list different addresses (e.g. through a proxy). Ignored on restart."),
            new Setting(
                    "peer-client-addrs",
                    "",
                    "Optional client addresses of the --peers members, id=host:port,"
                            + " used for leader hints before membership entries carry them."),
            new Setting(
                    "join",
                    "false",
                    "Start with no configuration and wait to be added (AddLearner) by an"
                            + " existing cluster; --peers then only tells where to reach its members."),
            new Setting("data-dir", "/var/lib/raftkv", "Directory of the node's RocksDB data and member files."),
            new Setting("tick-ms", "10", "Length of one Raft tick in milliseconds."),
            new Setting("election-ticks", "30", "Election timeout in ticks (randomized in [n, 2n))."),
            new Setting("heartbeat-ticks", "5", "Heartbeat interval in ticks (< election-ticks)."),
            new Setting(
                    "lease-drift-ticks",
                    "3",
                    "Clock drift bound of the leader lease in ticks, in [1,"
                            + " election-ticks): LEASE reads are answered from the lease until election-ticks minus this"
                            + " after the newest heartbeat round a quorum acknowledged."),
            new Setting(
                    "snapshot-threshold-entries",
                    "100000",
                    "Take a snapshot (and compact the log) after this" + " many applied entries."),
            new Setting(
                    "snapshot-retain-entries",
                    "5000",
                    "Log entries kept below a snapshot, so slightly" + " lagging followers catch up without one."),
            new Setting("max-key-bytes", "4096", "Largest key accepted (INVALID_ARGUMENT beyond)."),
            new Setting("max-value-bytes", "1048576", "Largest value accepted (INVALID_ARGUMENT beyond)."),
            new Setting("max-request-bytes", "4194304", "Largest gRPC request accepted."),
            new Setting(
                    "max-inflight-proposals",
                    "10000",
                    "Writes admitted but not yet applied" + " (RESOURCE_EXHAUSTED beyond)."),
            new Setting(
                    "probe-addr",
                    "",
                    "Bind address of the plaintext probe port: HTTP /health /ready /metrics"
                            + " and gRPC grpc.health.v1 only, never data (for kubelet and Prometheus). Empty: none (the"
                            + " default off Kubernetes; in Kubernetes it is 0.0.0.0:9092)."),
            new Setting(
                    "tls",
                    "off",
                    "on: the peer port requires mutual TLS between members and the client port"
                            + " serves TLS (see docs/security.md); off: both plaintext."),
            new Setting(
                    "tls-cert",
                    "/etc/raftkv/tls/tls.crt",
                    "This node's certificate chain (PEM): server"
                            + " certificate of both ports and client certificate towards peers. Re-read when it changes."),
            new Setting("tls-key", "/etc/raftkv/tls/tls.key", "Private key of --tls-cert (PEM, PKCS#8 or PKCS#1)."),
            new Setting(
                    "tls-ca",
                    "/etc/raftkv/tls/ca.crt",
                    "The cluster CA bundle (PEM) peers' certificates must" + " chain to."),
            new Setting("tls-reload-seconds", "10", "How often the TLS and auth files are checked for changes."),
            new Setting(
                    "auth",
                    "off",
                    "on: every client call must authenticate (client certificate or bearer token)"
                            + " and is authorized by role; needs --tls on."),
            new Setting("auth-client-ca", "", "CA bundle (PEM) client certificates must chain to (default: --tls-ca)."),
            new Setting(
                    "auth-tokens",
                    "",
                    "Bearer tokens file: one 'token,user' per line (as Kubernetes' static"
                            + " token file); '#' starts a comment."),
            new Setting(
                    "auth-roles",
                    "",
                    "Role bindings file: one 'user role [key-prefix]' per line, role read," + " write or admin."),
            new Setting(
                    "max-connection-response-bytes",
                    "8388608",
                    "Responses a client connection has not"
                            + " read yet, in bytes, at which it takes no new calls until it drains (reads over it:"
                            + " RESOURCE_EXHAUSTED OVERLOADED)."),
            new Setting(
                    "max-node-response-bytes",
                    "67108864",
                    "Responses not yet read by all clients together,"
                            + " in bytes, at which reads are refused RESOURCE_EXHAUSTED OVERLOADED."),
            new Setting(
                    "max-client-connections",
                    "4096",
                    "Open connections on the client port at most; more are" + " closed at once."),
            new Setting(
                    "max-client-connections-per-ip",
                    "512",
                    "Open client-port connections from one IP address" + " at most (0: no cap)."),
            new Setting(
                    "client-idle-timeout-seconds",
                    "300",
                    "A client-port connection without traffic for this"
                            + " long is closed; one whose first request is not complete within --first-request-timeout-ms"
                            + " is closed too."),
            new Setting(
                    "first-request-timeout-ms",
                    "10000",
                    "A connection to the client, peer or probe port whose"
                            + " first request is not complete this long after it opened is closed (a slowloris, or a"
                            + " socket that says nothing)."),
            new Setting(
                    "max-peer-connections",
                    "64",
                    "Open connections on the peer port at most; more are closed" + " at once."),
            new Setting(
                    "max-peer-connections-per-ip",
                    "16",
                    "Open peer-port connections from one IP address at"
                            + " most (0: no cap). A member keeps one or two; proxies may put every member on one address."),
            new Setting(
                    "peer-idle-timeout-seconds",
                    "120",
                    "A peer-port connection without traffic for this long"
                            + " is closed (members send heartbeats every few ticks, so only dead connections go idle)."),
            new Setting(
                    "max-peer-streams-per-connection",
                    "32",
                    "Concurrent HTTP/2 streams one peer-port connection"
                            + " may open (a member uses two long-lived streams, its unary fallbacks and a snapshot)."),
            new Setting(
                    "snapshot-chunk-timeout-ms",
                    "30000",
                    "A snapshot being received fails when its next chunk" + " does not arrive within this long."),
            new Setting(
                    "snapshot-stall-ms",
                    "5000",
                    "A snapshot receive without a chunk for this long gives"
                            + " its slot (one at a time) to a newer transfer whose header passed the checks."),
            new Setting(
                    "max-probe-connections",
                    "64",
                    "Open connections on the probe port at most; more are closed" + " at once."),
            new Setting(
                    "max-probe-connections-per-ip",
                    "16",
                    "Open probe-port connections from one IP address at" + " most (0: no cap)."),
            new Setting(
                    "probe-idle-timeout-seconds",
                    "60",
                    "A probe-port connection without traffic for this long is" + " closed."),
            new Setting(
                    "max-snapshot-download-seconds",
                    "3600",
                    "A Cluster.SnapshotDownload runs as long as its" + " client's deadline, at most this long."),
            new Setting(
                    "max-connection-calls",
                    "1000",
                    "Calls of one client connection served and not yet"
                            + " written; beyond, the connection takes no new calls until it drains."),
            new Setting(
                    "force-new-cluster",
                    "",
                    "Quorum-loss recovery (docs/operations.md): set to THIS member's"
                            + " id to rebuild its data as a one-member cluster keeping every entry of its log, once (a"
                            + " force-new-cluster.done file records it; the old storage is kept beside). Members with"
                            + " another id ignore it. Then add members back by membership change."),
            new Setting(
                    "restore-from",
                    "",
                    "Restore (docs/operations.md): a snapshot file (raftkvctl snapshot save) that this member"
                            + " restores into its empty data directory as the only voter of a new cluster, before it"
                            + " serves anything; once (a restore.done file records it). Ignored by a member that"
                            + " joins. On Kubernetes the operator sets it for spec.restore."),
            new Setting(
                    "restore-sha256",
                    "",
                    "Expected SHA-256 (hex) of the --restore-from file; the member refuses to start on"
                            + " another file."),
            new Setting(
                    "quota-backend-bytes",
                    "2147483648",
                    "Space quota of the state machine's data, in bytes"
                            + " (etcd's --quota-backend-bytes; 0: none). Above it the member raises the cluster-wide NOSPACE"
                            + " alarm: writes that add data fail RESOURCE_EXHAUSTED NO_SPACE until keys are deleted and an"
                            + " admin disarms it (raftkvctl alarm disarm). The Raft log and snapshots are not counted:"
                            + " leave room for them on the volume."),
            new Setting(
                    "auto-compaction-mode",
                    "periodic",
                    "How --auto-compaction-retention is read (etcd's flag): periodic (a duration of history"
                            + " to keep) or revision (a number of revisions to keep)."),
            new Setting(
                    "auto-compaction-retention",
                    "0",
                    "History the leader keeps when it compacts automatically: periodic mode a duration"
                            + " (1h, 30m, 1h30m, or a bare number of hours), revision mode a number of revisions;"
                            + " 0: never compact automatically (KV.Compact by hand). See docs/operations.md."),
            new Setting(
                    "watch-stream-buffer-bytes",
                    "8388608",
                    "Responses one Watch stream may hold unsent; beyond, a watcher with more to send is"
                            + " canceled as slow (its client watches again from the revision it names)."),
            new Setting(
                    "watch-recent-change-bytes",
                    "16777216",
                    "Keys and values of the recent changes each member keeps in memory for caught-up"
                            + " watchers; older changes are read from the history on disk."),
            new Setting(
                    "watch-hand-off-bytes",
                    "67108864",
                    "Changes the apply thread may queue for the watch hub; beyond, they are dropped from"
                            + " the queue and watchers read them from the history (writes never wait)."),
            new Setting("watch-max-watchers-per-stream", "10000", "Watchers one Watch stream may hold."),
            new Setting(
                    "watch-progress-interval-ms",
                    "10000",
                    "How often an idle, caught-up watcher that asked for progress notifications gets one."),
            new Setting("log-format", "text", "Log line format: text or json. Every line carries node id and term."),
            new Setting("log-level", "INFO", "Root log level: TRACE, DEBUG, INFO, WARN or ERROR."),
            new Setting("config", "", "Optional properties file with any of these settings (flag names as keys)."));

    private final Map<String, String> values;
    private final Map<String, String> sources;

    private NodeConfig(Map<String, String> values, Map<String, String> sources) {
        this.values = values;
        this.sources = sources;
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
        Map<String, String> flags = parseFlags(args);
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, String> sources = new LinkedHashMap<>();
        String configFile =
                flags.getOrDefault("config", env.getOrDefault(setting("config").envVar(), ""));
        Properties file = configFile.isEmpty() ? new Properties() : readProperties(Path.of(configFile));
        for (String key : file.stringPropertyNames()) {
            setting(key.trim()); // rejects unknown keys
        }
        for (Setting s : SETTINGS) {
            if (flags.containsKey(s.name())) {
                values.put(s.name(), flags.get(s.name()));
                sources.put(s.name(), "flag --" + s.name());
            } else if (env.containsKey(s.envVar())) {
                values.put(s.name(), env.get(s.envVar()));
                sources.put(s.name(), "environment " + s.envVar());
            } else if (file.containsKey(s.name())) {
                values.put(s.name(), file.getProperty(s.name()).trim());
                sources.put(s.name(), "config file " + configFile);
            } else {
                values.put(s.name(), s.defaultValue());
                sources.put(s.name(), "default");
            }
        }
        Draft draft = new Draft() {
            @Override
            public String value(String name) {
                return values.get(setting(name).name());
            }

            @Override
            public boolean explicit(String name) {
                return !"default".equals(sources.get(setting(name).name()));
            }
        };
        Map<String, String> derived = deriver.apply(draft);
        derived.forEach((name, value) -> {
            if (!draft.explicit(name)) {
                values.put(name, value);
                sources.put(name, "derived");
            }
        });
        NodeConfig c = new NodeConfig(values, sources);
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

    // ------------------------------------------------------------------ typed accessors

    public long id() {
        return positiveLong("id");
    }

    public long clusterId() {
        return clusterIdOf(values.get("cluster-id"));
    }

    public HostPort clientBind() {
        return address("client-addr");
    }

    public HostPort peerBind() {
        return address("peer-addr");
    }

    /** The advertised client address, or null to derive it from the bind address. */
    public String advertisedClientOrEmpty() {
        return values.get("advertise-client");
    }

    public String advertisedPeerOrEmpty() {
        return values.get("advertise-peer");
    }

    /** Initial voters: id → peer address (sorted by id). */
    public Map<Long, String> peers() {
        return idMap("peers");
    }

    public Map<Long, String> peerClientAddresses() {
        return idMap("peer-client-addrs");
    }

    /** The member id named by {@code --force-new-cluster}, or 0 when unset. */
    public long forceNewCluster() {
        return values.get("force-new-cluster").isEmpty() ? 0 : positiveLong("force-new-cluster");
    }

    /** The snapshot file named by {@code --restore-from}, or null when unset. */
    public Path restoreFrom() {
        String v = values.get("restore-from");
        return v.isEmpty() ? null : Path.of(v);
    }

    /** {@code --restore-sha256}: lower-case hex, or empty. */
    public String restoreSha256() {
        String v = values.get("restore-sha256").trim().toLowerCase(Locale.ROOT);
        if (!v.isEmpty() && !v.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException(
                    "--restore-sha256 must be 64 hex digits, got '" + v + "' (" + sources.get("restore-sha256") + ")");
        }
        return v;
    }

    public boolean join() {
        return Boolean.parseBoolean(values.get("join"));
    }

    public Path dataDir() {
        return Path.of(values.get("data-dir"));
    }

    public long tickMs() {
        return positiveLong("tick-ms");
    }

    public int electionTicks() {
        return (int) positiveLong("election-ticks");
    }

    public int leaseDriftTicks() {
        return (int) positiveLong("lease-drift-ticks");
    }

    public int heartbeatTicks() {
        return (int) positiveLong("heartbeat-ticks");
    }

    public long snapshotThresholdEntries() {
        return positiveLong("snapshot-threshold-entries");
    }

    public long snapshotRetainEntries() {
        return nonNegativeLong("snapshot-retain-entries");
    }

    public int maxKeyBytes() {
        return (int) positiveLong("max-key-bytes");
    }

    public int maxValueBytes() {
        return (int) positiveLong("max-value-bytes");
    }

    public int maxRequestBytes() {
        return (int) positiveLong("max-request-bytes");
    }

    public int maxInflightProposals() {
        return (int) positiveLong("max-inflight-proposals");
    }

    /** The probe port's bind address, or null for none. */
    public HostPort probeBindOrNull() {
        return values.get("probe-addr").isBlank() ? null : address("probe-addr");
    }

    /** TLS and client authentication settings (validated with the rest). */
    public io.raftkv.node.security.SecuritySettings security() {
        return io.raftkv.node.security.SecuritySettings.from(name -> values.get(name), name -> sources.get(name));
    }

    public long maxConnectionResponseBytes() {
        return positiveLong("max-connection-response-bytes");
    }

    public long maxNodeResponseBytes() {
        return positiveLong("max-node-response-bytes");
    }

    /** Connection caps and timeouts of the client port. */
    public io.raftkv.node.server.ListenerLimits clientConnections() {
        return new io.raftkv.node.server.ListenerLimits(
                        (int) Math.min(Integer.MAX_VALUE, positiveLong("max-client-connections")),
                        (int) Math.min(Integer.MAX_VALUE, nonNegativeLong("max-client-connections-per-ip")),
                        firstRequestTimeout(),
                        java.time.Duration.ofSeconds(positiveLong("client-idle-timeout-seconds")))
                .validate();
    }

    private java.time.Duration firstRequestTimeout() {
        return java.time.Duration.ofMillis(positiveLong("first-request-timeout-ms"));
    }

    /** Connection caps, stream limit and snapshot receive timeouts of the peer port. */
    public io.raftkv.node.transport.PeerPortLimits peerPort() {
        return new io.raftkv.node.transport.PeerPortLimits(
                        new io.raftkv.node.server.ListenerLimits(
                                (int) Math.min(Integer.MAX_VALUE, positiveLong("max-peer-connections")),
                                (int) Math.min(Integer.MAX_VALUE, nonNegativeLong("max-peer-connections-per-ip")),
                                firstRequestTimeout(),
                                java.time.Duration.ofSeconds(positiveLong("peer-idle-timeout-seconds"))),
                        (int) Math.min(Integer.MAX_VALUE, positiveLong("max-peer-streams-per-connection")),
                        java.time.Duration.ofMillis(positiveLong("snapshot-chunk-timeout-ms")),
                        java.time.Duration.ofMillis(positiveLong("snapshot-stall-ms")))
                .validate();
    }

    /** Connection caps and timeouts of the probe port. */
    public io.raftkv.node.server.ListenerLimits probeConnections() {
        return new io.raftkv.node.server.ListenerLimits(
                        (int) Math.min(Integer.MAX_VALUE, positiveLong("max-probe-connections")),
                        (int) Math.min(Integer.MAX_VALUE, nonNegativeLong("max-probe-connections-per-ip")),
                        firstRequestTimeout(),
                        java.time.Duration.ofSeconds(positiveLong("probe-idle-timeout-seconds")))
                .validate();
    }

    public java.time.Duration maxSnapshotDownload() {
        return java.time.Duration.ofSeconds(positiveLong("max-snapshot-download-seconds"));
    }

    /** The space quota in bytes; 0: none. */
    public long quotaBackendBytes() {
        return nonNegativeLong("quota-backend-bytes");
    }

    /** The automatic compaction policy (off when the retention is 0). */
    public io.raftkv.node.compaction.CompactionPolicy autoCompaction() {
        try {
            return io.raftkv.node.compaction.CompactionPolicy.parse(
                    values.get("auto-compaction-mode"), values.get("auto-compaction-retention"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--auto-compaction-mode/--auto-compaction-retention: " + e.getMessage()
                    + " (" + sources.get("auto-compaction-mode") + ", " + sources.get("auto-compaction-retention")
                    + ")");
        }
    }

    /** The watch hub's bounds. */
    public io.raftkv.node.watch.WatchOptions watchOptions() {
        io.raftkv.node.watch.WatchOptions d = io.raftkv.node.watch.WatchOptions.defaults();
        return new io.raftkv.node.watch.WatchOptions(
                positiveLong("watch-stream-buffer-bytes"),
                positiveLong("watch-recent-change-bytes"),
                positiveLong("watch-hand-off-bytes"),
                (int) Math.min(Integer.MAX_VALUE, positiveLong("watch-max-watchers-per-stream")),
                positiveLong("watch-progress-interval-ms"),
                d.batchEvents(),
                d.batchBytes());
    }

    public int maxConnectionCalls() {
        return (int) Math.min(Integer.MAX_VALUE, positiveLong("max-connection-calls"));
    }

    public boolean jsonLogs() {
        return values.get("log-format").equals("json");
    }

    public String logLevel() {
        return values.get("log-level").toUpperCase(Locale.ROOT);
    }

    /** Every resolved setting with its source, for the start-up log line. */
    public String describe() {
        StringBuilder b = new StringBuilder();
        for (Setting s : SETTINGS) {
            b.append(s.name()).append('=').append(values.get(s.name()));
            if (!"default".equals(sources.get(s.name()))) {
                b.append(" (").append(sources.get(s.name())).append(')');
            }
            b.append("; ");
        }
        return b.toString();
    }

    // ------------------------------------------------------------------ validation and parsing

    private void validate() {
        if (values.get("id").isEmpty()) {
            throw new IllegalArgumentException("--id is required (a positive integer; env RAFTKV_ID)");
        }
        id();
        clusterId();
        clientBind();
        peerBind();
        if (!advertisedClientOrEmpty().isEmpty()) {
            address("advertise-client");
        }
        if (!advertisedPeerOrEmpty().isEmpty()) {
            address("advertise-peer");
        }
        Map<Long, String> peers = peers();
        peerClientAddresses();
        if (!join() && peers.isEmpty()) {
            throw new IllegalArgumentException("--peers is required for a new cluster (or use --join): "
                    + "id=host:port,... of the initial voters including this node");
        }
        if (!join() && !peers.containsKey(id())) {
            throw new IllegalArgumentException("--peers " + values.get("peers") + " does not include this node's id "
                    + id() + " (" + sources.get("peers") + ")");
        }
        tickMs();
        if (heartbeatTicks() >= electionTicks()) {
            throw new IllegalArgumentException("--heartbeat-ticks (" + heartbeatTicks()
                    + ") must be less than --election-ticks (" + electionTicks() + ")");
        }
        if (leaseDriftTicks() >= electionTicks()) {
            throw new IllegalArgumentException("--lease-drift-ticks (" + leaseDriftTicks()
                    + ") must be less than --election-ticks (" + electionTicks() + ")");
        }
        snapshotThresholdEntries();
        snapshotRetainEntries();
        if (maxKeyBytes() > io.raftkv.node.kv.Command.MAX_KEY_BYTES) {
            throw new IllegalArgumentException("--max-key-bytes " + maxKeyBytes() + " exceeds what storage accepts ("
                    + io.raftkv.node.kv.Command.MAX_KEY_BYTES + ")");
        }
        if (maxValueBytes() > io.raftkv.node.kv.Command.MAX_VALUE_BYTES) {
            throw new IllegalArgumentException("--max-value-bytes " + maxValueBytes() + " exceeds what storage"
                    + " accepts (" + io.raftkv.node.kv.Command.MAX_VALUE_BYTES + ")");
        }
        if (maxRequestBytes() < maxKeyBytes() + maxValueBytes()) {
            throw new IllegalArgumentException("--max-request-bytes " + maxRequestBytes() + " must be at least"
                    + " --max-key-bytes + --max-value-bytes (" + (maxKeyBytes() + maxValueBytes()) + ")");
        }
        maxInflightProposals();
        new io.raftkv.node.server.ResponseLimits(
                        maxConnectionResponseBytes(), maxNodeResponseBytes(), maxConnectionCalls())
                .validate();
        clientConnections();
        peerPort();
        probeConnections();
        maxSnapshotDownload();
        forceNewCluster();
        restoreSha256();
        String join = values.get("join");
        if (!join.equals("true") && !join.equals("false")) {
            throw new IllegalArgumentException(
                    "--join must be true or false, got '" + join + "' (" + sources.get("join") + ")");
        }
        String format = values.get("log-format");
        if (!format.equals("text") && !format.equals("json")) {
            throw new IllegalArgumentException(
                    "--log-format must be text or json, got '" + format + "' (" + sources.get("log-format") + ")");
        }
        if (!List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR").contains(logLevel())) {
            throw new IllegalArgumentException(
                    "--log-level must be TRACE, DEBUG, INFO, WARN or ERROR, got '" + values.get("log-level") + "'");
        }
        autoCompaction();
        watchOptions();
        probeBindOrNull();
        security();
        if (values.get("data-dir").isBlank()) {
            throw new IllegalArgumentException("--data-dir must not be empty");
        }
    }

    /** A positive decimal id, or a name hashed with FNV-1a 64 (top bit cleared, never 0). */
    public static long clusterIdOf(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("--cluster-id must not be empty");
        }
        try {
            long v = Long.parseLong(text.trim());
            if (v <= 0) {
                throw new IllegalArgumentException("--cluster-id must be positive, got " + v);
            }
            return v;
        } catch (NumberFormatException notANumber) {
            long h = 0xcbf29ce484222325L;
            for (byte b : text.trim().getBytes(StandardCharsets.UTF_8)) {
                h ^= b & 0xff;
                h *= 0x100000001b3L;
            }
            h &= Long.MAX_VALUE;
            return h == 0 ? 1 : h;
        }
    }

    private static Map<String, String> parseFlags(String[] args) {
        Map<String, String> flags = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException(
                        "unexpected argument '" + a + "' (settings are --name value" + " or --name=value; see --help)");
            }
            String name;
            String value;
            int eq = a.indexOf('=');
            if (eq > 0) {
                name = a.substring(2, eq);
                value = a.substring(eq + 1);
            } else {
                name = a.substring(2);
                if (name.equals("join") && (i + 1 >= args.length || args[i + 1].startsWith("--"))) {
                    value = "true";
                } else if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("--" + name + " needs a value");
                } else {
                    value = args[++i];
                }
            }
            setting(name);
            flags.put(name, value.trim());
        }
        return flags;
    }

    private static Setting setting(String name) {
        for (Setting s : SETTINGS) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown setting '" + name + "' (see --help)");
    }

    private static Properties readProperties(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
        return p;
    }

    private long positiveLong(String name) {
        long v = parseLong(name);
        if (v <= 0) {
            throw new IllegalArgumentException("--" + name + " must be > 0, got " + v + " (" + sources.get(name) + ")");
        }
        return v;
    }

    private long nonNegativeLong(String name) {
        long v = parseLong(name);
        if (v < 0) {
            throw new IllegalArgumentException("--" + name + " must be ≥ 0, got " + v + " (" + sources.get(name) + ")");
        }
        return v;
    }

    private long parseLong(String name) {
        String text = values.get(name);
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "--" + name + " must be an integer, got '" + text + "' (" + sources.get(name) + ")");
        }
    }

    private HostPort address(String name) {
        try {
            return HostPort.parse(values.get(name));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--" + name + ": " + e.getMessage() + " (" + sources.get(name) + ")");
        }
    }

    private Map<Long, String> idMap(String name) {
        String text = values.get(name);
        Map<Long, String> out = new TreeMap<>();
        if (text.isBlank()) {
            return Collections.unmodifiableMap(out);
        }
        List<String> problems = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.trim();
            int eq = p.indexOf('=');
            if (eq <= 0) {
                problems.add("'" + p + "' is not id=host:port");
                continue;
            }
            try {
                long id = Long.parseLong(p.substring(0, eq).trim());
                if (id <= 0) {
                    problems.add("id " + id + " must be positive");
                    continue;
                }
                String addr = HostPort.parse(p.substring(eq + 1)).toString();
                if (out.put(id, addr) != null) {
                    problems.add("id " + id + " listed twice");
                }
            } catch (NumberFormatException e) {
                problems.add("'" + p.substring(0, eq) + "' is not a numeric id");
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(
                    "--" + name + " " + text + ": " + String.join("; ", problems) + " (" + sources.get(name) + ")");
        }
        return Collections.unmodifiableMap(out);
    }
}
