package io.raftkv.e2e.k8s;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The simulated pod network: every pod gets its own loopback address (Linux routes all of
 * {@code 127.0.0.0/8} to {@code lo}), so each node binds the pod contract's ports 9090 and 9091
 * unchanged, and the headless Service's DNS names {@code <cluster>-<i>.<cluster>-peers.<ns>.svc}
 * resolve to those addresses through a JVM hosts file ({@code -Djdk.net.hosts.file}, read on
 * every lookup) that every node and operator process is started with.
 *
 * <p>Why addresses rather than ports: the operator registers members under the contract's DNS
 * names and fixed ports ({@code ...svc:9091}), and nodes dial what is registered; with one
 * address per pod nothing in the node or operator has to know it runs on loopback, and the code
 * paths tested are the ones Kubernetes runs.
 *
 * <p>Each StatefulSet gets a {@code /24} block {@code 127.A.B.0} ({@code A} drawn from the seed,
 * {@code B} counting up), with pod {@code i} at {@code 127.A.B.(10+i)}; records for ordinals
 * {@code 0..}{@value #MAX_ORDINALS}{@code -1} are written when the block is allocated, before any
 * process could look a name up (so no negative answer is ever cached). A block whose client port
 * is taken (another process bound a wildcard address) is skipped.
 */
public final class PodNetwork {

    /** The CRD allows at most 9 replicas; one spare ordinal for a surge. */
    static final int MAX_ORDINALS = 10;

    static final int FIRST_HOST_OCTET = 10;
    static final int CLIENT_PORT = 9090;
    static final int PEER_PORT = 9091;

    private final Path hostsFile;
    private final int secondOctet;
    private final ReentrantLock lock = new ReentrantLock();
    /** "namespace/statefulset" → third octet. Guarded by {@link #lock}. */
    private final Map<String, Integer> blocks = new LinkedHashMap<>();

    private int nextThirdOctet;

    /**
     * @param hostsFile written here (atomically replaced on every allocation)
     * @param seed chooses the {@code 127.A.0.0/16} range, so that two harnesses on one machine
     *     rarely share addresses
     */
    public PodNetwork(Path hostsFile, long seed) {
        this.hostsFile = hostsFile;
        Random random = new Random(seed);
        this.secondOctet = 100 + random.nextInt(100);
        this.nextThirdOctet = 1 + random.nextInt(200);
        write();
    }

    /** The hosts file that processes must be started with ({@code -Djdk.net.hosts.file}). */
    public Path hostsFile() {
        return hostsFile;
    }

    /** The loopback address of pod {@code ordinal} of {@code statefulSet}, allocating its block. */
    public String podIp(String namespace, String statefulSet, int ordinal) {
        if (ordinal < 0 || ordinal >= MAX_ORDINALS) {
            throw new IllegalArgumentException("ordinal " + ordinal + " outside 0.." + (MAX_ORDINALS - 1));
        }
        return "127." + secondOctet + "." + block(namespace, statefulSet) + "." + (FIRST_HOST_OCTET + ordinal);
    }

    /**
     * {@code host:port} with a pod DNS name replaced by the pod's address (a leader hint carries the
     * DNS name); anything else is returned unchanged.
     */
    public String toLoopback(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) {
            return hostPort;
        }
        return resolve(hostPort.substring(0, colon))
                .map(ip -> ip + hostPort.substring(colon))
                .orElse(hostPort);
    }

    /** The address a pod DNS name maps to, if it is one of ours. */
    public Optional<String> resolve(String host) {
        lock.lock();
        try {
            for (var e : blocks.entrySet()) {
                String[] nsAndSts = e.getKey().split("/", 2);
                for (int i = 0; i < MAX_ORDINALS; i++) {
                    for (String name : names(nsAndSts[0], nsAndSts[1], i)) {
                        if (name.equals(host)) {
                            return Optional.of(
                                    "127." + secondOctet + "." + e.getValue() + "." + (FIRST_HOST_OCTET + i));
                        }
                    }
                }
            }
            return Optional.empty();
        } finally {
            lock.unlock();
        }
    }

    /** "namespace/statefulset" of the pod at {@code ip}, if it is one of ours. */
    public Optional<String> statefulSetOf(String ip) {
        String[] octets = ip.split("\\.");
        if (octets.length != 4 || !octets[0].equals("127") || !octets[1].equals(String.valueOf(secondOctet))) {
            return Optional.empty();
        }
        lock.lock();
        try {
            for (var e : blocks.entrySet()) {
                if (String.valueOf(e.getValue()).equals(octets[2])) {
                    return Optional.of(e.getKey());
                }
            }
            return Optional.empty();
        } finally {
            lock.unlock();
        }
    }

    private int block(String namespace, String statefulSet) {
        lock.lock();
        try {
            Integer third = blocks.get(namespace + "/" + statefulSet);
            if (third != null) {
                return third;
            }
            for (int attempts = 0; attempts < 250; attempts++) {
                int candidate = nextThirdOctet;
                nextThirdOctet = nextThirdOctet >= 254 ? 1 : nextThirdOctet + 1;
                if (blocks.containsValue(candidate) || !portsFree(candidate)) {
                    continue;
                }
                blocks.put(namespace + "/" + statefulSet, candidate);
                write();
                return candidate;
            }
            throw new IllegalStateException("no free loopback block in 127." + secondOctet + ".0.0/16");
        } finally {
            lock.unlock();
        }
    }

    private boolean portsFree(int thirdOctet) {
        String ip = "127." + secondOctet + "." + thirdOctet + "." + FIRST_HOST_OCTET;
        for (int port : new int[] {CLIENT_PORT, PEER_PORT}) {
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getByName(ip), port));
            } catch (IOException taken) {
                return false;
            }
        }
        return true;
    }

    /** The names Kubernetes DNS gives pod {@code i} under the headless Service. */
    private static String[] names(String namespace, String statefulSet, int ordinal) {
        String base = statefulSet + "-" + ordinal + "." + statefulSet + "-peers." + namespace + ".svc";
        return new String[] {base, base + ".cluster.local"};
    }

    private void write() {
        StringBuilder b = new StringBuilder("# written by the RaftKV e2e harness (PodNetwork)\n");
        b.append("127.0.0.1 localhost\n");
        blocks.forEach((key, third) -> {
            String[] nsAndSts = key.split("/", 2);
            for (int i = 0; i < MAX_ORDINALS; i++) {
                b.append("127.")
                        .append(secondOctet)
                        .append('.')
                        .append(third)
                        .append('.')
                        .append(FIRST_HOST_OCTET + i);
                for (String name : names(nsAndSts[0], nsAndSts[1], i)) {
                    b.append(' ').append(name);
                }
                b.append('\n');
            }
        });
        try {
            Files.createDirectories(hostsFile.getParent());
            Path tmp = hostsFile.resolveSibling(hostsFile.getFileName() + ".tmp");
            Files.writeString(tmp, b, StandardCharsets.UTF_8);
            Files.move(tmp, hostsFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write hosts file " + hostsFile, e);
        }
    }
}
