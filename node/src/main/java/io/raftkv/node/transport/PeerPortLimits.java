package io.raftkv.node.transport;

import io.raftkv.node.net.ListenerLimits;
import java.time.Duration;
import java.util.Objects;

/**
 * Limits of the peer port, set by flags (docs/configuration.md, "Peer and probe ports").
 *
 * @param connections             connection caps, first-request deadline and idle timeout
 *                                ({@code --max-peer-connections}, {@code --max-peer-connections-per-ip},
 *                                {@code --first-request-timeout-ms}, {@code --peer-idle-timeout-seconds})
 * @param maxStreamsPerConnection concurrent HTTP/2 streams one peer connection may open
 *                                ({@code --max-peer-streams-per-connection}); a member uses two
 *                                long-lived streams, its unary fallbacks and one snapshot
 * @param snapshotChunkDeadline   longest wait for the next chunk of a snapshot being received
 *                                ({@code --snapshot-chunk-timeout-ms})
 * @param snapshotStall           a receive without a chunk for this long gives its slot to a newer
 *                                checked transfer ({@code --snapshot-stall-ms})
 */
public record PeerPortLimits(
        ListenerLimits connections,
        int maxStreamsPerConnection,
        Duration snapshotChunkDeadline,
        Duration snapshotStall) {

    public PeerPortLimits {
        Objects.requireNonNull(connections, "connections");
        Objects.requireNonNull(snapshotChunkDeadline, "snapshotChunkDeadline");
        Objects.requireNonNull(snapshotStall, "snapshotStall");
    }

    /** 64 connections, 16 per address, 10 s, 2 min idle; 32 streams; 30 s per chunk; 5 s stall. */
    public static PeerPortLimits defaults() {
        return new PeerPortLimits(ListenerLimits.peerDefaults(), 32, Duration.ofSeconds(30), Duration.ofSeconds(5));
    }

    /** @throws IllegalArgumentException naming the first field out of range */
    public PeerPortLimits validate() {
        connections.validate();
        if (maxStreamsPerConnection < 4 || maxStreamsPerConnection > 10_000) {
            throw new IllegalArgumentException(
                    "--max-peer-streams-per-connection must be in [4, 10000], got " + maxStreamsPerConnection);
        }
        if (snapshotChunkDeadline.toMillis() < 1 || snapshotStall.toMillis() < 1) {
            throw new IllegalArgumentException("--snapshot-chunk-timeout-ms and --snapshot-stall-ms must be ≥ 1, got "
                    + snapshotChunkDeadline.toMillis() + " and " + snapshotStall.toMillis());
        }
        return this;
    }

    public PeerPortLimits withSnapshotTimeouts(Duration chunkDeadline, Duration stall) {
        return new PeerPortLimits(connections, maxStreamsPerConnection, chunkDeadline, stall);
    }
}
