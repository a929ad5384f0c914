package io.raftkv.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;

/**
 * The founding voters of a RaftKV cluster on loopback and the node flags that make them one cluster:
 * ids 1..size, each with a client port, a peer port and a data directory; {@code --cluster-id};
 * {@code --peers} as a {@link PeerWiring} gives it (every node straight to the others' peer ports,
 * {@link #direct()}, or each directed link through its own proxy, as the chaos harness wires its
 * fault-proxy mesh); {@code --peer-client-addrs} listing every voter's client address. Also the
 * flags of a member that joins a running cluster later ({@link #joinArgs}).
 *
 * <p>Only addresses and flags: starting the processes ({@link ManagedProcess}, {@link NodeJvm}) and
 * waiting for a leader ({@link LeaderAgreement}, {@link Poll}) are the harness's.
 */
public final class ClusterLayout {
    public static final String HOST = "127.0.0.1";

    /** Where one member listens and keeps its data. */
    public record Member(int id, int clientPort, int peerPort, Path dataDir) {
        public String clientAddress() {
            return HOST + ":" + clientPort;
        }

        public String peerAddress() {
            return HOST + ":" + peerPort;
        }

        /** {@code --id}, {@code --client-addr}, {@code --peer-addr}, {@code --data-dir}. */
        public List<String> ownArgs() {
            return List.of(
                    "--id",
                    Integer.toString(id),
                    "--client-addr",
                    clientAddress(),
                    "--peer-addr",
                    peerAddress(),
                    "--data-dir",
                    dataDir.toString());
        }
    }

    /** How node {@code id} reaches its peers: its {@code --peers} value ({@code 1=host:port,2=...}). */
    @FunctionalInterface
    public interface PeerWiring {
        String peersArgument(int id);
    }

    private final String clusterId;
    private final Map<Integer, Member> voters = new LinkedHashMap<>();

    private ClusterLayout(String clusterId, List<Member> voters) {
        this.clusterId = clusterId;
        for (Member m : voters) {
            this.voters.put(m.id(), m);
        }
    }

    /** {@code size} voters on ports free right now ({@link FreePorts}); {@code dataDir} maps an id to its directory. */
    public static ClusterLayout onFreePorts(String clusterId, int size, IntFunction<Path> dataDir) throws IOException {
        requireSize(size);
        int[] ports = FreePorts.allocate(2 * size);
        return onPorts(clusterId, size, id -> ports[2 * id - 2], id -> ports[2 * id - 1], dataDir);
    }

    /** {@code size} voters on the ports the two functions give for ids 1..size (e.g. from a base port). */
    public static ClusterLayout onPorts(
            String clusterId,
            int size,
            IntUnaryOperator clientPort,
            IntUnaryOperator peerPort,
            IntFunction<Path> dataDir) {
        requireSize(size);
        List<Member> members = new ArrayList<>();
        for (int id = 1; id <= size; id++) {
            members.add(new Member(id, clientPort.applyAsInt(id), peerPort.applyAsInt(id), dataDir.apply(id)));
        }
        return new ClusterLayout(clusterId, members);
    }

    /** One member on ports free right now, e.g. a node that will join later. */
    public static Member freeMember(int id, Path dataDir) throws IOException {
        int[] ports = FreePorts.allocate(2);
        return new Member(id, ports[0], ports[1], dataDir);
    }

    private static void requireSize(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("a cluster needs at least one voter, got " + size);
        }
    }

    public String clusterId() {
        return clusterId;
    }

    /** The voters, by id. */
    public List<Member> voters() {
        return List.copyOf(voters.values());
    }

    public Member voter(int id) {
        Member m = voters.get(id);
        if (m == null) {
            throw new IllegalArgumentException("no voter " + id + "; voters are " + voters.keySet());
        }
        return m;
    }

    /** Every voter's real peer address, by id (what a proxy mesh forwards to). */
    public Map<Integer, InetSocketAddress> peerAddresses() {
        Map<Integer, InetSocketAddress> out = new LinkedHashMap<>();
        voters.values().forEach(m -> out.put(m.id(), new InetSocketAddress(HOST, m.peerPort())));
        return out;
    }

    /** Every node reaches every other on its real peer port. */
    public PeerWiring direct() {
        String peers = peersOf(voters.values());
        return id -> peers;
    }

    /** {@code --cluster-id}, {@code --peers} (as {@code wiring} gives it for {@code id}) and {@code --peer-client-addrs}. */
    public List<String> clusterArgs(int id, PeerWiring wiring) {
        voter(id);
        return List.of(
                "--cluster-id",
                clusterId,
                "--peers",
                wiring.peersArgument(id),
                "--peer-client-addrs",
                clientsOf(voters.values()));
    }

    /** Voter {@code id}'s own flags ({@link Member#ownArgs()}) followed by {@link #clusterArgs}. */
    public List<String> voterArgs(int id, PeerWiring wiring) {
        List<String> args = new ArrayList<>(voter(id).ownArgs());
        args.addAll(clusterArgs(id, wiring));
        return args;
    }

    /**
     * The flags that make a new, empty node wait to be added to a running cluster: {@code --cluster-id},
     * {@code --join}, and {@code --peers} / {@code --peer-client-addrs} naming the current {@code members}
     * on their real addresses (a membership entry carries one address for all senders).
     */
    public static List<String> joinArgs(String clusterId, Collection<Member> members) {
        return List.of(
                "--cluster-id",
                clusterId,
                "--join",
                "--peers",
                peersOf(members),
                "--peer-client-addrs",
                clientsOf(members));
    }

    /** {@code id=host:peerPort,...}. */
    public static String peersOf(Collection<Member> members) {
        StringJoiner j = new StringJoiner(",");
        members.forEach(m -> j.add(m.id() + "=" + m.peerAddress()));
        return j.toString();
    }

    /** {@code id=host:clientPort,...}. */
    public static String clientsOf(Collection<Member> members) {
        StringJoiner j = new StringJoiner(",");
        members.forEach(m -> j.add(m.id() + "=" + m.clientAddress()));
        return j.toString();
    }
}
