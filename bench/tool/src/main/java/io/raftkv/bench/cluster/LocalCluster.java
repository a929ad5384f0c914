package io.raftkv.bench.cluster;

import io.raftkv.testkit.ManagedProcess;
import io.raftkv.testkit.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A cluster of {@code size} members of one system, each a child process on loopback with its data
 * under {@code runDir}. Members are numbered 0..size-1. Starting fails early, with a clear
 * message, if a port is taken; a JVM shutdown hook stops every member if the tool exits without
 * {@link #close()}, and pid files let a shell trap do the same if the JVM is killed.
 *
 * <p>Waiting is polling with a short pause (the test kit's {@link Poll}): this runs on a plain
 * benchmark thread, never on an event loop, and each probe has its own timeout.
 */
public abstract class LocalCluster implements AutoCloseable {
    /** SIGTERM grace before SIGKILL when a member is stopped. */
    private static final java.time.Duration STOP_GRACE = java.time.Duration.ofSeconds(5);

    private static final Duration POLL = Duration.ofMillis(20);

    protected final Path runDir;
    protected final int size;
    private final List<ManagedProcess> members = new ArrayList<>();
    private final Thread shutdownHook = new Thread(this::stopAll, "bench-cluster-cleanup");

    protected LocalCluster(Path runDir, int size) {
        if (size < 1 || size > 9) {
            throw new IllegalArgumentException("cluster size must be in [1, 9], got " + size);
        }
        this.runDir = runDir;
        this.size = size;
    }

    /** {@code etcd} or {@code raftkv}. */
    public abstract String system();

    /** Client addresses, {@code host:port}, in member order. */
    public abstract List<String> clientEndpoints();

    /** Every port the cluster listens on (checked free before starting). */
    protected abstract List<Integer> ports();

    /** The command line of member {@code i}; the same on every (re)start. */
    protected abstract List<String> command(int i);

    /** Variables added to each member's environment (none by default). */
    protected Map<String, String> environment() {
        return Map.of();
    }

    /**
     * The members' Prometheus endpoints and the names of their leader-change counter and persist
     * histogram, for the steadiness figures of every scenario; empty when the system exposes none.
     */
    public java.util.Optional<ClusterMetrics> metrics() {
        return java.util.Optional.empty();
    }

    /** What a client needs to reach this cluster over TLS; null when it speaks plaintext. */
    public io.raftkv.api.client.ClientCredentials clientCredentials() {
        return null;
    }

    /** What member {@code i} says about itself, or empty if it does not answer within ~1 s. */
    protected abstract Optional<MemberView> status(int i);

    /** Starts every member and waits until all agree on a leader. */
    public void start(Duration timeout) {
        for (int port : ports()) {
            requireFree(port);
        }
        try {
            Files.createDirectories(runDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + runDir, e);
        }
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        for (int i = 0; i < size; i++) {
            String name = system() + "-" + i;
            ManagedProcess p = new ManagedProcess(
                    name,
                    command(i),
                    environment(),
                    runDir.resolve(name + ".log"),
                    runDir.resolve("pids").resolve(name + ".pid"));
            members.add(p);
            p.start();
        }
        awaitHealthy(timeout);
    }

    /** Member {@code i}'s process id (for reports). */
    public long pid(int i) {
        return members.get(i).pid();
    }

    /**
     * CPU time (user + system) the members' current processes have used so far, summed; -1 if the
     * operating system does not tell. Compare two readings taken while no member restarted.
     */
    public long serverCpuNanos() {
        long total = 0;
        for (ManagedProcess m : members) {
            Optional<Duration> cpu =
                    ProcessHandle.of(m.pid()).flatMap(h -> h.info().totalCpuDuration());
            if (cpu.isEmpty()) {
                return -1;
            }
            total += cpu.get().toNanos();
        }
        return total;
    }

    /**
     * The largest resident set size among the members right now, in bytes ({@code VmRSS} in
     * {@code /proc/<pid>/status}); -1 where that file does not exist (not Linux) or cannot be read.
     */
    public long maxMemberRssBytes() {
        long max = -1;
        for (ManagedProcess m : members) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(m.pid()), "status"))) {
                    if (line.startsWith("VmRSS:")) {
                        long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
                        max = Math.max(max, kib * 1024);
                    }
                }
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }
        return max;
    }

    /** Member {@code i}'s log file. */
    public Path log(int i) {
        return members.get(i).log();
    }

    /** SIGKILLs member {@code i}; returns once the process is gone. */
    public void kill(int i) {
        members.get(i).kill();
    }

    /** Starts member {@code i} again on its existing data. */
    public void restart(int i) {
        members.get(i).start();
    }

    /** The server software and version, as member 0 reports it ("unknown" if it does not answer). */
    public String serverVersion() {
        return status(0).map(MemberView::version).orElse("unknown");
    }

    /** The member that leads, as soon as one says so; fails after {@code timeout}. */
    public int awaitLeader(Duration timeout) {
        return Poll.until("a member of " + system() + " claiming leadership", timeout, POLL, () -> {
            for (int i = 0; i < size; i++) {
                if (members.get(i).isAlive() && status(i).map(MemberView::leads).orElse(false)) {
                    return Optional.of(i);
                }
            }
            return Optional.empty();
        });
    }

    /** Waits until every member runs, answers, and names the same leader. */
    public void awaitHealthy(Duration timeout) {
        String[] lastProblem = {""};
        try {
            Poll.until("a healthy " + system() + " cluster", timeout, POLL, () -> {
                Set<String> leaders = new HashSet<>();
                boolean allAnswered = true;
                for (int i = 0; i < size; i++) {
                    ManagedProcess p = members.get(i);
                    if (!p.isAlive()) {
                        throw new IllegalStateException(p.name() + " exited; last log lines:\n" + p.tail(30));
                    }
                    Optional<MemberView> v = status(i);
                    if (v.isEmpty()) {
                        allAnswered = false;
                        lastProblem[0] = p.name() + " does not answer";
                    } else {
                        leaders.add(v.get().leaderId());
                    }
                }
                if (allAnswered && leaders.size() == 1 && !leaders.contains("")) {
                    return Optional.of(true);
                }
                if (allAnswered) {
                    lastProblem[0] = "members name leaders " + leaders;
                }
                return Optional.empty();
            });
        } catch (Poll.TimedOut e) {
            throw new IllegalStateException(
                    "timed out: " + system() + " cluster not healthy (" + lastProblem[0] + "); logs in " + runDir, e);
        }
    }

    private static void requireFree(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
        } catch (IOException e) {
            throw new IllegalStateException(
                    "port " + port + " on 127.0.0.1 is in use; is an earlier benchmark"
                            + " still running? (choose other ports with --base-port)",
                    e);
        }
    }

    private void deleteDataDirectories() {
        if (!Files.isDirectory(runDir)) {
            return;
        }
        try (var children = Files.list(runDir)) {
            for (Path dir : children.filter(Files::isDirectory)
                    .filter(d -> !d.getFileName().toString().equals("pids"))
                    .toList()) {
                try (var tree = Files.walk(dir)) {
                    for (Path p :
                            tree.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        } catch (IOException e) {
            System.err.println("warning: could not delete benchmark data under " + runDir + ": " + e);
        }
    }

    private void stopAll() {
        for (ManagedProcess p : members) {
            p.terminate(STOP_GRACE);
        }
    }

    /**
     * Stops every member (SIGTERM, then SIGKILL) and deletes their data directories; the logs stay
     * in {@code runDir} for a post-mortem.
     */
    @Override
    public void close() {
        stopAll();
        deleteDataDirectories();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // Already shutting down: the hook is running or ran.
        }
    }
}
