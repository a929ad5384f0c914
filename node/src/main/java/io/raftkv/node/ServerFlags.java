package io.raftkv.node;

import io.raftkv.node.kv.Command;
import io.raftkv.node.net.HostPort;
import io.raftkv.node.net.ListenerLimits;
import io.raftkv.node.server.ResponseLimits;
import io.raftkv.node.server.ServerLimits;
import io.raftkv.node.transport.PeerPortLimits;
import java.time.Duration;
import java.util.List;

/** Request sizes, the probe port, and the connection, stream and response limits of the three ports. */
final class ServerFlags {
    /** Request sizes, proposals in flight and the probe port. */
    static final List<Setting> REQUESTS = List.of(
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
                            + " default off Kubernetes; in Kubernetes it is 0.0.0.0:9092)."));

    /** Response memory and connection caps and timeouts of the client, peer and probe ports. */
    static final List<Setting> CONNECTIONS = List.of(
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
                            + " written; beyond, the connection takes no new calls until it drains."));

    private final SettingValues v;

    ServerFlags(SettingValues v) {
        this.v = v;
    }

    int maxKeyBytes() {
        return (int) v.positiveLong("max-key-bytes");
    }

    int maxValueBytes() {
        return (int) v.positiveLong("max-value-bytes");
    }

    int maxRequestBytes() {
        return (int) v.positiveLong("max-request-bytes");
    }

    int maxInflightProposals() {
        return (int) v.positiveLong("max-inflight-proposals");
    }

    HostPort probeBindOrNull() {
        return v.text("probe-addr").isBlank() ? null : v.address("probe-addr");
    }

    long maxConnectionResponseBytes() {
        return v.positiveLong("max-connection-response-bytes");
    }

    long maxNodeResponseBytes() {
        return v.positiveLong("max-node-response-bytes");
    }

    int maxConnectionCalls() {
        return v.positiveIntCapped("max-connection-calls");
    }

    ListenerLimits clientConnections() {
        return listener("max-client-connections", "max-client-connections-per-ip", "client-idle-timeout-seconds")
                .validate();
    }

    PeerPortLimits peerPort() {
        return new PeerPortLimits(
                        listener("max-peer-connections", "max-peer-connections-per-ip", "peer-idle-timeout-seconds"),
                        v.positiveIntCapped("max-peer-streams-per-connection"),
                        Duration.ofMillis(v.positiveLong("snapshot-chunk-timeout-ms")),
                        Duration.ofMillis(v.positiveLong("snapshot-stall-ms")))
                .validate();
    }

    ListenerLimits probeConnections() {
        return listener("max-probe-connections", "max-probe-connections-per-ip", "probe-idle-timeout-seconds")
                .validate();
    }

    Duration maxSnapshotDownload() {
        return Duration.ofSeconds(v.positiveLong("max-snapshot-download-seconds"));
    }

    ResponseLimits responses() {
        return new ResponseLimits(maxConnectionResponseBytes(), maxNodeResponseBytes(), maxConnectionCalls());
    }

    /** The client server's limits these flags set, over {@link ServerLimits#defaults()}. */
    ServerLimits serverLimits() {
        return ServerLimits.defaults()
                .withSizes(maxKeyBytes(), maxValueBytes(), maxRequestBytes())
                .withResponses(responses())
                .withConnections(clientConnections())
                .withMaxSnapshotDownload(maxSnapshotDownload());
    }

    /** One port's connection caps ({@code perIp} 0: no cap) and idle timeout; the first-request timeout is shared. */
    private ListenerLimits listener(String max, String perIp, String idleSeconds) {
        return new ListenerLimits(
                v.positiveIntCapped(max),
                v.nonNegativeIntCapped(perIp),
                Duration.ofMillis(v.positiveLong("first-request-timeout-ms")),
                Duration.ofSeconds(v.positiveLong(idleSeconds)));
    }

    void validate() {
        if (maxKeyBytes() > Command.MAX_KEY_BYTES) {
            throw new IllegalArgumentException("--max-key-bytes " + maxKeyBytes() + " exceeds what storage accepts ("
                    + Command.MAX_KEY_BYTES + ")");
        }
        if (maxValueBytes() > Command.MAX_VALUE_BYTES) {
            throw new IllegalArgumentException("--max-value-bytes " + maxValueBytes() + " exceeds what storage"
                    + " accepts (" + Command.MAX_VALUE_BYTES + ")");
        }
        if (maxRequestBytes() < maxKeyBytes() + maxValueBytes()) {
            throw new IllegalArgumentException("--max-request-bytes " + maxRequestBytes() + " must be at least"
                    + " --max-key-bytes + --max-value-bytes (" + (maxKeyBytes() + maxValueBytes()) + ")");
        }
        maxInflightProposals();
        responses().validate();
        clientConnections();
        peerPort();
        probeConnections();
        maxSnapshotDownload();
    }
}
