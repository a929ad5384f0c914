package io.raftkv.chaos.run;

import io.raftkv.chaos.cluster.CaRotation;
import io.raftkv.chaos.cluster.ClusterOptions;
import io.raftkv.chaos.cluster.NodeProcess;
import io.raftkv.chaos.cluster.ProcessCluster;
import io.raftkv.chaos.workload.EtcdRecipeUsers;
import io.raftkv.chaos.workload.KeySpace;
import io.raftkv.chaos.workload.LockUsers;
import io.raftkv.chaos.workload.WatchUsers;
import io.raftkv.chaos.workload.WatchedEvent;
import io.raftkv.chaos.workload.Workload;
import io.raftkv.chaos.workload.WorkloadStats;
import io.raftkv.e2e.faults.Fault;
import io.raftkv.e2e.history.HistoryReader;
import io.raftkv.e2e.history.HistoryWriter;
import io.raftkv.e2e.history.Operation;
import io.raftkv.e2e.linearizability.CheckReport;
import io.raftkv.e2e.linearizability.LinearizabilityChecker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.function.LongSupplier;

/**
 * One chaos run, start to verdict:
 * <ol>
 *   <li>start a fresh cluster (proxies on every peer link) and the workload;
 *   <li>inject and heal the fault on the {@link FaultSchedule}, under load;
 *   <li>stop the workload, heal again (idempotent) and wait for a leader; every member must still run;
 *   <li>read every key once more, linearizably (recorded in the history);
 *   <li>wait until every member applied the same index and compare their state hashes;
 *   <li>read the history back from disk, check it, count lost writes; write {@code report.txt}.
 * </ol>
 * The run directory keeps {@code history.jsonl}, {@code events.log} (faults with offsets on the
 * history's clock), {@code report.txt} and {@code node-N/node.log}; the nodes' data directories are
 * deleted when the run passes, unless asked to keep them.
 *
 * <p>Any exception is caught and reported in the result (the run fails), and the cluster is
 * always torn down.
 */
public final class ChaosRun {
    private static final LongSupplier CLOCK = System::nanoTime;
    private static final String KEY_PREFIX = "key-";
    /** How many users of etcd's v3lock service a run gets ({@link EtcdRecipeUsers}; default 0). */
    public static final String ETCD_LOCKS_PROPERTY = "chaos.etcdLocks";
    /** How many users of etcd's v3election service a run gets ({@link EtcdRecipeUsers}; default 0). */
    public static final String ETCD_ELECTIONS_PROPERTY = "chaos.etcdElections";
    /** How long the watchers may take to deliver the end marker once the cluster is healed. */
    private static final Duration WATCH_END_WAIT = Duration.ofSeconds(60);

    private final RunSpec spec;

    private ChaosRun(RunSpec spec) {
        this.spec = spec;
    }

    public static RunResult execute(RunSpec spec) {
        return new ChaosRun(spec).run();
    }

