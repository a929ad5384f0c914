package io.raftkv.node;

import io.raftkv.node.net.HostPort;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Who this member is and where it listens, its initial peers, its data directory and the recovery flags. */
final class MemberFlags {
    /** Identity, addresses, peers and data directory. */
    static final List<Setting> IDENTITY = List.of(
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
            new Setting("data-dir", "/var/lib/raftkv", "Directory of the node's RocksDB data and member files."));

    /** Recovery from a lost quorum or from a backup. */
    static final List<Setting> RECOVERY = List.of(
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
                            + " another file."));

    private final SettingValues v;

    MemberFlags(SettingValues v) {
        this.v = v;
    }

    long id() {
        return v.positiveLong("id");
    }

    long clusterId() {
        return clusterIdOf(v.text("cluster-id"));
    }

    HostPort clientBind() {
        return v.address("client-addr");
    }

    HostPort peerBind() {
        return v.address("peer-addr");
    }

    String advertisedClientOrEmpty() {
        return v.text("advertise-client");
    }

    String advertisedPeerOrEmpty() {
        return v.text("advertise-peer");
    }

    Map<Long, String> peers() {
        return v.idMap("peers");
    }

    Map<Long, String> peerClientAddresses() {
        return v.idMap("peer-client-addrs");
    }

    long forceNewCluster() {
        return v.text("force-new-cluster").isEmpty() ? 0 : v.positiveLong("force-new-cluster");
    }

    Path restoreFrom() {
        String s = v.text("restore-from");
        return s.isEmpty() ? null : Path.of(s);
    }

    String restoreSha256() {
        String s = v.text("restore-sha256").trim().toLowerCase(Locale.ROOT);
        if (!s.isEmpty() && !s.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException(
                    "--restore-sha256 must be 64 hex digits, got '" + s + "' (" + v.source("restore-sha256") + ")");
        }
        return s;
    }

    boolean join() {
        return Boolean.parseBoolean(v.text("join"));
    }

    Path dataDir() {
        return Path.of(v.text("data-dir"));
    }

    /** Identity, addresses and peers (first of the checks, as before the groups existed). */
    void validateIdentity() {
        if (v.text("id").isEmpty()) {
            throw new IllegalArgumentException("--id is required (a positive integer; env RAFTKV_ID)");
        }
        id();
        clusterId();
        clientBind();
        peerBind();
        if (!advertisedClientOrEmpty().isEmpty()) {
            v.address("advertise-client");
        }
        if (!advertisedPeerOrEmpty().isEmpty()) {
            v.address("advertise-peer");
        }
        Map<Long, String> peers = peers();
        peerClientAddresses();
        if (!join() && peers.isEmpty()) {
            throw new IllegalArgumentException("--peers is required for a new cluster (or use --join): "
                    + "id=host:port,... of the initial voters including this node");
        }
        if (!join() && !peers.containsKey(id())) {
            throw new IllegalArgumentException("--peers " + v.text("peers") + " does not include this node's id " + id()
                    + " (" + v.source("peers") + ")");
        }
    }

    /** The recovery flags and the join flag's spelling. */
    void validateRecovery() {
        forceNewCluster();
        restoreSha256();
        String join = v.text("join");
        if (!join.equals("true") && !join.equals("false")) {
            throw new IllegalArgumentException(
                    "--join must be true or false, got '" + join + "' (" + v.source("join") + ")");
        }
    }

    void validateDataDir() {
        if (v.text("data-dir").isBlank()) {
            throw new IllegalArgumentException("--data-dir must not be empty");
        }
    }

    /** A positive decimal id, or a name hashed with FNV-1a 64 (top bit cleared, never 0). */
    static long clusterIdOf(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("--cluster-id must not be empty");
        }
        try {
            long id = Long.parseLong(text.trim());
            if (id <= 0) {
                throw new IllegalArgumentException("--cluster-id must be positive, got " + id);
            }
            return id;
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
}
