package io.raftkv.chaos.hostile;

import io.raftkv.api.v1.StatusResponse;
import io.raftkv.chaos.cluster.ClusterOptions;
import io.raftkv.chaos.cluster.NodeProcess;
import io.raftkv.chaos.cluster.ProcessCluster;
import io.raftkv.chaos.run.FinalReads;
import io.raftkv.chaos.run.LostWrites;
import io.raftkv.chaos.workload.KeySpace;
import io.raftkv.chaos.workload.Workload;
import io.raftkv.chaos.workload.WorkloadOptions;
import io.raftkv.e2e.history.HistoryReader;
import io.raftkv.e2e.history.HistoryWriter;
import io.raftkv.e2e.history.Operation;
import io.raftkv.e2e.linearizability.CheckReport;
import io.raftkv.e2e.linearizability.LinearizabilityChecker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The hostile suite on one 3-node process cluster: a quiet baseline window, then each attack for
 * {@code seconds} against the leader (the leader at the attack's start), with the chaos workload
 * (the well-behaved client) running throughout and writing its history. Per window: the peak RSS
 * of each node (VmRSS sampled every 200 ms), elections (growth of the highest term), whether a node
 * restarted (pid changed or exited), the good client's successful operations per second and p99
 * latency. At the end one linearizability check of the whole history and a lost-write count.
 *
 * <p>The cluster runs with {@code --quota-backend-bytes} {@link #QUOTA_BYTES} so the disk-fill
 * attack reaches the quota in seconds, and with the node's default timing (100 ms ticks, 10
 * election ticks). An unmeasured warm-up window precedes the baseline.
 */
public final class HostileRun {
    /** Space quota of the suite's cluster. */
    public static final long QUOTA_BYTES = 20L << 20;
    /** Node heap (the chaos default) and the RSS bound the verdict holds each node to. */
    public static final long RSS_BOUND_MIB = 640;
    /** The good client's p99 may grow at most this much under an attack, against its baseline. */
    public static final double P99_FACTOR = 10;
    /**
     * The short form's loose bound (3 s windows on a shared machine, where the baseline is noise):
     * p99 at most this factor of the baseline, and never below {@link #LOOSE_P99_FLOOR_MS}.
     */
    public static final double LOOSE_P99_FACTOR = 25;

    public static final double LOOSE_P99_FLOOR_MS = 5_000;

    /** One window's figures. */
    public record Row(
            String attack,
            String detail,
            List<Long> peakRssMib,
            long elections,
            boolean restarted,
            double opsPerSec,
            double p99Ms,
            boolean peerTarget) {}

    /** The suite's outcome. */
    public record Result(List<Row> rows, CheckReport report, int lostWrites, int finalReadFailures, Path dir) {
        public boolean linearizable() {
            return report.verdict().name().equals("LINEARIZABLE");
        }

        /** Whether {@code row} (an attack, not the baseline) held against the bounds. */
        public boolean held(Row row) {
            Row base = rows.get(0);
            boolean rss = row.peakRssMib().stream().allMatch(r -> r <= RSS_BOUND_MIB);
            boolean elections = row.peerTarget() || row.elections() == 0;
            boolean p99 = row.p99Ms() <= Math.max(base.p99Ms() * P99_FACTOR, 50);
            return rss && elections && p99 && !row.restarted() && linearizable() && lostWrites == 0;
        }

        /** Whether {@code row}'s p99 is within the short form's loose bound. */
        public boolean withinLooseP99(Row row) {
            return row.p99Ms() <= Math.max(rows.get(0).p99Ms() * LOOSE_P99_FACTOR, LOOSE_P99_FLOOR_MS);
        }

        public String table() {
            StringBuilder b = new StringBuilder();
            Row base = rows.get(0);
            b.append(String.format(
                    "| attack | peak RSS n1/n2/n3 (MiB) | elections | restarts | good client ops/s"
                            + " (baseline %.0f) | p99 ms (baseline %.1f) | verdict | what the attacker did |%n",
                    base.opsPerSec(), base.p99Ms()));
            b.append("|---|---|---|---|---|---|---|---|\n");
            for (Row r : rows) {
                boolean isBase = r == base;
                b.append(String.format(
                        "| %s | %s | %d%s | %s | %.0f | %.1f | %s | %s |%n",
                        r.attack(),
                        r.peakRssMib().stream()
                                .map(String::valueOf)
                                .reduce((x, y) -> x + "/" + y)
                                .orElse("-"),
                        r.elections(),
                        r.peerTarget() ? " (peer port targeted)" : "",
                        r.restarted() ? "YES" : "0",
                        r.opsPerSec(),
                        r.p99Ms(),
                        isBase ? "baseline" : held(r) ? "holds" : "FAILS",
                        r.detail()));
            }
            b.append(String.format(
                    "history: %s, %d lost writes, %d final reads failed (%s)%n",
                    report.verdict(), lostWrites, finalReadFailures, dir));
            return b.toString();
        }
    }

    private HostileRun() {}

    /** Runs the baseline and {@code attacks} in order, each for {@code seconds}, in a fresh cluster under {@code dir}. */
    public static Result run(Path nodeJar, Path dir, long seed, Duration seconds, List<Supplier<Attack>> attacks)
            throws IOException {
        Files.createDirectories(dir);
        Path historyFile = dir.resolve("history.jsonl");
        ClusterOptions base = ClusterOptions.defaults(3, nodeJar, dir, "hostile-" + seed, seed);
        List<String> args = new ArrayList<>(base.extraNodeArgs());
        args.addAll(List.of("--quota-backend-bytes", Long.toString(QUOTA_BYTES)));
        // The node's own defaults (100 ms ticks, 10 election ticks), not chaos's 10 ms ticks: on a shared
        // machine those elect on their own, and the suite counts elections an attack causes.
        ClusterOptions options = new ClusterOptions(
                base.size(),
                base.nodeJar(),
                base.runDir(),
                base.clusterName(),
                100,
                10,
                args,
                base.jvmOptions(),
                base.proxySeed(),
                base.waitTimeout());
        WorkloadOptions workload = WorkloadOptions.defaults().withResponseDropShare(0);
        KeySpace keys = new KeySpace("key-", workload.activeKeys(), workload.maxOpsPerKey());
        List<Window> windows = new ArrayList<>();
        int finalReadFailures;
        try (ProcessCluster cluster = ProcessCluster.start(options, new Random(seed));
                HistoryWriter history = HistoryWriter.create(historyFile)) {
            Map<Integer, Long> pids = new HashMap<>();
            cluster.allNodes().forEach((id, n) -> pids.put(id, n.pid()));
            Workload good = Workload.start(
                    workload,
                    cluster.clientEndpoints(),
                    cluster.vertx(),
                    keys,
                    history,
                    System::nanoTime,
                    seed,
                    e -> System.out.println("hostile: " + e));
            try {
                window(cluster, "warm-up (not measured)", null, seconds, pids);
                windows.add(window(cluster, "quiet baseline", null, seconds, pids));
                for (Supplier<Attack> a : attacks) {
                    windows.add(window(cluster, null, a.get(), seconds, pids));
                }
            } finally {
                good.stop();
            }
            cluster.awaitLeader(options.waitTimeout());
            finalReadFailures = FinalReads.readAll(
                    keys.allKeys(),
                    cluster.clientEndpoints(),
                    cluster.vertx(),
                    history,
                    workload.clients(),
                    System::nanoTime);
        }
        List<Operation> ops = HistoryReader.read(historyFile);
        CheckReport report = new LinearizabilityChecker().check(ops);
        int lost = LostWrites.find(ops, workload.clients()).size();
        List<Row> rows = new ArrayList<>();
        for (Window w : windows) {
            List<Long> lat = ops.stream()
                    .filter(o -> o.client() < workload.clients()
                            && o.ok()
                            && o.returnNs() >= w.startNs
                            && o.returnNs() < w.endNs)
                    .map(o -> o.returnNs() - o.callNs())
                    .sorted()
                    .toList();
            double secs = (w.endNs - w.startNs) / 1e9;
            double p99 = lat.isEmpty()
                    ? Double.NaN
                    : lat.get((int) Math.min(lat.size() - 1, Math.ceil(lat.size() * 0.99) - 1)) / 1e6;
            rows.add(new Row(
                    w.name, w.detail, w.peakRssMib, w.elections, w.restarted, lat.size() / secs, p99, w.peerTarget));
        }
        Result result = new Result(rows, report, lost, finalReadFailures, dir);
        Files.writeString(dir.resolve("hostile-table.md"), result.table());
        return result;
    }

    private static final class Window {
        String name;
        String detail = "";
        long startNs;
        long endNs;
        List<Long> peakRssMib;
        long elections;
        boolean restarted;
        boolean peerTarget;
    }

    private static Window window(
            ProcessCluster cluster, String name, Attack attack, Duration length, Map<Integer, Long> pids) {
        Window w = new Window();
        w.name = attack == null ? name : attack.name();
        int leader = cluster.awaitLeader(cluster.options().waitTimeout());
        long termBefore = maxTerm(cluster);
        long[] peak = new long[cluster.nodeIds().size()];
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        List<Integer> ids = cluster.nodeIds();
        sampler.scheduleAtFixedRate(
                () -> {
                    for (int i = 0; i < ids.size(); i++) {
                        peak[i] = Math.max(peak[i], rssKib(cluster.node(ids.get(i))));
                    }
                },
                0,
                200,
                TimeUnit.MILLISECONDS);
        w.startNs = System.nanoTime();
        try {
            if (attack != null) {
                w.peerTarget = attack.targetsPeerPort();
                attack.start(cluster, leader);
            }
            Thread.sleep(length.toMillis()); // the window's length is the measurement, not a wait for a condition
        } catch (Exception e) {
            w.detail = "attack failed: " + e;
        } finally {
            if (attack != null) {
                String d = attack.stop();
                w.detail = w.detail.isEmpty() ? d : w.detail + "; " + d;
            }
            w.endNs = System.nanoTime();
            sampler.shutdownNow();
        }
        w.peakRssMib = new ArrayList<>();
        for (long p : peak) {
            w.peakRssMib.add(p / 1024);
        }
        w.elections = Math.max(0, maxTerm(cluster) - termBefore);
        for (int id : ids) {
            NodeProcess n = cluster.node(id);
            w.restarted |= !n.isRunning() || n.pid() != pids.get(id);
        }
        System.out.printf("hostile: %s: RSS %s MiB, %d elections, %s%n", w.name, w.peakRssMib, w.elections, w.detail);
        return w;
    }

    static long maxTerm(ProcessCluster cluster) {
        return cluster.memberStatuses(false).values().stream()
                .flatMap(Optional::stream)
                .mapToLong(StatusResponse::getTerm)
                .max()
                .orElse(0);
    }

    /** VmRSS of the node's process in KiB (0 when unreadable). */
    static long rssKib(NodeProcess n) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + n.pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }
}