    private RunResult run() {
        Path dir = spec.dir();
        try {
            if (Files.exists(dir)) {
                throw new IllegalArgumentException("run directory " + dir + " exists already; runs never overwrite");
            }
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create run directory " + dir, e);
        }
        Path historyFile = dir.resolve("history.jsonl");
        Random random = new Random(spec.seed());
        Fault fault = spec.fault().get();
        boolean tls = tlsOn(fault);
        int finalReader = spec.workload().clients();
        KeySpace keys = new KeySpace(
                KEY_PREFIX, spec.workload().activeKeys(), spec.workload().maxOpsPerKey());
        Progress p = new Progress();
        ProcessCluster cluster = null;
        try (RunEvents events = new RunEvents(dir.resolve("events.log"), CLOCK)) {
            events.log("run " + spec.faultName() + " on " + spec.nodes() + " nodes, seed " + spec.seed() + ", "
                    + spec.schedule() + ", " + spec.workload() + (tls ? ", TLS and auth on" : ", plaintext"));
            try {
                cluster = ProcessCluster.start(
                        ClusterOptions.defaults(
                                spec.nodes(),
                                spec.nodeJar(),
                                dir,
                                "chaos-" + Long.toUnsignedString(spec.seed()),
                                spec.seed()),
                        random,
                        tls);
                events.log("cluster up, leader " + cluster.leader());
                try (HistoryWriter history = HistoryWriter.create(historyFile);
                        WatchUsers watchers = startWatchUsers(cluster, events)) {
                    driveWorkload(cluster, fault, keys, history, events, p);
                    p.finalReadFailures = FinalReads.readAll(
                            keys.allKeys(),
                            cluster.clientEndpoints(),
                            cluster.vertx(),
                            history,
                            finalReader,
                            CLOCK,
                            cluster.clientCredentials());
                    events.log("final reads of " + keys.allKeys().size() + " keys, " + p.finalReadFailures + " failed");
                    if (watchers != null) {
                        p.watchStreams = watchers.finish(dir, WATCH_END_WAIT);
                        events.log("watchers received the end marker; " + watchers.resumes() + " resumes in all");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted waiting for the watchers", e);
                }
                ReplicaComparison hashes =
                        ReplicaComparison.compare(cluster, cluster.options().waitTimeout());
                p.hashesEqual = hashes.equal();
                events.log("replica hashes " + (hashes.equal() ? "equal" : "DIFFER") + ": " + hashes.detail());
            } catch (RuntimeException | IOException e) {
                p.error = describe(e);
                events.log("run broken: " + p.error);
                if (cluster != null) {
                    events.log("node log tails:\n" + cluster.logTails(20));
                }
            } finally {
                if (cluster != null) {
                    healQuietly(fault, cluster, events);
                    cluster.close();
                }
            }
            if (Files.exists(historyFile) && p.error == null) {
                check(historyFile, finalReader, dir, events, p);
            }
        } catch (IOException | RuntimeException e) {
            p.error = p.error != null ? p.error : describe(e);
        }
        RunResult result = new RunResult(
                spec.faultName(),
                spec.nodes(),
                spec.seed(),
                p.workloadMs,
                p.injections,
                p.stats.operations(),
                p.stats.ok(),
                p.stats.failed(),
                p.stats.unknown(),
                p.stats.responsesDropped(),
                p.stats.retryMismatches(),
                p.finalReadFailures,
                p.report == null ? 0 : p.report.violations().size(),
                p.report == null ? 0 : p.report.undecided().size(),
                p.lostWrites,
                p.hashesEqual,
                p.report == null ? null : p.report.verdict(),
                p.report,
                spec.minOps(),
                p.error,
                dir);
        if (result.passed() && !spec.keepData()) {
            deleteDataDirectories(dir);
        }
        return result;
    }

    /** What a run found so far; filled step by step, read once at the end. */
    private static final class Progress {
        WorkloadStats.Snapshot stats = new WorkloadStats.Snapshot(0, 0, 0, 0, 0);
        long workloadMs;
        int injections;
        int finalReadFailures;
        boolean hashesEqual;
        int lostWrites;
        CheckReport report;
        String error;
        List<List<WatchedEvent>> watchStreams;
    }

    private void driveWorkload(
            ProcessCluster cluster, Fault fault, KeySpace keys, HistoryWriter history, RunEvents events, Progress p) {
        long start = CLOCK.getAsLong();
        events.setOrigin(start);
        Workload workload = Workload.start(
                spec.workload(),
                cluster.clientEndpoints(),
                cluster.vertx(),
                keys,
                history,
                CLOCK,
                spec.seed(),
                events::log,
                cluster.clientCredentials());
        events.log("workload started: " + spec.workload().clients() + " clients");
        LockUsers lockUsers = startLockUsers(cluster, events, start);
        EtcdRecipeUsers etcdRecipes = startEtcdRecipeUsers(cluster, events, start);
        java.util.Optional<io.raftkv.chaos.workload.EtcdWorkload> etcdClients =
                io.raftkv.chaos.workload.EtcdWorkload.start(
                        io.raftkv.chaos.workload.EtcdWorkload.requestedClients(),
                        spec.workload().clients(),
                        spec.workload(),
                        cluster.clientEndpoints(),
                        cluster.vertx(),
                        keys,
                        history,
                        CLOCK,
                        spec.seed(),
                        cluster.clientCredentials());
        etcdClients.ifPresent(w ->
                events.log("etcd-API clients started: " + io.raftkv.chaos.workload.EtcdWorkload.requestedClients()));
        try {
            Duration minimum = fault.minimumActive(cluster);
            List<FaultSchedule.Window> windows = spec.schedule().windows(minimum);
            for (FaultSchedule.Window w : windows) {
                if (!waitUntil(start, w.injectAt(), workload)) {
                    break;
                }
                try {
                    fault.inject(cluster);
                    p.injections++;
                    events.log("inject " + fault.name() + " (leader now " + cluster.leader() + ")");
                } catch (RuntimeException e) {
                    events.log("inject " + fault.name() + " failed: " + describe(e));
                }
                boolean keepGoing = waitUntil(start, w.healAt(), workload);
                fault.heal(cluster);
                events.log("heal " + fault.name());
                if (!keepGoing) {
                    break;
                }
            }
            waitUntil(start, spec.schedule().workloadDuration(minimum), workload);
        } finally {
            if (lockUsers != null) {
                lockUsers.close();
                events.log("lock users stopped: " + lockUsers.holds() + " holds, " + lockUsers.failures()
                        + " failed acquisitions");
            }
            if (etcdRecipes != null) {
                etcdRecipes.close();
                events.log("etcd lock/election users stopped: " + etcdRecipes.holds() + " lock holds, "
                        + etcdRecipes.terms() + " terms, " + etcdRecipes.failures() + " failed attempts "
                        + etcdRecipes.failureSamples());
            }
            p.stats = workload.stop();
            etcdClients.ifPresent(w -> events.log("etcd-API clients stopped: " + w.stop(spec.workload())));
            p.workloadMs = (CLOCK.getAsLong() - start) / 1_000_000L;
            events.log("workload stopped: " + p.stats);
        }
        if (workload.failure().isPresent()) {
            throw new IllegalStateException(
                    "a client failed: " + describe(workload.failure().get()),
                    workload.failure().get());
        }
        fault.heal(cluster);
        int leader = cluster.awaitLeader(cluster.options().waitTimeout());
        events.log("healed; leader " + leader);
        for (int id : cluster.nodeIds()) {
            NodeProcess n = cluster.node(id);
            if (!n.isRunning()) {
                throw new IllegalStateException(
                        "member " + id + " is not running after heal (it exited on its own):\n" + n.logTail(40));
            }
        }
    }

    /**
     * With {@code -Dchaos.locks=N} (N > 0), N lock users contend for one lock during the workload
     * ({@link LockUsers}); their holds go to {@code locks.jsonl} and {@link LockChecker} fails the
     * run if two critical sections overlap. Off (null) by default.
     */
    private LockUsers startLockUsers(ProcessCluster cluster, RunEvents events, long origin) {
        int users = Integer.getInteger("chaos.locks", 0);
        if (users <= 0) {
            return null;
        }
        try {
            LockUsers u = LockUsers.start(
                    users,
                    cluster.clientEndpoints(),
                    cluster.vertx(),
                    spec.dir().resolve("locks.jsonl"),
                    CLOCK,
                    origin,
                    cluster.clientCredentials());
            events.log("lock users started: " + users);
            return u;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start lock users", e);
        }
    }

    /**
     * With {@code -Dchaos.etcdLocks=N} and/or {@code -Dchaos.etcdElections=M}, N users of etcd's
     * v3lock and M of its v3election service ({@link EtcdRecipeUsers}); their holds and terms go to
     * {@code etcd-locks.jsonl} / {@code etcd-elections.jsonl}, checked by {@link LockChecker} and
     * {@link ElectionChecker}. Off (null) by default.
     */
    private EtcdRecipeUsers startEtcdRecipeUsers(ProcessCluster cluster, RunEvents events, long origin) {
        int lockers = Integer.getInteger(ETCD_LOCKS_PROPERTY, 0);
        int candidates = Integer.getInteger(ETCD_ELECTIONS_PROPERTY, 0);
        if (lockers <= 0 && candidates <= 0) {
            return null;
        }
        try {
            EtcdRecipeUsers u = EtcdRecipeUsers.start(
                    Math.max(lockers, 0),
                    Math.max(candidates, 0),
                    cluster.clientEndpoints(),
                    cluster.vertx(),
                    spec.dir(),
                    CLOCK,
                    origin,
                    spec.seed(),
                    cluster.clientCredentials());
            events.log("etcd lock users started: " + lockers + ", etcd election users: " + candidates);
            return u;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start etcd lock/election users", e);
        }
    }

    /**
     * Whether the run's nodes speak TLS with authentication on: {@code -Dchaos.tls=true}, a fault
     * that needs it ({@link CaRotation} rotates TLS material), or a fault kind named in
     * {@code -Dchaos.tls.kinds=a,b} (the short run of {@code make test} runs one kind so).
     */
    static boolean tlsOn(Fault fault) {
        if (Boolean.parseBoolean(System.getProperty("chaos.tls", "false").trim()) || fault instanceof CaRotation) {
            return true;
        }
        for (String kind : System.getProperty("chaos.tls.kinds", "").split(",")) {
            if (kind.trim().equals(fault.name())) {
                return true;
            }
        }
        return false;
    }

    /**
     * With {@code -Dchaos.watchers=N} (N > 0), N watchers of the workload's keys from revision 1
     * ({@link WatchUsers}), checked against the history by {@link WatchChecker}. Off (null) by default.
     */
    private static WatchUsers startWatchUsers(ProcessCluster cluster, RunEvents events) {
        int n = Integer.getInteger("chaos.watchers", 0);
        if (n <= 0) {
            return null;
        }
        WatchUsers u = WatchUsers.start(
                n, KEY_PREFIX, cluster.clientEndpoints(), cluster.vertx(), cluster.clientCredentials());
        events.log("watchers started: " + n + " (" + WatchUsers.STAGGER.toMillis() + " ms apart)");
        return u;
    }

    /**
     * Waits until {@code offset} after {@code start}; returns false as soon as the workload broke
     * (a client failed), so a broken run does not sit out its schedule.
     */
    private static boolean waitUntil(long start, Duration offset, Workload workload) {
        try {
            return !workload.awaitFailure(Duration.ofNanos(start + offset.toNanos() - CLOCK.getAsLong()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void check(Path historyFile, int finalReader, Path dir, RunEvents events, Progress p) throws IOException {
        List<Operation> history = HistoryReader.read(historyFile);
        CheckReport report = new LinearizabilityChecker().check(history);
        List<String> lost = LostWrites.find(history, finalReader);
        p.report = report;
        p.lostWrites = lost.size();
        StringBuilder text = new StringBuilder(report.render());
        text.append(String.format("lost acknowledged writes: %d%n", lost.size()));
        lost.forEach(l -> text.append("  ").append(l).append('\n'));
        Path locks = dir.resolve("locks.jsonl");
        if (Files.exists(locks)) {
            LockChecker.Result lr = LockChecker.check(locks);
            text.append(String.format(
                    "lock holds: %d, overlapping critical sections: %d%n",
                    lr.holds(), lr.violations().size()));
            text.append(String.format(
                    "abandoned lock holds: %d, taken over after the abandoned lease's end: min/median/max %s%n",
                    lr.abandoned(), lr.takeoverSummary()));
            lr.violations().forEach(v -> text.append("  ").append(v).append('\n'));
            events.log("checked " + lr.holds() + " lock holds (" + lr.abandoned() + " abandoned, taken over after "
                    + lr.takeoverSummary() + "): " + (lr.passed() ? "exclusive" : "VIOLATION"));
            if (!lr.passed()) {
                p.error = "lock check failed: " + lr.violations().get(0);
            }
        }
        checkEtcdRecipes(dir, text, events, p);
        if (p.watchStreams != null) {
            WatchChecker.Result wr = WatchChecker.check(history, finalReader, p.watchStreams);
            text.append(String.format(
                    "watchers: %d, events received: %d, violations: %d%n",
                    wr.watchers(), wr.events(), wr.violations().size()));
            wr.violations().forEach(v -> text.append("  ").append(v).append('\n'));
            events.log("checked " + wr.events() + " watch events of " + wr.watchers() + " watchers: "
                    + (wr.passed() ? "exactly the history's writes, in order" : "VIOLATIONS"));
            if (!wr.passed()) {
                p.error = "watch streams disagree with the history: "
                        + wr.violations().get(0);
            }
        }
        Files.writeString(dir.resolve("report.txt"), text, StandardCharsets.UTF_8);
        events.log("checked " + history.size() + " operations: " + report.verdict() + ", " + lost.size()
                + " lost writes (report.txt)");
    }

    /** Checks {@code etcd-locks.jsonl} and {@code etcd-elections.jsonl} when the run wrote them. */
    private static void checkEtcdRecipes(Path dir, StringBuilder text, RunEvents events, Progress p)
            throws IOException {
        Path locks = dir.resolve("etcd-locks.jsonl");
        if (Files.exists(locks)) {
            LockChecker.Result lr = LockChecker.check(locks);
            text.append(String.format(
                    "etcd v3lock holds: %d (abandoned %d, taken over after %s), violations: %d%n",
                    lr.holds(),
                    lr.abandoned(),
                    lr.takeoverSummary(),
                    lr.violations().size()));
            lr.violations().forEach(v -> text.append("  ").append(v).append('\n'));
            events.log("checked " + lr.holds() + " etcd v3lock holds: " + (lr.passed() ? "exclusive" : "VIOLATION"));
            if (!lr.passed()) {
                p.error = "etcd v3lock check failed: " + lr.violations().get(0);
            }
        }
        Path elections = dir.resolve("etcd-elections.jsonl");
        if (Files.exists(elections)) {
            ElectionChecker.Result er = ElectionChecker.check(elections);
            text.append(String.format(
                    "etcd v3election terms: %d (leaderships checked %d, abandoned %d, taken over after %s),"
                            + " Leader observations: %d, violations: %d%n",
                    er.terms(),
                    er.leaderships().holds(),
                    er.leaderships().abandoned(),
                    er.leaderships().takeoverSummary(),
                    er.observations(),
                    er.violations().size()));
            er.violations().forEach(v -> text.append("  ").append(v).append('\n'));
            events.log("checked " + er.terms() + " etcd election terms and " + er.observations()
                    + " Leader observations: " + (er.passed() ? "one leader per term" : "VIOLATION"));
            if (!er.passed()) {
                p.error = "etcd election check failed: " + er.violations().get(0);
            }
        }
    }

    private static void healQuietly(Fault fault, ProcessCluster cluster, RunEvents events) {
        try {
            fault.heal(cluster);
        } catch (RuntimeException e) {
            events.log("heal during teardown failed: " + describe(e));
        }
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    /** Deletes {@code node-N/data} under {@code dir} (logs stay). */
    private static void deleteDataDirectories(Path dir) {
        try (var children = Files.list(dir)) {
            for (Path node : children.filter(c -> c.getFileName().toString().startsWith("node-"))
                    .toList()) {
                Path data = node.resolve("data");
                if (Files.isDirectory(data)) {
                    deleteTree(data);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete data directories under " + dir, e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
