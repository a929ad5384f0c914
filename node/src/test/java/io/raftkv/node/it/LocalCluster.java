package io.raftkv.node.it;

import static org.awaitility.Awaitility.await;

import io.raftkv.api.RaftKvException;
import io.raftkv.api.client.Endpoint;
import io.raftkv.api.client.RaftKvClient;
import io.raftkv.api.client.RetryPolicy;
import io.raftkv.api.v1.MemberRole;
import io.raftkv.api.v1.Role;
import io.raftkv.api.v1.StatusRequest;
import io.raftkv.api.v1.StatusResponse;
import io.raftkv.testkit.ClusterLayout;
import io.raftkv.testkit.FreePorts;
import io.raftkv.testkit.LeaderAgreement;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * A RaftKV cluster of real node processes on loopback, for tests: free ports, data under the build
 * directory ({@code <build>/it-data/<name>-<millis>/node-N}), and clients that talk to it the way
 * applications do. {@link #close()} SIGKILLs whatever still runs. Every cluster in this JVM is
 * tracked so that {@link DumpLogsOnFailure} can print the node logs of a failed test.
 *
 * <p>Waiting is always bounded and never sleeps: {@link #awaitLeader} and friends poll with
 * Awaitility.
 */
final class LocalCluster implements AutoCloseable {
    /** Bound of every wait for an election, a catch-up or a restart; generous for loaded CI machines. */
    static final Duration WAIT = Duration.ofSeconds(60);

    private static final Duration STATUS_DEADLINE = Duration.ofSeconds(2);
    /**
     * Test clients ride out leaderless periods longer than the client's defaults allow: on a shared,
     * overloaded CI machine a cluster may need several elections in a row (event-loop stalls and
     * fsyncs of hundreds of milliseconds, which the driver's LoopLatency logs). Raft's own timings
     * stay at their defaults.
     */
    private static final Duration CLIENT_DEADLINE = Duration.ofSeconds(30);

    private static final RetryPolicy PATIENT = new RetryPolicy(60, Duration.ofMillis(25), Duration.ofMillis(500), 0.2);
    static final Set<LocalCluster> RUNNING = ConcurrentHashMap.newKeySet();

    final String name;
    final Path root;
    private final Map<Long, NodeProcess> nodes = new LinkedHashMap<>();
    private final List<String> extraArgs;
    private final List<RaftKvClient> clients = new CopyOnWriteArrayList<>();
    private final RaftKvClient statusClient;

    private LocalCluster(String name, Path root, List<String> extraArgs) {
        this.name = name;
        this.root = root;
        this.extraArgs = List.copyOf(extraArgs);
        this.statusClient = track(RaftKvClient.builder()
                .endpoints(List.of(new Endpoint("127.0.0.1", 1)))
                .deadline(STATUS_DEADLINE)
                .retryPolicy(RetryPolicy.NONE)
                .build());
    }

    /**
     * Starts {@code size} voters with ids 1..size (in parallel) and waits for a leader.
     *
     * @param extraArgs node flags added to every node's command line (e.g. snapshot thresholds)
     */
    static LocalCluster start(String name, int size, List<String> extraArgs) throws IOException {
        Path root = buildDir().resolve("it-data").resolve(name + "-" + System.currentTimeMillis());
        Files.createDirectories(root);
        LocalCluster c = new LocalCluster(name, root, extraArgs);
        RUNNING.add(c);
        ClusterLayout layout =
                ClusterLayout.onFreePorts(name, size, id -> nodeDir(root, id).resolve("data"));
        for (ClusterLayout.Member m : layout.voters()) {
            List<String> args = new ArrayList<>(layout.clusterArgs(m.id(), layout.direct()));
            args.addAll(extraArgs);
            c.nodes.put(
                    (long) m.id(), new NodeProcess(m.id(), m.clientPort(), m.peerPort(), nodeDir(root, m.id()), args));
        }
        try {
            for (NodeProcess n : c.nodes.values()) {
                n.start();
            }
            c.awaitLeader();
        } catch (RuntimeException | IOException e) {
            // The caller never sees the cluster, so it cannot close it: do it here, or the node
            // processes outlive the test JVM.
            System.out.println("cluster " + name + " did not start:\n" + c.logs(60));
            try {
                c.close();
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            throw e;
        }
        return c;
    }

    /**
     * Starts a one-member cluster whose member {@code id} runs on a data directory {@code prepare}
     * fills first (e.g. a restore), and waits for it to lead.
     */
    static LocalCluster startPrepared(String name, long id, List<String> extraArgs, DataDirPreparer prepare)
            throws IOException {
        Path root = buildDir().resolve("it-data").resolve(name + "-" + System.currentTimeMillis());
        LocalCluster c = new LocalCluster(name, root, extraArgs);
        RUNNING.add(c);
        ClusterLayout.Member m =
                ClusterLayout.freeMember((int) id, nodeDir(root, id).resolve("data"));
        List<String> args =
                new ArrayList<>(List.of("--cluster-id", name, "--peers", ClusterLayout.peersOf(List.of(m))));
        args.addAll(extraArgs);
        NodeProcess n = new NodeProcess(id, m.clientPort(), m.peerPort(), nodeDir(root, id), args);
        c.nodes.put(id, n);
        prepare.prepare(n.dataDir());
        n.start();
        c.awaitLeader();
        return c;
    }

    /** Fills a data directory before its node first starts. */
    @FunctionalInterface
    interface DataDirPreparer {
        void prepare(Path dataDir) throws IOException;
    }

    /** Forgets a node whose data is gone for good (after {@link NodeProcess#kill()}). */
    void forget(long id) {
        nodes.remove(id);
    }

    /**
     * Starts a new, empty node that waits to be added ({@code --join}); the caller adds it with
     * AddLearner using {@link NodeProcess#peerAddress()}. Its id is chosen by the caller.
     */
    NodeProcess startJoiner(long id) throws IOException {
        if (nodes.containsKey(id)) {
            throw new IllegalArgumentException("id " + id + " is taken");
        }
        ClusterLayout.Member m =
                ClusterLayout.freeMember((int) id, nodeDir(root, id).resolve("data"));
        List<String> args = new ArrayList<>(ClusterLayout.joinArgs(
                name, nodes.values().stream().map(NodeProcess::member).toList()));
        args.addAll(extraArgs);
        NodeProcess n = new NodeProcess(id, m.clientPort(), m.peerPort(), nodeDir(root, id), args);
        nodes.put(id, n);
        n.start();
        return n;
    }

    NodeProcess node(long id) {
        NodeProcess n = nodes.get(id);
        if (n == null) {
            throw new IllegalArgumentException("no node " + id + " in " + nodes.keySet());
        }
        return n;
    }

    List<NodeProcess> nodes() {
        return List.copyOf(nodes.values());
    }

    List<NodeProcess> running() {
        return nodes.values().stream().filter(NodeProcess::isAlive).toList();
    }

    /** A client of every running node (leader discovery, NOT_LEADER hints, session retries). */
    RaftKvClient client() {
        return client(running());
    }

    /** A client that knows only {@code only}: writes reach the leader through NOT_LEADER hints. */
    RaftKvClient client(List<NodeProcess> only) {
        return client(only, PATIENT);
    }

    /** A client that knows only {@code only}, retrying as {@code retry} says. */
    RaftKvClient client(List<NodeProcess> only, RetryPolicy retry) {
        return track(RaftKvClient.builder()
                .endpoints(only.stream()
                        .map(n -> new Endpoint("127.0.0.1", n.clientPort))
                        .toList())
                .deadline(CLIENT_DEADLINE)
                .attemptTimeout(Duration.ofSeconds(2))
                .retryPolicy(retry)
                .build());
    }

    /** {@code node}'s own Status, or empty if it does not answer within two seconds. */
    Optional<StatusResponse> status(NodeProcess node) {
        try {
            return Optional.of(statusClient
                    .blocking()
                    .status(new Endpoint("127.0.0.1", node.clientPort), StatusRequest.getDefaultInstance()));
        } catch (RaftKvException e) {
            return Optional.empty();
        }
    }

    /**
     * Waits until one running node leads and every running voter agrees on it in the same term;
     * returns the leader.
     */
    NodeProcess awaitLeader() {
        return await("a leader all running nodes agree on in " + name)
                .atMost(WAIT)
                .pollInterval(Duration.ofMillis(100))
                .until(this::agreedLeader, Optional::isPresent)
                .get();
    }

    /** Waits for a leader other than {@code old}. */
    NodeProcess awaitLeaderOtherThan(NodeProcess old) {
        return await("a leader other than " + old)
                .atMost(WAIT)
                .pollInterval(Duration.ofMillis(50))
                .until(this::agreedLeader, l -> l.isPresent() && l.get() != old)
                .get();
    }

    /** The leader every running voter has settled on (the test kit's {@link LeaderAgreement#byAll}). */
    private Optional<NodeProcess> agreedLeader() {
        List<Optional<LeaderAgreement.View>> views = new ArrayList<>();
        for (NodeProcess n : running()) {
            Optional<StatusResponse> s = status(n);
            if (s.isEmpty()) {
                return Optional.empty();
            }
            views.add(s.map(LocalCluster::view));
        }
        OptionalLong leader = LeaderAgreement.byAll(views);
        return leader.isPresent() ? Optional.ofNullable(nodes.get(leader.getAsLong())) : Optional.empty();
    }

    private static LeaderAgreement.View view(StatusResponse s) {
        Set<Long> voters = s.getMembersList().stream()
                .filter(m -> m.getRole() == MemberRole.VOTER)
                .map(m -> m.getId())
                .collect(Collectors.toSet());
        return new LeaderAgreement.View(
                s.getId(), s.getRole() == Role.LEADER, s.getLeaderId(), s.getTerm(), s.getLearner(), voters);
    }

    /** Waits until {@code node} has applied at least {@code index}. */
    void awaitApplied(NodeProcess node, long index) {
        await(node + " applied index ≥ " + index)
                .atMost(WAIT)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> status(node).map(StatusResponse::getAppliedIndex).orElse(0L), i -> i >= index);
    }

    /** Every node's log tail, for a failed test. */
    String logs(int linesPerNode) {
        StringBuilder b = new StringBuilder();
        for (NodeProcess n : nodes.values()) {
            b.append("----- ")
                    .append(n)
                    .append(" log tail (")
                    .append(n.logFile())
                    .append(")\n")
                    .append(n.logTail(linesPerNode))
                    .append('\n');
        }
        return b.toString();
    }

    private RaftKvClient track(RaftKvClient c) {
        clients.add(c);
        return c;
    }

    @Override
    public void close() throws InterruptedException {
        RUNNING.remove(this);
        List<RaftKvClient> toClose = new ArrayList<>(clients);
        clients.clear();
        Collections.reverse(toClose);
        for (RaftKvClient c : toClose) {
            c.close();
        }
        for (NodeProcess n : nodes.values()) {
            n.kill();
        }
    }

    /** The Maven build directory this test runs from ({@code target} or {@code -Dbuild.dir}). */
    static Path buildDir() {
        try {
            Path testClasses = Path.of(LocalCluster.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            return testClasses.getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path nodeDir(Path root, long id) {
        return root.resolve("node-" + id);
    }

    /** Loopback ports free right now (the test kit's {@link FreePorts}). */
    static int[] freePorts(int n) throws IOException {
        return FreePorts.allocate(n);
    }
}
