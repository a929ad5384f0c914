/**
 * Node-to-node Raft transport over Vert.x gRPC ({@code raftkv.peer.v1.RaftPeer}): outbound, one
 * {@link PeerChannel} per peer (bounded queue, pipelined batches over one long-lived
 * {@link PeerStream}) managed by {@link PeerTransport}; inbound, the peer port ({@link PeerServer})
 * handing checked messages to the driver through {@link PeerInbound}; snapshots streamed with
 * checksums both ways ({@link SnapshotStreamer}, {@link SnapshotReceiver} behind the ports
 * {@link SnapshotSource} and {@link SnapshotSink}); the wire codec ({@link PeerMessageCodec}); and
 * {@link PeerAddressResolver}, {@link HeartbeatRoundTrips}, {@link TransportStats}.
 *
 * <p>Depends on the core's types ({@code io.raftkv.raft}), the generated {@code io.raftkv.api.peer.v1}
 * messages, {@link io.raftkv.api.net}, {@link io.raftkv.node.net} (addresses, and the connection
 * admission every port shares: {@link io.raftkv.node.net.ConnectionGuard},
 * {@link io.raftkv.node.net.ListenerLimits}) and {@link io.raftkv.node.security} (peer TLS); never
 * on the driver, which it reaches only through its ports.
 */
package io.raftkv.node.transport;
