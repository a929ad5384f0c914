package io.raftkv.e2e.proxy;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * One {@link FaultProxy} per ordered pair of nodes (i -> j), in front of j's peer port.
 *
 * <p>How it is wired: every node process gets its own {@code --peers} map (see
 * {@link #peersArgument(int)}): node i's entry for j is the loopback port of proxy i->j, which
 * forwards to j's real peer port; i's entry for itself is its own real address. So every byte i
 * sends to j, and j's replies on that connection, pass through proxy i->j, and each direction of
 * a pair can be faulted on its own.
 */
public final class ProxyMesh implements PeerNetwork, Closeable {
    private final Map<Integer, InetSocketAddress> peerAddresses;
    private final Map<Link, FaultProxy> proxies = new LinkedHashMap<>();

    private ProxyMesh(Map<Integer, InetSocketAddress> peerAddresses) {
        this.peerAddresses = peerAddresses;
    }

    /**
     * Starts N*(N-1) proxies.
     *
     * @param peerAddresses each node's real peer address, by node id (at least two nodes)
     * @param seed          seeds each proxy's dice (derived per link)
     */
    public static ProxyMesh start(Map<Integer, InetSocketAddress> peerAddresses, long seed) throws IOException {
        if (peerAddresses.size() < 2) {
            throw new IllegalArgumentException("a mesh needs at least two nodes, got " + peerAddresses.keySet());
        }
        ProxyMesh mesh = new ProxyMesh(new LinkedHashMap<>(peerAddresses));
        try {
            for (Link link : mesh.links()) {
                long linkSeed = seed * 31 + link.from() * 1_000_003L + link.to();
                mesh.proxies.put(link, FaultProxy.start(link.toString(), peerAddresses.get(link.to()), linkSeed));
            }
        } catch (IOException | RuntimeException e) {
            mesh.close();
            throw e;
        }
        return mesh;
    }

    @Override
    public List<Integer> nodeIds() {
        return List.copyOf(peerAddresses.keySet());
    }

    @Override
    public void setBehavior(Link link, LinkBehavior behavior) {
        proxy(link).setBehavior(behavior);
    }

    @Override
    public LinkBehavior behavior(Link link) {
        return proxy(link).behavior();
    }

    public FaultProxy proxy(Link link) {
        return Objects.requireNonNull(proxies.get(link), () -> "no proxy for link " + link);
    }

    /** The address node {@code from} must use to reach {@code to}. */
    public InetSocketAddress addressFor(int from, int to) {
        if (from == to) {
            return peerAddresses.get(from);
        }
        return new InetSocketAddress("127.0.0.1", proxy(new Link(from, to)).port());
    }

    /** The {@code --peers} value for node {@code node}: {@code 1=127.0.0.1:P1,2=127.0.0.1:P2,...}. */
    public String peersArgument(int node) {
        if (!peerAddresses.containsKey(node)) {
            throw new IllegalArgumentException("unknown node " + node + ", nodes are " + nodeIds());
        }
        StringJoiner joiner = new StringJoiner(",");
        for (int other : peerAddresses.keySet()) {
            InetSocketAddress a = addressFor(node, other);
            joiner.add(other + "=" + a.getHostString() + ":" + a.getPort());
        }
        return joiner.toString();
    }

    /** Stats of every proxy, by link. */
    public Map<Link, FaultProxy.Stats> stats() {
        Map<Link, FaultProxy.Stats> stats = new LinkedHashMap<>();
        proxies.forEach((link, proxy) -> stats.put(link, proxy.stats()));
        return stats;
    }

    @Override
    public void close() {
        List<FaultProxy> all = new ArrayList<>(proxies.values());
        for (FaultProxy proxy : all) {
            proxy.close();
        }
    }
}
