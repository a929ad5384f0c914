package io.raftkv.e2e.observability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * A real Prometheus server (Debian's {@code prometheus} package, found on the PATH) as a process
 * on loopback, with a configuration written for the test, and the queries the test asks of its
 * HTTP API ({@code /api/v1/query}, {@code query_range}, {@code targets}, {@code alerts}).
 *
 * <p>Scrapes and rule evaluation run every second, so {@code for: 1m} alerts fire about a
 * minute after their condition starts.
 */
public final class PrometheusProcess implements AutoCloseable {

    /** One scrape job: name, targets with their target labels, whether to honor scraped labels. */
    public record Job(String name, boolean honorLabels, List<Target> targets) {}

    /** One target: {@code host:port} and the labels Prometheus attaches to its series. */
    public record Target(String address, Map<String, String> labels) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Process process;
    private final Path log;
    private final String base;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private PrometheusProcess(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.base = "http://127.0.0.1:" + port;
    }

    /** Writes {@code dir/prometheus.yml} and starts Prometheus; returns once its API answers. */
    public static PrometheusProcess start(Path dir, List<Path> ruleFiles, List<Job> jobs) throws IOException {
        Files.createDirectories(dir);
        StringBuilder yml = new StringBuilder("""
        global:
          scrape_interval: 1s
          scrape_timeout: 1s
          evaluation_interval: 1s
        rule_files:
        """);
        ruleFiles.forEach(f -> yml.append("  - '").append(f.toAbsolutePath()).append("'\n"));
        yml.append("scrape_configs:\n");
        for (Job job : jobs) {
            yml.append("  - job_name: '")
                    .append(job.name())
                    .append("'\n")
                    .append("    honor_labels: ")
                    .append(job.honorLabels())
                    .append('\n')
                    .append("    static_configs:\n");
            for (Target t : job.targets()) {
                StringJoiner labels = new StringJoiner(", ", "{", "}");
                t.labels().forEach((k, v) -> labels.add(k + ": '" + v + "'"));
                yml.append("      - targets: ['")
                        .append(t.address())
                        .append("']\n")
                        .append("        labels: ")
                        .append(labels)
                        .append('\n');
            }
        }
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, yml);
        int port = freePort();
        Path log = dir.resolve("prometheus.log");
        Process p = new ProcessBuilder(
                        "prometheus",
                        "--config.file=" + config,
                        "--storage.tsdb.path=" + dir.resolve("data"),
                        "--web.listen-address=127.0.0.1:" + port,
                        "--log.level=warn")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        PrometheusProcess prometheus = new PrometheusProcess(p, log, port);
        try {
            Awaitility.await("Prometheus answering on port " + port)
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(250))
                    .ignoreExceptions()
                    .until(() -> prometheus.get("/-/ready").contains("Ready"));
        } catch (RuntimeException e) {
            String tail = Files.exists(log) ? Files.readString(log) : "";
            prometheus.close();
            throw new IllegalStateException("Prometheus did not start:\n" + tail, e);
        }
        System.out.println("Prometheus at " + prometheus.base + ", config " + config);
        return prometheus;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The result vector of an instant query at the current time. */
    public List<JsonNode> query(String promql) {
        JsonNode data = api("/api/v1/query?query=" + enc(promql));
        List<JsonNode> out = new ArrayList<>();
        data.path("result").forEach(out::add);
        return out;
    }

    /** The result matrix of a range query (one entry per series, {@code values} as [t, "v"] pairs). */
    public List<JsonNode> queryRange(String promql, Instant start, Instant end, Duration step) {
        JsonNode data = api("/api/v1/query_range?query=" + enc(promql) + "&start=" + start.getEpochSecond() + "&end="
                + end.getEpochSecond() + "&step=" + step.toSeconds());
        List<JsonNode> out = new ArrayList<>();
        data.path("result").forEach(out::add);
        return out;
    }

    /** Active scrape targets ({@code labels}, {@code health}, {@code lastError}, …). */
    public List<JsonNode> targets() {
        List<JsonNode> out = new ArrayList<>();
        api("/api/v1/targets?state=active").path("activeTargets").forEach(out::add);
        return out;
    }

    /** Pending and firing alerts ({@code labels}, {@code state}, {@code annotations}). */
    public List<JsonNode> alerts() {
        List<JsonNode> out = new ArrayList<>();
        api("/api/v1/alerts").path("alerts").forEach(out::add);
        return out;
    }

    private JsonNode api(String pathAndQuery) {
        try {
            JsonNode body = JSON.readTree(get(pathAndQuery));
            if (!"success".equals(body.path("status").asText())) {
                throw new IllegalStateException("Prometheus API " + pathAndQuery + ": " + body);
            }
            return body.path("data");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String get(String pathAndQuery) throws IOException {
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create(base + pathAndQuery))
                            .timeout(Duration.ofSeconds(10))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IOException("HTTP " + r.statusCode() + " for " + pathAndQuery + ": " + r.body());
            }
            return r.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** The last lines of Prometheus's own log, for failure messages. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
