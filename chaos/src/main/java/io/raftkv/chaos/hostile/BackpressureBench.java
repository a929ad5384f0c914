package io.raftkv.chaos.hostile;

import io.raftkv.chaos.cluster.ClusterOptions;
import io.raftkv.chaos.cluster.NodeProcess;
import io.raftkv.chaos.cluster.ProcessCluster;
import io.raftkv.chaos.workload.KeySpace;
import io.raftkv.chaos.workload.Workload;
import io.raftkv.chaos.workload.WorkloadOptions;
import io.raftkv.e2e.history.HistoryReader;
import io.raftkv.e2e.history.HistoryWriter;
import io.raftkv.e2e.history.Operation;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The backpressure benchmark: the misbehaving-client scenarios of the hostile suite that the
 * response budgets and connection caps exist for (a pipeline client that never reads, a flood of
 * max-size Range pages, 2,000 idle connections), each against the leader of a fresh 3-node
 * process cluster while the chaos workload (the well-behaved clients) runs, once with the node's
 * limits as shipped and once with them lifted ({@link #NO_LIMITS}), in the same round. A round
 * runs both configurations (their order alternates between rounds, so drift of the machine's load
 * does not favour one); the report gives, per configuration and scenario, the median and range
 * over the rounds of the good clients' throughput and p99 and of the attacked node's peak heap
 * and RSS.
 *
 * <p>Heap: {@code jvm_memory_used_bytes{area="heap"}} from the node's {@code /metrics}, scraped
 * every 500 ms (a node too busy to answer is skipped); RSS: VmRSS every 200 ms. The nodes run
 * with the chaos JVM flags ({@code -Xmx256m}).
 */
public final class BackpressureBench {
    /**
     * The configurable limits lifted: response budgets per connection and node, calls per
     * connection, connection caps, idle and first-request timeouts. What is not configurable stays
     * (a pipeline stream stops reading while its write queue is full; a call's slot is held until
     * its response is written).
     */
    public static final List<String> NO_LIMITS = List.of(
            "--max-connection-response-bytes", Integer.toString(Integer.MAX_VALUE),
            "--max-node-response-bytes", Long.toString(1L << 40),
            "--max-connection-calls", "10000000",
            "--max-client-connections", "1000000",
            "--max-client-connections-per-ip", "0",
            "--client-idle-timeout-seconds", "86400",
            "--first-request-timeout-ms", "3600000");

    /** The scenarios, in the order they run. */
    static final List<Supplier<Attack>> SCENARIOS =
            List.of(Attacks.PipelineNeverReads::new, Attacks.RangeFlood::new, Attacks.IdleConnections::new);

    /** One measured window. */
    public record Cell(
            int round,
            String config,
            String scenario,
            double opsPerSec,
            double p99Ms,
            long leaderHeapMib,
            long leaderRssMib,
            long elections,
            boolean restarted,
            String detail) {
        String tsv() {
            return String.join(
                    "\t",
                    Integer.toString(round),
                    config,
                    scenario,
                    String.format("%.1f", opsPerSec),
                    String.format("%.1f", p99Ms),
                    Long.toString(leaderHeapMib),
                    Long.toString(leaderRssMib),
                    Long.toString(elections),
                    Boolean.toString(restarted),
                    detail.replace('\t', ' ').replace('\n', ' '));
        }

        static Cell parse(String line) {
            String[] f = line.split("\t", -1);
            return new Cell(
                    Integer.parseInt(f[0]),
                    f[1],
                    f[2],
                    Double.parseDouble(f[3]),
                    Double.parseDouble(f[4]),
                    Long.parseLong(f[5]),
                    Long.parseLong(f[6]),
                    Long.parseLong(f[7]),
                    Boolean.parseBoolean(f[8]),
                    f[9]);
        }
    }

    private BackpressureBench() {}

    /**
     * Runs round {@code round}: both configurations, each on a fresh cluster under {@code dir},
     * each window {@code window} long; appends its cells to {@code dir/cells.tsv}.
     */
    public static List<Cell> round(Path nodeJar, Path dir, long seed, int round, Duration window) throws IOException {
        Files.createDirectories(dir);
        List<String> order = round % 2 == 1 ? List.of("limits", "no limits") : List.of("no limits", "limits");
        List<Cell> cells = new ArrayList<>();
        for (String config : order) {
            cells.addAll(runConfig(nodeJar, dir, seed + round, round, config, window));
        }
        StringBuilder b = new StringBuilder();
        cells.forEach(c -> b.append(c.tsv()).append('\n'));
        Files.writeString(dir.resolve("cells.tsv"), b.toString(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        return cells;
    }

    private static List<Cell> runConfig(Path nodeJar, Path dir, long seed, int round, String config, Duration window)
            throws IOException {
        Path runDir = dir.resolve("round-" + round + "-" + config.replace(' ', '-'));
        Files.createDirectories(runDir);
        ClusterOptions base = ClusterOptions.defaults(3, nodeJar, runDir, "backpressure-" + seed, seed);
        List<String> args = new ArrayList<>(base.extraNodeArgs());
        if (config.equals("no limits")) {
            args.addAll(NO_LIMITS);
        }
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
        Path historyFile = runDir.resolve("history.jsonl");
        List<Window> windows = new ArrayList<>();
        try (ProcessCluster cluster = ProcessCluster.start(options, new Random(seed));
                HistoryWriter history = HistoryWriter.create(historyFile)) {
            Workload good = Workload.start(
                    workload,
                    cluster.clientEndpoints(),
                    cluster.vertx(),
                    keys,
                    history,
                    System::nanoTime,
                    seed,
                    e -> System.out.println("backpressure: " + e));
            try {
                window(cluster, "warm-up", null, window);
                windows.add(window(cluster, "quiet baseline", null, window));
                for (Supplier<Attack> s : SCENARIOS) {
                    windows.add(window(cluster, null, s.get(), window));
                }
            } finally {
                good.stop();
            }
        }
        List<Operation> ops = HistoryReader.read(historyFile);
        List<Cell> cells = new ArrayList<>();
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
            cells.add(new Cell(
                    round,
                    config,
                    w.name,
                    lat.size() / secs,
                    p99,
                    w.heapMib,
                    w.rssMib,
                    w.elections,
                    w.restarted,
                    w.detail));
        }
        return cells;
    }

    private static final class Window {
        String name;
        String detail = "";
        long startNs;
        long endNs;
        long heapMib;
        long rssMib;
        long elections;
        boolean restarted;
    }

    private static Window window(ProcessCluster cluster, String name, Attack attack, Duration length) {
        Window w = new Window();
        w.name = attack == null ? name : attack.name();
        int leader = cluster.awaitLeader(cluster.options().waitTimeout());
        NodeProcess target = cluster.node(leader);
        long pid = target.pid();
        long termBefore = HostileRun.maxTerm(cluster);
        long[] peakRss = {0};
        long[] peakHeap = {0};
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(1))
                .build();
        ScheduledExecutorService sampler = Executors.newScheduledThreadPool(2);
        sampler.scheduleAtFixedRate(
                () -> peakRss[0] = Math.max(peakRss[0], HostileRun.rssKib(target)), 0, 200, TimeUnit.MILLISECONDS);
        sampler.scheduleAtFixedRate(
                () -> peakHeap[0] = Math.max(peakHeap[0], heapBytes(http, target.clientPort())),
                0,
                500,
                TimeUnit.MILLISECONDS);
        w.startNs = System.nanoTime();
        try {
            if (attack != null) {
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
        w.rssMib = peakRss[0] / 1024;
        w.heapMib = peakHeap[0] >> 20;
        w.elections = Math.max(0, HostileRun.maxTerm(cluster) - termBefore);
        w.restarted = !target.isRunning() || target.pid() != pid;
        System.out.printf(
                "backpressure: %s on node %d: heap %d MiB, RSS %d MiB, %d elections, %s%n",
                w.name, leader, w.heapMib, w.rssMib, w.elections, w.detail);
        return w;
    }

    /** Heap in use now according to the node's /metrics (0 when it does not answer within 1 s). */
    static long heapBytes(HttpClient http, int clientPort) {
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + clientPort + "/metrics"))
                            .timeout(Duration.ofSeconds(1))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            double sum = 0;
            for (String line : r.body().split("\n")) {
                if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                    sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return (long) sum;
        } catch (IOException | RuntimeException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    /** The markdown report of {@code dir/cells.tsv}: per configuration and scenario, median [min–max] over rounds. */
    public static String report(Path dir) throws IOException {
        List<Cell> cells = Files.readAllLines(dir.resolve("cells.tsv")).stream()
                .filter(l -> !l.isBlank())
                .map(Cell::parse)
                .toList();
        Map<String, List<Cell>> groups = new LinkedHashMap<>();
        cells.stream()
                .sorted(Comparator.comparing((Cell c) -> c.config().equals("limits") ? 0 : 1))
                .forEach(c -> groups.computeIfAbsent(c.config() + "\u0000" + c.scenario(), k -> new ArrayList<>())
                        .add(c));
        long rounds = cells.stream().mapToInt(Cell::round).distinct().count();
        StringBuilder b = new StringBuilder();
        b.append("Median [min–max] over ")
                .append(rounds)
                .append(" rounds. Throughput and p99: the well-behaved clients (all of their operations);")
                .append(" heap and RSS: peak of the attacked node (the leader).\n\n");
        b.append("| limits | scenario | good clients ops/s | good clients p99 ms | leader heap MiB | leader RSS MiB"
                + " | elections | node restarted |\n");
        b.append("|---|---|---|---|---|---|---|---|\n");
        for (List<Cell> g : groups.values()) {
            Cell first = g.get(0);
            b.append(String.format(
                    "| %s | %s | %s | %s | %s | %s | %d | %s |%n",
                    first.config().equals("limits") ? "as shipped" : "lifted",
                    first.scenario(),
                    spread(g.stream().map(Cell::opsPerSec).toList(), "%.0f"),
                    spread(g.stream().map(Cell::p99Ms).toList(), "%.1f"),
                    spread(g.stream().map(c -> (double) c.leaderHeapMib()).toList(), "%.0f"),
                    spread(g.stream().map(c -> (double) c.leaderRssMib()).toList(), "%.0f"),
                    g.stream().mapToLong(Cell::elections).sum(),
                    g.stream().anyMatch(Cell::restarted) ? "yes" : "no"));
        }
        b.append("\nWhat the attackers did, per round:\n\n");
        for (Cell c : cells) {
            if (!c.detail().isEmpty()) {
                b.append("- round ")
                        .append(c.round())
                        .append(", ")
                        .append(c.config())
                        .append(", ")
                        .append(c.scenario())
                        .append(": ")
                        .append(c.detail())
                        .append('\n');
            }
        }
        return b.toString();
    }

    private static String spread(List<Double> values, String format) {
        List<Double> sorted = values.stream().sorted().toList();
        double median = sorted.size() % 2 == 1
                ? sorted.get(sorted.size() / 2)
                : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
        return String.format(format, median) + " [" + String.format(format, sorted.get(0)) + "–"
                + String.format(format, sorted.get(sorted.size() - 1)) + "]";
    }
}
