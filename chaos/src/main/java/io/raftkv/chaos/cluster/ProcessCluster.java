package io.raftkv.chaos.cluster;

import io.raftkv.api.ErrorReason;
import io.raftkv.api.RaftKvException;
import io.raftkv.api.client.ClientCredentials;
import io.raftkv.api.client.Endpoint;
import io.raftkv.api.client.RaftKvClient;
import io.raftkv.api.client.RetryPolicy;
import io.raftkv.api.v1.AddLearnerRequest;
import io.raftkv.api.v1.MemberRole;
import io.raftkv.api.v1.StatusResponse;
import io.raftkv.e2e.faults.ClusterControl;
import io.raftkv.e2e.proxy.ProxyMesh;
import io.raftkv.testkit.ClusterLayout;
import io.raftkv.testkit.Poll;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.GrpcStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * A RaftKV cluster of real node processes on loopback, every directed peer link i → j through its
 * own {@link io.raftkv.e2e.proxy.FaultProxy} ({@link ProxyMesh}): each node's {@code --peers} lists,
 * for every other node, the port of the proxy of that link. Clients talk to the nodes directly.
 *
 * <p>What it offers the faults ({@link ClusterControl}): SIGKILL and restart on the same data
 * directory, SIGSTOP/SIGCONT, the leader as a quorum reports it, membership changes and leadership
 * transfer through the Cluster API, and the peer network.
 *
 * <p>Members added during a run ({@link #addMember()}) are reached on their real peer port: the
 * mesh is fixed when the cluster starts, and a membership entry carries one address for all
 * senders. Network faults therefore never touch them (the chaos runs do not combine the two).
 *
 * <p>Threads: the harness thread starts, kills, pauses and changes membership; other threads (a
 * transfer storm, probes) may call {@link #leader()}, {@link #nodeIds()}, {@link #transferLeadership}
 * concurrently. Every wait is bounded by {@link ClusterOptions#waitTimeout()} or the given timeout.
 * {@link #close()} SIGKILLs every node; a JVM shutdown hook does the same if the harness dies.
 */
public final class ProcessCluster implements ClusterControl, AutoCloseable {
    private static final Duration POLL = Duration.ofMillis(100);
    private static final RetryPolicy PATIENT = new RetryPolicy(40, Duration.ofMillis(25), Duration.ofMillis(500), 0.2);
    private static final Duration ADMIN_DEADLINE = Duration.ofSeconds(10);
    /** How far behind the leader's log a learner may be when it is promoted (the node allows more). */
    static final long CAUGHT_UP_LAG = 100;

    private final ClusterOptions options;
    /** TLS material when the nodes run with TLS and authentication on; null: plaintext. */
    private final ClusterTls tls;

    private final ProxyMesh mesh;
    private final Random random;
    private final Vertx vertx;
    private final StatusProbe probe;
    private final Map<Integer, NodeProcess> nodes = new ConcurrentHashMap<>();
    /** Current members (voters and learners); a removed node leaves this set but keeps its directory. */
    private final Set<Integer> members = new ConcurrentSkipListSet<>();

    private final AtomicInteger nextId;
    private final Thread killOnExit;
    /** Leader-bound client for membership changes and transfers; set once the endpoints are known. */
    private final AtomicReference<RaftKvClient> adminClient = new AtomicReference<>();

    private final AtomicBoolean closed = new AtomicBoolean();

    private ProcessCluster(ClusterOptions options, ClusterTls tls, ProxyMesh mesh, Random random) {
        this.options = options;
        this.tls = tls;
        this.mesh = mesh;
        this.random = random;
        this.vertx = Vertx.vertx();
        this.probe = new StatusProbe(vertx, tls == null ? null : tls.admin());
        this.nextId = new AtomicInteger(options.size() + 1);
        this.killOnExit = new Thread(this::killAll, "process-cluster-kill-on-exit");
    }

    /**
     * Starts {@code options.size()} voters (ids 1..size) behind a proxy mesh and waits for a leader.
     *
     * @param random the run's seeded generator, handed to the faults ({@link #random()})
     * @throws IllegalStateException with the nodes' log tails if no leader is elected in time
     */
    public static ProcessCluster start(ClusterOptions options, Random random) throws IOException {
        return start(options, random, false);
    }

    /**
     * Like {@link #start(ClusterOptions, Random)}; with {@code tls}, every node runs with TLS and
     * authentication on ({@code --tls on --auth on}: mutual TLS between peers, clients on TLS with a
     * bearer token), on material generated under {@code <runDir>/tls} ({@link ClusterTls}); the
     * cluster's own clients (Status probes, membership changes) use the {@code admin} role and
     * {@link #clientCredentials()} gives the workload's.
     */
    public static ProcessCluster start(ClusterOptions options, Random random, boolean tls) throws IOException {
        Files.createDirectories(options.runDir());
        ClusterTls material = tls ? ClusterTls.create(options.runDir().resolve("tls"), options.clusterName()) : null;
        ClusterLayout layout = ClusterLayout.onFreePorts(
                options.clusterName(),
                options.size(),
                id -> nodeDir(options, id).resolve("data"));
        ProxyMesh mesh = ProxyMesh.start(layout.peerAddresses(), options.proxySeed());
        ProcessCluster c = new ProcessCluster(options, material, mesh, random);
        Runtime.getRuntime().addShutdownHook(c.killOnExit);
        try {
            for (ClusterLayout.Member m : layout.voters()) {
                List<String> args = c.nodeArgs(m);
                args.addAll(layout.clusterArgs(m.id(), mesh::peersArgument));
                c.nodes.put(m.id(), c.newNode(m, args));
                c.members.add(m.id());
            }
            c.adminClient.set(RaftKvClient.builder()
                    .vertx(c.vertx)
                    .endpoints(c.clientEndpoints())
                    .deadline(ADMIN_DEADLINE)
                    .attemptTimeout(Duration.ofSeconds(2))
                    .retryPolicy(PATIENT)
                    .credentials(material == null ? null : material.admin())
                    .build());
            for (NodeProcess node : c.nodes.values()) {
                node.start();
            }
            c.awaitLeader(options.waitTimeout());
            return c;
        } catch (IOException | RuntimeException e) {
            String logs = c.logTails(30);
            c.close();
            if (e instanceof IllegalStateException) {
                throw new IllegalStateException(e.getMessage() + "\n" + logs, e);
            }
            throw e;
        }
    }

    private static Path nodeDir(ClusterOptions options, int id) {
        return options.runDir().resolve("node-" + id);
    }

    /** The member's own flags, the Raft timings, the extra flags and the TLS flags (not the peers). */
    private List<String> nodeArgs(ClusterLayout.Member m) {
        List<String> args = new ArrayList<>(m.ownArgs());
        args.addAll(List.of(
                "--tick-ms", Long.toString(options.tickMs()),
                "--election-ticks", Integer.toString(options.electionTicks())));
        args.addAll(options.extraNodeArgs());
        if (tls != null) {
            args.addAll(tls.nodeArgs(m.id()));
        }
        return args;
    }

    private NodeProcess newNode(ClusterLayout.Member m, List<String> args) {
        Path dir = nodeDir(options, m.id());
        return new NodeProcess(
                m.id(),
                m.clientPort(),
                m.peerPort(),
                dir,
                NodeProcess.javaCommand(options.jvmOptions(), options.nodeJar(), dir, args));
    }

    // ------------------------------------------------------------------ ClusterControl

    @Override
    public List<Integer> nodeIds() {
        return List.copyOf(members);
    }

    @Override
    public OptionalInt leader() {
        return StatusProbe.agreedLeader(probe.statuses(responsiveMembers(), false));
    }

    @Override
    public int awaitLeader(Duration timeout) {
        return awaitValue("a leader that a quorum of " + nodeIds() + " agrees on", timeout, () -> {
            OptionalInt l = leader();
            return l.isPresent() ? Optional.of(l.getAsInt()) : Optional.empty();
        });
    }

    @Override
    public boolean isRunning(int node) {
        return node(node).isRunning();
    }

    @Override
    public void kill(int node) {
        node(node).kill();
    }

    /** Starts the node again and waits until it answers Status (it may still be catching up). */
    @Override
    public void restart(int node) {
        NodeProcess n = node(node);
        try {
            n.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restart " + n, e);
        }
        awaitAnswering(n);
    }

    @Override
    public void pause(int node) {
        node(node).pause();
    }

    @Override
    public void resume(int node) {
        node(node).resume();
    }

    @Override
    public ProxyMesh network() {
        return mesh;
    }

    @Override
    public Random random() {
        return random;
    }

    @Override
    public Duration electionTimeout() {
        return options.electionTimeout();
    }

    /**
     * Starts a fresh node ({@code --join}, next unused id, empty directory), adds it as a learner
     * through the leader, waits until the leader reports it caught up (recently active, at most
     * {@value #CAUGHT_UP_LAG} entries behind), promotes it, and waits for a leader that counts it.
     */
    @Override
    public int addMember() {
        int id = nextId.getAndIncrement();
        NodeProcess n;
        try {
            ClusterLayout.Member m =
                    ClusterLayout.freeMember(id, nodeDir(options, id).resolve("data"));
            List<String> args = nodeArgs(m);
            args.addAll(ClusterLayout.joinArgs(
                    options.clusterName(),
                    members.stream().map(this::node).map(NodeProcess::member).toList()));
            n = newNode(m, args);
            nodes.put(id, n);
            n.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start new member " + id, e);
        }
        awaitAnswering(n);
        AddLearnerRequest add = AddLearnerRequest.newBuilder()
                .setId(id)
                .setPeerAddress(n.peerAddress())
                .setClientAddress(n.clientAddress())
                .build();
        try {
            admin().blocking().addLearner(add);
        } catch (RaftKvException e) {
            if (!e.isOutcomeUnknown() || memberRole(id).isEmpty()) {
                throw new IllegalStateException("AddLearner " + id + " failed: " + e, e);
            }
        }
        members.add(id);
        awaitValue(
                "learner " + id + " caught up with the leader",
                options.waitTimeout(),
                () -> caughtUp(id) ? Optional.of(true) : Optional.empty());
        awaitValue("member " + id + " promoted to voter", options.waitTimeout(), () -> tryPromote(id));
        awaitLeader(options.waitTimeout());
        return id;
    }

    /** Whether the agreed leader reports {@code id} recently active and at most {@link #CAUGHT_UP_LAG} behind. */
    private boolean caughtUp(int id) {
        Map<Integer, Optional<StatusResponse>> s = probe.statuses(responsiveMembers(), false);
        OptionalInt l = StatusProbe.agreedLeader(s);
        if (l.isEmpty()) {
            return false;
        }
        return s.get(l.getAsInt()).orElseThrow().getProgressList().stream()
                .anyMatch(p -> p.getId() == id && p.getRecentActive() && p.getLag() <= CAUGHT_UP_LAG);
    }

    /**
     * One PromoteMember call: done, or empty to try again (not caught up after all, another change
     * in progress, no leader, outcome unknown). The node currently sends "not caught up" as a
     * FAILED_PRECONDITION without the LEARNER_NOT_CAUGHT_UP reason that docs/api.md promises, so a
     * FAILED_PRECONDITION without any reason is retried too.
     */
    private Optional<Boolean> tryPromote(int id) {
        try {
            admin().blocking().promoteMember(id);
            return Optional.of(true);
        } catch (RaftKvException e) {
            try {
                if (memberRole(id).filter(r -> r == MemberRole.VOTER).isPresent()) {
                    return Optional.of(true); // an earlier attempt with an unknown outcome did it
                }
            } catch (IllegalStateException noAgreedLeader) {
                return Optional.empty();
            }
            boolean retry = e.isOutcomeUnknown()
                    || e.isNotLeader()
                    || e.reason()
                            .filter(r -> r == ErrorReason.LEARNER_NOT_CAUGHT_UP
                                    || r == ErrorReason.MEMBERSHIP_CHANGE_IN_PROGRESS
                                    || r == ErrorReason.NO_LEADER)
                            .isPresent()
                    || (e.status() == GrpcStatus.FAILED_PRECONDITION
                            && e.reason().isEmpty());
            if (retry) {
                return Optional.empty();
            }
            throw new IllegalStateException("PromoteMember " + id + " failed: " + e, e);
        }
    }

    /** The member's role in the committed membership as the leader reports it; empty if not a member. */
    private Optional<MemberRole> memberRole(int id) {
        Map<Integer, Optional<StatusResponse>> s = probe.statuses(responsiveMembers(), false);
        OptionalInt l = StatusProbe.agreedLeader(s);
        if (l.isEmpty() || s.get(l.getAsInt()) == null) {
            throw new IllegalStateException("no agreed leader to ask whether " + id + " is a member");
        }
        return s.get(l.getAsInt()).orElseThrow().getMembersList().stream()
                .filter(m -> m.getId() == id)
                .map(m -> m.getRole())
                .findFirst();
    }

    /** Removes the member through the leader, waits until the leader's membership drops it, then SIGKILLs it. */
    @Override
    public void removeMember(int node) {
        NodeProcess n = node(node);
        try {
            admin().blocking().removeMember(node);
        } catch (RaftKvException e) {
            if (!e.isOutcomeUnknown()) {
                throw new IllegalStateException("RemoveMember " + node + " failed: " + e, e);
            }
        }
        awaitValue("member " + node + " gone from the leader's membership", options.waitTimeout(), () -> {
            try {
                return memberRole(node).isEmpty() ? Optional.of(true) : Optional.empty();
            } catch (IllegalStateException noLeaderYet) {
                return Optional.empty();
            }
        });
        members.remove(node);
        n.kill();
    }

    /**
     * Asks the leader to hand leadership to {@code to}; gives up after {@code timeout} (the call
     * itself ends by the admin client's deadline).
     */
    @Override
    public void transferLeadership(int to, Duration timeout) {
        try {
            admin().transferLeadership(to)
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("transfer to " + to + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("transfer to " + to + " not done within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during transfer to " + to, e);
        }
    }

    // ------------------------------------------------------------------ for the harness

    public ClusterOptions options() {
        return options;
    }

    /** The TLS material, when the nodes run with TLS on. */
    public Optional<ClusterTls> tls() {
        return Optional.ofNullable(tls);
    }

    /**
     * What the workload's clients present: TLS with the token of user {@code chaos-writer} (role
     * write) when the nodes run with TLS on; null (plaintext) otherwise.
     */
    public ClientCredentials clientCredentials() {
        return tls == null ? null : tls.writer();
    }

    public NodeProcess node(int id) {
        NodeProcess n = nodes.get(id);
        if (n == null) {
            throw new IllegalArgumentException("no node " + id + "; nodes are " + new TreeMap<>(nodes).keySet());
        }
        return n;
    }

    /** Every node ever started in this cluster (removed members too), by id. */
    public Map<Integer, NodeProcess> allNodes() {
        return new TreeMap<>(nodes);
    }

    /** Client endpoints of the current members. */
    public List<Endpoint> clientEndpoints() {
        return members.stream()
                .map(id -> new Endpoint("127.0.0.1", node(id).clientPort()))
                .toList();
    }

    /** The Vert.x instance the cluster's clients run on; workloads share it. Closed by {@link #close()}. */
    public Vertx vertx() {
        return vertx;
    }

    /** Status of every current member that is running and not paused; empty where it did not answer. */
    public Map<Integer, Optional<StatusResponse>> memberStatuses(boolean includeStateHash) {
        return probe.statuses(responsiveMembers(), includeStateHash);
    }

    /** Current members that are running and not paused. */
    public List<NodeProcess> responsiveMembers() {
        return members.stream()
                .map(this::node)
                .filter(NodeProcess::isResponsive)
                .toList();
    }

    /** The last {@code lines} log lines of every node, for failure messages. */
    public String logTails(int lines) {
        StringBuilder b = new StringBuilder();
        for (NodeProcess n : new TreeMap<>(nodes).values()) {
            b.append("----- ")
                    .append(n)
                    .append(" (")
                    .append(n.logFile())
                    .append(")\n")
                    .append(n.logTail(lines))
                    .append('\n');
        }
        return b.toString();
    }

    /**
     * Polls {@code probe} every 100 ms until it yields a value; fails with {@code what} after {@code timeout}
     * (the test kit's {@link Poll}).
     */
    public static <T> T awaitValue(String what, Duration timeout, Supplier<Optional<T>> probe) {
        return Poll.until(what, timeout, POLL, probe);
    }

    private void awaitAnswering(NodeProcess n) {
        awaitValue(n + " answering Status", options.waitTimeout(), () -> {
            if (!n.isRunning()) {
                throw new IllegalStateException(n + " exited during start-up:\n" + n.logTail(40));
            }
            return probe.statuses(List.of(n), false).get(n.id());
        });
    }

    private RaftKvClient admin() {
        return adminClient.get();
    }

    private void killAll() {
        for (NodeProcess n : nodes.values()) {
            try {
                n.kill();
            } catch (RuntimeException e) {
                System.err.println("could not kill " + n + ": " + e);
            }
        }
    }

    /** SIGKILLs every node, closes the proxies and clients. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        killAll();
        mesh.close();
        RaftKvClient a = adminClient.getAndSet(null);
        if (a != null) {
            a.close();
        }
        probe.close();
        vertx.close()
                .toCompletionStage()
                .toCompletableFuture()
                .orTimeout(10, TimeUnit.SECONDS)
                .exceptionally(e -> null)
                .join();
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run: nothing to remove
        }
    }
}
