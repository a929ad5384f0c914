package io.raftkv.e2e.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.raftkv.api.v1.GetRequest;
import io.raftkv.e2e.observability.DashboardQueries;
import io.raftkv.e2e.observability.DashboardQueries.PanelQuery;
import io.raftkv.e2e.observability.PanelPicture;
import io.raftkv.e2e.observability.PrometheusProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The shipped monitoring against a real Prometheus (Debian's package): it scrapes a 3-node cluster
 * run by the real operator (the e2e rig: mock API server, simulated kubelet, node and operator
 * jars as processes) and the operator's metrics endpoint every second, with the alert rules
 * loaded, as the PodMonitor and ServiceMonitor would (same target labels: namespace, pod,
 * raftkv_cluster; the operator's job with honor_labels).
 *
 * <p>Under write and linearizable-read load it checks, through Prometheus's HTTP API: every target
 * up; every dashboard panel's query returns data. Then it SIGKILLs the leader and keeps it down:
 * its target goes down, the others elect a leader, RaftKvMemberDown and RaftKvQuorumAtRisk fire;
 * every metric the dashboards and alerts read is present and every panel still returns data.
 *
 * <p>{@code -Dobs.picture=<file.png>} also renders the main panels over the run (docs/observability.md).
 * Run with {@code make observability-test}; not part of {@code make test}'s e2e scenarios.
 */
class ObservabilityIT {

    private static final String NS = "db";
    private static final String NAME = "obs";
    /** The pod contract's plaintext probe port, which serves /metrics (docs/architecture.md). */
    private static final int PROBE_PORT = 9092;
    /** Metrics that exist only once their event happened (a failed reconciliation). */
    private static final Set<String> EVENT_ONLY = Set.of("raftkv_operator_reconcile_failures_total");
    /** The panels of the picture: the cluster overview's main ones. */
    private static final List<String> PICTURE_PANELS = List.of(
            "Members up",
            "Leader",
            "Term",
            "Client requests by code",
            "Client request latency p99 by method",
            "Proposals",
            "fsync p99",
            "Peer round trip p99");

    @Test
    void prometheusScrapesTheClusterAndTheOperatorAndAlertsWhenALeaderIsKilled() throws Exception {
        Path repo = Path.of("").toAbsolutePath();
        repo = Files.isDirectory(repo.resolve("config")) ? repo : repo.getParent();
        Path rules = repo.resolve("config/prometheus/rules/raftkv.rules.yaml");
        Path dashboards = repo.resolve("config/grafana/dashboards");
        List<PanelQuery> panels = DashboardQueries.panels(dashboards);

        try (OperatorE2eHarness harness = OperatorE2eHarness.start(NS)) {
            harness.apply("""
          apiVersion: raftkv.io/v1alpha1
          kind: RaftKvCluster
          metadata:
            name: %s
            namespace: %s
          spec:
            replicas: 3
            raft:
              snapshotThresholdEntries: 2000
            storage:
              whenDeleted: Delete
          """.formatted(NAME, NS));
            await("cluster Available with 3 ready members")
                    .atMost(Duration.ofMinutes(4))
                    .pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> {
                        var s = harness.status(NS, NAME);
                        assertThat(s.condition("Available")).as("%s", s).contains("True");
                        assertThat(s.readyReplicas()).isEqualTo(3);
                    });
            int operatorPort = operatorHttpPort(harness);

            List<PrometheusProcess.Target> nodes = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                // The probe port (9092 on the pod's address), as the PodMonitor scrapes it.
                nodes.add(new PrometheusProcess.Target(
                        harness.network().podIp(NS, NAME, i) + ":" + PROBE_PORT,
                        Map.of("namespace", NS, "raftkv_cluster", NAME, "pod", NAME + "-" + i)));
            }
            // Beside the rig's logs (the operator's log lives in <run>/logs), kept for a failed run.
            Path promDir = harness.operator().log().getParent().getParent().resolve("prometheus");
            try (PrometheusProcess prometheus = PrometheusProcess.start(
                            promDir,
                            List.of(rules),
                            List.of(
                                    new PrometheusProcess.Job("raftkv-nodes", false, nodes),
                                    new PrometheusProcess.Job(
                                            "raftkv-operator",
                                            true,
                                            List.of(new PrometheusProcess.Target(
                                                    "127.0.0.1:" + operatorPort, Map.of())))));
                    WriteLoad writes = new WriteLoad(
                            harness.calls(),
                            () -> harness.podAddresses(NS, NAME),
                            harness.network()::toLoopback,
                            "obs",
                            harness.seed());
                    Reads reads = new Reads(harness)) {
                Instant start = Instant.now();
                writes.start(4);
                reads.start();

                await("all 4 targets up")
                        .atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofSeconds(1))
                        .untilAsserted(() -> assertThat(prometheus.targets())
                                .hasSize(4)
                                .allSatisfy(t -> assertThat(t.path("health").asText())
                                        .as("%s", t)
                                        .isEqualTo("up")));
                // Rates need a few scrapes; a minute at most until every panel shows data.
                await("every dashboard panel's query returns data")
                        .atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofSeconds(5))
                        .untilAsserted(() ->
                                assertThat(withoutData(prometheus, panels)).isEmpty());
                System.out.println("OBS every one of " + panels.size() + " panel queries returned data after "
                        + Duration.between(start, Instant.now()).toSeconds() + " s, " + writes.acknowledgedSoFar()
                        + " writes and " + reads.count() + " reads acknowledged");

                // A steady state worth looking at in the picture before the kill (the JIT warms up too).
                await("45 s of load")
                        .atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofSeconds(1))
                        .until(() -> Duration.between(start, Instant.now()).toSeconds() >= 45);
                String leader = harness.status(NS, NAME).leader();
                assertThat(leader).startsWith(NAME + "-");
                Instant killedAt = Instant.now();
                harness.kubelet().killAndHoldDown(NS, leader);
                System.out.println("OBS SIGKILLed leader " + leader + " (held down)");

                await("the killed member's target down")
                        .atMost(Duration.ofSeconds(20))
                        .pollInterval(Duration.ofMillis(500))
                        .untilAsserted(() -> assertThat(prometheus.query("up{pod=\"" + leader + "\"}"))
                                .singleElement()
                                .satisfies(r -> assertThat(value(r)).isZero()));
                await("a new leader among the others, as Prometheus sees them")
                        .atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(500))
                        .untilAsserted(() -> assertThat(prometheus.query("min(raftkv_raft_has_leader{pod!=\"" + leader
                                        + "\"}) == 1 and on() " + "count(raftkv_raft_role{role=\"leader\",pod!=\""
                                        + leader + "\"} == 1) == 1"))
                                .isNotEmpty());
                await("RaftKvMemberDown and RaftKvQuorumAtRisk firing")
                        .atMost(Duration.ofSeconds(150))
                        .pollInterval(Duration.ofSeconds(2))
                        .untilAsserted(() -> {
                            List<JsonNode> alerts = prometheus.alerts();
                            assertThat(alerts).as("alerts").anySatisfy(a -> {
                                assertThat(a.path("labels").path("alertname").asText())
                                        .isEqualTo("RaftKvMemberDown");
                                assertThat(a.path("labels").path("pod").asText())
                                        .isEqualTo(leader);
                                assertThat(a.path("state").asText()).isEqualTo("firing");
                            });
                            assertThat(alerts).anySatisfy(a -> {
                                assertThat(a.path("labels").path("alertname").asText())
                                        .isEqualTo("RaftKvQuorumAtRisk");
                                assertThat(a.path("state").asText()).isEqualTo("firing");
                            });
                        });
                Instant fired = Instant.now();
                System.out.println("OBS RaftKvMemberDown and RaftKvQuorumAtRisk firing "
                        + Duration.between(killedAt, fired).toSeconds() + " s after the kill; alerts: "
                        + prometheus.alerts().stream()
                                .map(a -> a.path("labels").path("alertname").asText() + "="
                                        + a.path("state").asText())
                                .toList());

                Set<String> metrics = new TreeSet<>();
                panels.forEach(p -> metrics.addAll(DashboardQueries.metricNames(p.expr())));
                DashboardQueries.alertExpressions(rules).forEach(e -> metrics.addAll(DashboardQueries.metricNames(e)));
                List<String> missing = new ArrayList<>();
                for (String m : metrics) {
                    if (prometheus
                            .query("count(last_over_time({__name__=\"" + m + "\"}[15m]))")
                            .isEmpty()) {
                        missing.add(m);
                    }
                }
                System.out.println("OBS " + metrics.size() + " metrics used by dashboards and alerts; absent: "
                        + missing + " (allowed only: " + EVENT_ONLY + ")");
                assertThat(missing).as("metrics the dashboards and alerts use").isSubsetOf(EVENT_ONLY);
                assertThat(withoutData(prometheus, panels))
                        .as("panels without data after the kill")
                        .isEmpty();

                Instant end = Instant.now();
                String picture = System.getProperty("obs.picture", "");
                if (!picture.isBlank()) {
                    PanelPicture.render(
                            prometheus,
                            pictureOf(),
                            start,
                            end,
                            killedAt,
                            "RaftKV / Cluster overview: 3 members under write + linearizable-read load; leader "
                                    + leader + " SIGKILLed at "
                                    + Math.round(
                                            Duration.between(start, killedAt).toMillis() / 1000.0)
                                    + " s and kept down; RaftKvMemberDown and RaftKvQuorumAtRisk firing at "
                                    + Math.round(Duration.between(start, fired).toMillis() / 1000.0)
                                    + " s.\nThe dashboard's queries "
                                    + "through Prometheus's query_range API (1 s scrapes, 1 s step, $__rate_interval = 10 s).",
                            repo.resolve(picture));
                }
                WriteLoad.Result result = writes.stop();
                System.out.println("OBS load: " + result.acknowledged() + " writes acknowledged, retried by code "
                        + result.retriedByCode() + ", longest gap without an acknowledgement " + result.maxAckGapMs()
                        + " ms; " + reads.count() + " linearizable reads");
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(e.getMessage() + "\n" + harness.diagnostics(), e);
            }
        }
    }

    /** Panel queries that return no series, or only NaN. */
    private static List<String> withoutData(PrometheusProcess prometheus, List<PanelQuery> panels) {
        List<String> out = new ArrayList<>();
        for (PanelQuery p : panels) {
            List<JsonNode> result = prometheus.query(p.expr());
            if (result.stream().allMatch(r -> Double.isNaN(value(r)))) {
                out.add(p.toString());
            }
        }
        return out;
    }

    private static double value(JsonNode instant) {
        return Double.parseDouble(instant.path("value").get(1).asText());
    }

    /** The picture's panels from the cluster dashboard, with 10 s rate windows for a 4-minute run. */
    private static List<PanelPicture.Panel> pictureOf() throws Exception {
        Path board = Path.of("").toAbsolutePath();
        board = (Files.isDirectory(board.resolve("config")) ? board : board.getParent())
                .resolve("config/grafana/dashboards/raftkv-cluster.json");
        JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(board.toFile());
        Map<String, PanelPicture.Panel> byTitle = new LinkedHashMap<>();
        for (JsonNode panel : json.path("panels")) {
            List<PanelPicture.Query> queries = new ArrayList<>();
            for (JsonNode t : panel.path("targets")) {
                String expr = t.path("expr")
                        .asText()
                        .replace("$__rate_interval", "10s")
                        .replace("$namespace", ".+")
                        .replace("$cluster", ".+");
                queries.add(new PanelPicture.Query(expr, t.path("legendFormat").asText()));
            }
            String unit =
                    panel.path("fieldConfig").path("defaults").path("unit").asText();
            byTitle.put(
                    panel.path("title").asText(),
                    new PanelPicture.Panel(
                            panel.path("title").asText(),
                            switch (unit) {
                                case "s" -> "seconds";
                                case "reqps" -> "requests/s";
                                default -> "";
                            },
                            queries));
        }
        return PICTURE_PANELS.stream().map(byTitle::get).toList();
    }

    private static int operatorHttpPort(OperatorE2eHarness harness) throws Exception {
        Pattern p = Pattern.compile("http port (\\d+)");
        AtomicLong port = new AtomicLong();
        await("the operator's HTTP port in its log")
                .atMost(Duration.ofSeconds(30))
                .until(() -> {
                    Matcher m = p.matcher(Files.readString(harness.operator().log()));
                    if (m.find()) {
                        port.set(Long.parseLong(m.group(1)));
                    }
                    return port.get() > 0;
                });
        return (int) port.get();
    }

    /** One thread of linearizable Gets over the members (ReadIndex on the leader), errors ignored. */
    private static final class Reads implements AutoCloseable {
        private final OperatorE2eHarness harness;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicLong count = new AtomicLong();
        private final Thread thread;

        Reads(OperatorE2eHarness harness) {
            this.harness = harness;
            this.thread = new Thread(this::run, "linearizable-reads");
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        long count() {
            return count.get();
        }

        private void run() {
            long i = 0;
            while (!stop.get()) {
                List<String> targets = harness.podAddresses(NS, NAME);
                String target = targets.get((int) (i++ % targets.size()));
                try {
                    harness.calls()
                            .get(
                                    target,
                                    GetRequest.newBuilder()
                                            .setKey(ByteString.copyFromUtf8(
                                                    "obs/c0/" + String.format("%08d", 1 + i % 100)))
                                            .build(),
                                    Duration.ofSeconds(2));
                    count.incrementAndGet();
                } catch (RuntimeException e) {
                    // not the leader, the killed member, an election: the writers count errors, reads go on
                    Thread.onSpinWait();
                }
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(10_000);
        }
    }
}
