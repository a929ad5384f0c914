package io.raftkv.node.transport;

/**
 * Where to dial each peer. Implemented by the driver's member directory, which ranks sources:
 * addresses given on the command line (each process may have its own, e.g. a chaos proxy per link)
 * win over addresses from membership entries, which win over addresses a peer announced itself.
 */
public interface PeerAddressResolver {

    /** {@code host:port} of {@code peerId}'s peer port, or null when unknown. */
    String peerAddress(long peerId);

    /** A batch from {@code peerId} announced {@code address} as its own (lowest-ranked source). */
    void announced(long peerId, String address);
}
